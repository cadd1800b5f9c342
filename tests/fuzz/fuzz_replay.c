/*
 * fuzz_replay.c — libFuzzer target for a tampered session database: the database is
 * a file anyone with access can edit, so replaying it (session_open) and exporting it
 * in every format must never crash, whatever an event holds. Each input becomes one
 * extra event appended (directly, as an attacker would) to a valid session:
 *   line 1: the event type, line 2: the step id (empty: none), the rest: the payload.
 * Invariants checked: the JSON export parses, the audit reports the edit as tampering
 * (the forged event has no valid hash), the HTML export has no unescaped '<script'.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward/export.h"
#include "steward/runbook.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char runbook_text[] =
	"runbook: 1\nid: fuzz\ntitle: Fuzz\nversion: \"1\"\n"
	"variables:\n  - name: site_code\n    prompt: Site\n    default: ABC\n"
	"logs:\n  sitecomp: sitecomp.log\n"
	"phases:\n  - id: p\n    title: P\n    steps:\n"
	"      - id: a\n        title: A ${site_code}\n        checklist: [one, two]\n"
	"      - id: b\n        title: B\n        wait: 1m\n        confirm: GO\n"
	"      - id: c\n        title: C\n        verify:\n          - log: sitecomp\n"
	"            expect: [x, {regex: 'y.*z'}]\n            since: a\n"
	"        fail:\n          - log: sitecomp\n            match: boom\n            hint: h\n";

static char dir_path[64];
static char db_path[256];
static char session_id[64];
static sqlite3 *raw;

static void cleanup(void)
{
	sqlite3_close(raw);
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[300];
		snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
		unlink(p);
	}
	rmdir(dir_path);
}

static void setup_once(void)
{
	char *dir = strcpy(dir_path, "/tmp/steward-fuzz-replay-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(db_path, sizeof db_path, "%s/steward.db", dir);
	struct store *st;
	struct st_error err;
	if (store_open(db_path, STORE_WRITE, &st, &err) != ST_OK)
		abort();
	store_set_durable(st, false);
	struct runbook *rb = NULL;
	struct rb_diags d = {0};
	if (runbook_load_text(runbook_text, sizeof runbook_text - 1, "fuzz", &rb, &d) != 0)
		abort();
	struct varmap vm = {0};
	char **problems = NULL;
	size_t np = 0;
	vars_complete(rb, &vm, &problems, &np);
	struct session_params p = {.vars = &vm, .log_dir = dir, .op = "fuzz", .rehearsal = true};
	char *id = NULL;
	if (session_create(st, rb, &p, &id, &err) != ST_OK)
		abort();
	struct session *s;
	if (session_open(st, id, SESSION_WRITE, &s, &err) != ST_OK ||
	    session_note(s, 0, "a note", &err) != ST_OK || session_complete(s, 0, NULL, NULL, &err) != ST_OK)
		abort();
	session_close(s);
	snprintf(session_id, sizeof session_id, "%s", id);
	free(id);
	varmap_free(&vm);
	runbook_free(rb);
	store_close(st);
	if (sqlite3_open(db_path, &raw) != SQLITE_OK ||
	    sqlite3_exec(raw, "DROP TRIGGER events_no_delete", NULL, NULL, NULL) != SQLITE_OK)
		abort();
}

/* Splits the input into type, step and payload (copies, NUL-terminated). */
static void split(const uint8_t *data, size_t size, char **type, char **step, char **payload)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl1 = strchr(s, '\n');
	char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
	if (nl1)
		*nl1 = '\0';
	if (nl2)
		*nl2 = '\0';
	*type = strdup(s);
	*step = strdup(nl1 ? nl1 + 1 : "");
	*payload = strdup(nl2 ? nl2 + 1 : "{}");
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!raw)
		setup_once();
	char *type, *step, *payload;
	split(data, size, &type, &step, &payload);
	sqlite3_stmt *ins;
	if (sqlite3_prepare_v2(raw,
			       "INSERT INTO events (session_id, seq, at_ms, operator, host, type, step, data,"
			       " prev_hash, hash) SELECT ?1, max(seq) + 1, 1795000000000, 'x', 'y', ?2, ?3, ?4,"
			       " 'p', 'h' FROM events WHERE session_id = ?1",
			       -1, &ins, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_text(ins, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, type, -1, SQLITE_STATIC);
	if (*step)
		sqlite3_bind_text(ins, 3, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, payload, -1, SQLITE_STATIC);
	int rc = sqlite3_step(ins);
	sqlite3_finalize(ins);
	if (rc != SQLITE_DONE)
		abort();

	struct store *st;
	struct st_error err;
	if (store_open(db_path, STORE_READ, &st, &err) != ST_OK)
		abort();
	struct session *s = NULL;
	if (session_open(st, session_id, SESSION_READ, &s, &err) == ST_OK) {
		for (int f = EXPORT_JSON; f <= EXPORT_HTML; f++) {
			struct strbuf out = STRBUF_INIT;
			if (export_session(s, (enum export_format)f, &out, &err) != ST_OK)
				abort();
			if (f == EXPORT_JSON) {
				json_t *j = json_loads(sb_str(&out), 0, NULL);
				if (!j || !json_is_false(json_object_get(json_object_get(j, "audit"), "intact")))
					abort(); /* a forged event must show as tampering */
				json_decref(j);
			}
			if (f == EXPORT_HTML && strstr(sb_str(&out), "<script"))
				abort();
			sb_free(&out);
		}
		session_close(s);
	} else if (err.code != ST_INVALID) {
		abort(); /* refusing a damaged session is fine; anything else is not */
	}
	store_close(st);
	if (sqlite3_exec(raw, "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)", NULL, NULL, NULL) !=
	    SQLITE_OK)
		abort();
	free(type);
	free(step);
	free(payload);
	return 0;
}
