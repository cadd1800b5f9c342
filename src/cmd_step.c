/*
 * cmd_step.c — `steward step SESSION STEP done|skip|fail|reopen [--note TEXT]
 * [--confirm WORD]`: one transition, by the session engine's rules (the same as the
 * TUI's). STEP is a step id or its 1-based number. `done` on a step with `verify` and
 * a --note is an override; --note is the reason for skip and reopen, the note for fail,
 * and the reason for completing a step whose checklist is not all ticked. --confirm is
 * the step's confirm word, and for `skip` of a production wait that still runs, the word
 * that overrides it (the step's confirm word, else SKIP-WAIT).
 * Holds the session's lock while it runs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"

enum action { ACT_DONE, ACT_SKIP, ACT_FAIL, ACT_REOPEN };

static bool parse_action(const char *s, enum action *a)
{
	static const char *const names[] = {"done", "skip", "fail", "reopen"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*a = (enum action)i;
			return true;
		}
	}
	return false;
}

static enum st_code run(struct session *s, size_t i, enum action a, const char *note, const char *confirm,
			struct st_error *err)
{
	switch (a) {
	case ACT_DONE:
		if (s->rb->steps[i].n_verify > 0 && note && *note)
			return session_override(s, i, note, err);
		return session_complete(s, i, confirm, note, err);
	case ACT_SKIP: return session_skip(s, i, note, confirm, err);
	case ACT_FAIL: return session_fail(s, i, note, err);
	case ACT_REOPEN: return session_reopen(s, i, note, err);
	}
	return ST_SOFTWARE;
}

/* What is missing, said as the command line that gives it (the engine's messages speak
 * of notes and words; here they are options). Caller frees. */
static char *hint(const struct session *s, size_t i, enum action a, enum st_code rc)
{
	static const char *const names[] = {"done", "skip", "fail", "reopen"};
	const char *id = s->rb->steps[i].id;
	if (rc == ST_USAGE && a != ACT_DONE && s->steps[i].status != STEP_NA && !s->finished)
		return xasprintf(" — run: steward step %s %s %s --note TEXT", s->id, id, names[a]);
	if (rc == ST_TEMPFAIL && a == ACT_DONE && s->rb->steps[i].n_verify > 0 &&
	    s->steps[i].status != STEP_DONE && s->steps[i].status != STEP_SKIPPED &&
	    s->steps[i].status != STEP_FAILED && session_can_complete(s, i, NULL) == ST_OK)
		return xasprintf(" — run: steward step %s %s done --note TEXT", s->id, id);
	if (rc == ST_TEMPFAIL && a == ACT_DONE && s->rb->steps[i].confirm)
		return xasprintf(" — run: steward step %s %s done --confirm WORD", s->id, id);
	if (rc == ST_TEMPFAIL && a == ACT_DONE && session_unticked(s, i) > 0)
		return xasprintf(" — run: steward step %s %s done --note TEXT", s->id, id);
	if (rc == ST_TEMPFAIL && a == ACT_SKIP && session_skip_needs_word(s, i, util_now_ms()) > 0)
		return xasprintf(" — run: steward step %s %s skip --note TEXT --confirm WORD", s->id, id);
	return xstrdup("");
}

static void report(const struct session *s, size_t i, enum action a)
{
	static const char *const done_words[] = {"done", "skipped", "marked failed", "reopened"};
	printf("step %s %s", s->rb->steps[i].id, done_words[a]);
	if (s->finished)
		printf("; the session is finished\n");
	else if (s->active >= 0)
		printf("; active step: %s\n", s->rb->steps[s->active].id);
	else
		printf("\n");
}

int cmd_step(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"note", required_argument, NULL, 'n'},
		{"confirm", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *note = NULL, *confirm = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': note = optarg; break;
		case 'c': confirm = optarg; break;
		case 'h': cli_help("step"); return ST_OK;
		default: return cli_usage(cli_usage_of("step"));
		}
	}
	if (argc - optind != 3)
		return cli_usage(cli_usage_of("step"));
	const char *sid = argv[optind], *step = argv[optind + 1];
	enum action a;
	if (!parse_action(argv[optind + 2], &a)) {
		if (strcmp(argv[optind + 2], "override") == 0 || strcmp(argv[optind + 2], "complete") == 0)
			cli_error(ST_USAGE, "unknown action '%s': to complete a step by hand (overriding its log "
					    "verification, with the reason), run: steward step %s %s done --note TEXT",
				  argv[optind + 2], sid, step);
		else
			cli_error(ST_USAGE, "unknown action '%s': use done, skip, fail or reopen", argv[optind + 2]);
		return cli_usage(cli_usage_of("step"));
	}
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (rc != ST_OK)
		return rc;
	struct session *s = NULL;
	rc = sessutil_open(ctx, st, sid, SESSION_WRITE, &s);
	if (rc == ST_OK) {
		long i = session_find_step(s, step);
		struct st_error err = {0};
		if (i < 0) {
			rc = cli_error(ST_USAGE, "session %s has no step '%s' — give a step id of runbook %s "
					       "(`steward show %s`) or its number 1-%zu",
				       s->id, step, s->rb->id, s->rb->id, s->rb->n_steps);
		} else if ((rc = run(s, (size_t)i, a, note, confirm, &err)) != ST_OK) {
			char *h = hint(s, (size_t)i, a, err.code);
			rc = cli_error(err.code, "%s%s", err.msg, h);
			free(h);
		} else {
			report(s, (size_t)i, a);
		}
	}
	session_close(s);
	store_close(st);
	return rc;
}
