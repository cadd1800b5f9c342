/*
 * clipboard.c — copying a step's command to the operator's clipboard with the
 * OSC 52 terminal sequence (works over SSH, in tmux with set-clipboard, xterm,
 * iTerm2, kitty, Windows Terminal). The text is the runbook's own command with
 * the session's variables substituted; steward never runs it.
 */
#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "steward/util.h"

static void base64(struct strbuf *out, const unsigned char *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		sb_putc(out, tab[(v >> 18) & 63]);
		sb_putc(out, tab[(v >> 12) & 63]);
		sb_putc(out, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		sb_putc(out, i + 2 < n ? tab[v & 63] : '=');
	}
}

void ui_clipboard_copy(struct ui *ui, const char *text)
{
	(void)ui;
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, "\033]52;c;");
	base64(&sb, (const unsigned char *)text, strlen(text));
	sb_puts(&sb, "\a");
	/* Around curses, straight to the terminal, after what curses has buffered. */
	fflush(stdout);
	size_t off = 0;
	while (off < sb.len) {
		ssize_t w = write(STDOUT_FILENO, sb.data + off, sb.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	sb_free(&sb);
}
