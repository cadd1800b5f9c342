/*
 * listen.c — change notices on PostgreSQL: a trigger on events runs
 * pg_notify('steward_events', session_id), delivered when the writer's transaction
 * commits. store_listen opens a connection of its own that only LISTENs: its socket is
 * readable exactly when a notice (or the end of the connection) arrived, so a follower
 * waits in poll() with no polling loop, and queries on the store's own connection never
 * swallow a notice that poll() should have seen.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"

void pg_listen_close(struct pg_store *st)
{
	if (st->listen_conn)
		PQfinish(st->listen_conn);
	st->listen_conn = NULL;
	free(st->listen_sid);
	st->listen_sid = NULL;
}

static bool start_listening(PGconn *c)
{
	if (PQstatus(c) != CONNECTION_OK)
		return false;
	PGresult *r = PQexec(c, "LISTEN steward_events");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok && PQsetnonblocking(c, 1) == 0;
}

enum st_code pg_listen(struct store *base, const char *session_id, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	pg_listen_close(st);
	st->listen_conn = pg_connect(st->base.path);
	if (!st->listen_conn || !start_listening(st->listen_conn)) {
		const char *msg = st->listen_conn ? PQerrorMessage(st->listen_conn) : "out of memory";
		enum st_code rc = st_set(err, ST_TEMPFAIL,
					 "cannot listen for changes on the PostgreSQL %s (%s) — check that the "
					 "server runs and that this machine reaches it, then try again",
					 st->server, msg);
		pg_listen_close(st);
		return rc;
	}
	st->listen_sid = session_id ? xstrdup(session_id) : NULL;
	return ST_OK;
}

int pg_listen_fd(const struct store *base)
{
	const struct pg_store *st = (const struct pg_store *)base;
	return st->listen_conn ? PQsocket(st->listen_conn) : -1;
}

bool pg_listen_drain(struct store *base)
{
	struct pg_store *st = pg_of(base);
	if (!st->listen_conn)
		return false;
	if (!PQconsumeInput(st->listen_conn)) {
		/* The connection ended (the server restarted): listen again on a new one, and
		 * say "changed" so that the caller re-reads (its own query tells whether the
		 * server is back). A new socket may have a new number: callers ask again. */
		PQreset(st->listen_conn);
		if (!start_listening(st->listen_conn)) {
			/* keep the dead connection: its socket stays readable, and every re-read
			 * reports the server's absence until it is back */
		}
		return true;
	}
	bool seen = false;
	PGnotify *n;
	while ((n = PQnotifies(st->listen_conn)) != NULL) {
		if (!st->listen_sid || strcmp(n->extra, st->listen_sid) == 0)
			seen = true;
		PQfreemem(n);
	}
	return seen;
}
