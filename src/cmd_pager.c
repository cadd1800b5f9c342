/* cmd_pager.c — see cmd_pager.h. */
#include "cmd_pager.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "steward/text.h"
#include "steward/util.h"

int pager_columns(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *c = getenv("COLUMNS");
	char *end;
	long v = c && *c ? strtol(c, &end, 10) : 0;
	return (c && *c && *end == '\0' && v > 0 && v < 10000) ? (int)v : 0;
}

/* Where a line's text starts after its indentation and list marker, and what the lines it
 * wraps onto begin with: the same bar for a "| " block, else spaces to the text. */
static const char *const markers[] = {"| ", "[ ] ", "[x] ", "- ", "CAUTION: ", "hint: ", "references: ",
				      "when: ", "confirm: ", "wait: ", "on host: ", "verify in log ",
				      "fails if log "};

static size_t numbered_marker(const char *p, size_t len)
{
	size_t k = 0;
	while (k < len && p[k] >= '0' && p[k] <= '9')
		k++;
	if (k > 0 && k + 1 < len && (p[k] == '.' || p[k] == ')') && p[k + 1] == ' ')
		return k + 2;
	return 0;
}

static void wrap_line(struct strbuf *out, const char *line, size_t len, int cols)
{
	while (len > 0 && line[len - 1] == ' ')
		len--;
	if (text_width_n(line, len) <= cols) {
		sb_append(out, line, len);
		sb_putc(out, '\n');
		return;
	}
	size_t ind = 0;
	while (ind < len && line[ind] == ' ')
		ind++;
	/* A command is never wrapped: it is copied as it stands (the terminal folds it). */
	if (len - ind >= 2 && memcmp(line + ind, "> ", 2) == 0) {
		sb_append(out, line, len);
		sb_putc(out, '\n');
		return;
	}
	size_t mark = numbered_marker(line + ind, len - ind);
	bool bar = false;
	for (size_t i = 0; !mark && i < ARRAY_LEN(markers); i++) {
		size_t ml = strlen(markers[i]);
		if (len - ind >= ml && memcmp(line + ind, markers[i], ml) == 0) {
			mark = ml;
			bar = i == 0;
		}
	}
	size_t head = ind + mark;
	int head_w = text_width_n(line, head);
	if (cols - head_w < 20) { /* too narrow to indent: wrap from the margin */
		head = ind;
		head_w = (int)ind;
		bar = false;
		if (cols - head_w < 20)
			head = 0, head_w = 0;
	}
	char *body = xstrndup(line + head, len - head);
	struct text_span *spans = NULL;
	size_t n = text_wrap(body, cols - head_w, &spans);
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			sb_append(out, line, head);
		else if (bar)
			sb_printf(out, "%*s| ", (int)ind, "");
		else
			sb_printf(out, "%*s", head_w, "");
		sb_append(out, body + spans[i].off, spans[i].len);
		sb_putc(out, '\n');
	}
	free(spans);
	free(body);
}

char *pager_wrap(const char *text, int cols)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (cols > 0)
			wrap_line(&out, p, len, cols);
		else {
			sb_append(&out, p, len);
			sb_putc(&out, '\n');
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return sb_take(&out);
}

/* The default pager, when it is installed (else the text goes straight out). */
static bool less_installed(void)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/bin:/bin";
	char *copy = xstrdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *f = xasprintf("%s/less", *d ? d : ".");
		found = access(f, X_OK) == 0;
		free(f);
	}
	free(copy);
	return found;
}

int pager_write(const char *text, size_t len)
{
	const char *pager = NULL;
	if (isatty(STDOUT_FILENO)) {
		pager = getenv("PAGER");
		if (!pager)
			pager = less_installed() ? "less -FRX" : NULL;
		else if (!*pager || strcmp(pager, "cat") == 0)
			pager = NULL;
	}
	if (!pager) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
			return -1;
		return 0;
	}
	fflush(stdout);
	FILE *p = popen(pager, "w");
	if (!p) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
			return -1;
		return 0;
	}
	/* The reader may quit before the end (q in less): that is not an error. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t w = fwrite(text, 1, len, p);
	int e = errno;
	pclose(p);
	signal(SIGPIPE, old);
	return (w == len || e == EPIPE) ? 0 : -1;
}
