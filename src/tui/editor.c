/*
 * editor.c — a long note in the operator's $EDITOR (then $VISUAL, then vi), with
 * curses suspended while it runs. The note goes through a private temporary file
 * that is removed afterwards.
 */
#include "ui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steward/util.h"

char *ui_edit_text(struct ui *ui, const char *initial)
{
	const char *tmpdir = getenv("TMPDIR");
	char *path = xasprintf("%s/steward-note-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		ui_message(ui, ROLE_ERROR, "Cannot create a temporary file for the editor: %s", strerror(errno));
		free(path);
		return NULL;
	}
	size_t len = strlen(initial);
	if (len && write(fd, initial, len) != (ssize_t)len) {
		ui_message(ui, ROLE_ERROR, "Cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	ui_suspend(ui);
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) {
		/* The editor variable may carry arguments ("code -w"): let sh split it. */
		setenv("STEWARD_EDITOR", ed, 1);
		execl("/bin/sh", "sh", "-c", "$STEWARD_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	ui_resume(ui);
	char *out = NULL;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		ui_message(ui, ROLE_ERROR, "The editor (%s) failed; nothing was saved", ed);
	} else {
		size_t n;
		char *text = util_read_file(path, &n);
		if (!text) {
			ui_message(ui, ROLE_ERROR, "Cannot read the note back: %s", strerror(errno));
		} else {
			while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
				text[--n] = '\0';
			if (n == 0 || strcmp(text, initial) == 0) {
				ui_message(ui, ROLE_DIM, "Empty or unchanged note: nothing saved");
				free(text);
			} else {
				out = text;
			}
		}
	}
	unlink(path);
	free(path);
	return out;
}
