/*
 * observe.c — observer mode's entry points: a session held by another writer opened
 * read-only (tui_observe_run, from the home screen and `steward follow --tui`), and
 * taking it when that writer lets it go: the session is opened again as its writer (a
 * store opened for writing, the lock, the operator as actor) and the session screen goes
 * on. Taking can still be refused (someone else took it first): observing then goes on.
 */
#include "steward/tui.h"

#include <stdio.h>
#include <stdlib.h>

#include "steward/store.h"
#include "ui.h"

/* Opens the session as its writer, or says why not (on the status line). */
static struct session *take(struct ui *ui, const struct session *observed, struct store **wst)
{
	struct st_error err = {0};
	*wst = NULL;
	struct session *w = NULL;
	enum st_code rc = store_open(ui->ctx->db_path, STORE_WRITE, wst, &err);
	if (rc == ST_OK)
		rc = session_open(*wst, observed->id, SESSION_WRITE, &w, &err);
	if (rc != ST_OK) {
		ui_message(ui, ROLE_ERROR, "Not taken: %s", err.msg);
		store_close(*wst);
		*wst = NULL;
		return NULL;
	}
	session_set_actor(w, ui->ctx->op, ui->ctx->host);
	ui_message(ui, ROLE_DONE, "You hold the session now: your keys change the record.");
	return w;
}

int tui_observe_run(struct ui *ui, struct session *s)
{
	for (;;) {
		bool taken = false;
		int rc = tui_session_view(ui, s, &taken);
		if (rc != ST_OK || !taken)
			return rc;
		struct store *wst = NULL;
		struct session *w = take(ui, s, &wst);
		if (!w)
			continue; /* refused: observe again, the refusal on the status line */
		rc = tui_session_view(ui, w, NULL);
		session_close(w);
		store_close(wst);
		return rc;
	}
}

int tui_observe(struct cli_ctx *ctx, struct session *s)
{
	struct ui ui;
	int rc = ui_begin(&ui, ctx, NULL);
	if (rc != ST_OK)
		return rc;
	rc = tui_observe_run(&ui, s);
	ui_end(&ui);
	return rc;
}
