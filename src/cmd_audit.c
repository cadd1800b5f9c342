/*
 * cmd_audit.c — `steward audit SESSION [--signers FILE] [--head HASH]`: recomputes the
 * session's hash chain, then checks its seals (seal.h) and a head recorded elsewhere.
 * Exit 0 when everything holds; exit 1 naming the first event that does not verify, the
 * cached state that differs from a replay, the seal that does not hold, or a head that
 * is not in the chain. Events after the last seal (and after the head) are reported as
 * unsealed: a change or removal there goes unnoticed; an unsealed session says so. A reader:
 * works while another process holds the session and on a read-only database.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_sessutil.h"
#include "steward/export.h"
#include "steward/seal.h"

static bool collect_cb(void *ctx, const struct store_event *ev)
{
	seal_collect(ctx, ev->seq, ev->hash, ev->type, ev->op, ev->host, ev->data);
	return true;
}

/* What the seals say, after an intact chain: one line per seal, then what is not sealed. */
static int report_seals(const char *id, const struct seal_report *r, const char *head)
{
	for (size_t i = 0; i < r->n_seals; i++) {
		const struct seal_check *ck = &r->seals[i];
		if (!ck->ok)
			continue;
		if (ck->principal)
			printf("seal: events 1-%lld signed by %s (key %s), recorded by %s on %s as event %lld\n",
			       (long long)ck->sealed_seq, ck->principal, ck->key, ck->op, ck->host,
			       (long long)ck->event_seq);
		else
			printf("seal: events 1-%lld signed with key %s, recorded by %s on %s as event %lld — the "
			       "signer is not checked: give --signers FILE (an allowed-signers file)\n",
			       (long long)ck->sealed_seq, ck->key, ck->op, ck->host, (long long)ck->event_seq);
	}
	if (r->failed)
		return cli_error(ST_FAILED, "session %s: tampering found — %s", id, r->problem);
	if (head)
		printf("head %s recorded elsewhere: event %lld of %lld%s\n", head, (long long)r->head_found_seq,
		       (long long)r->n_events, r->head_found_seq == r->n_events ? " (the last)" : "");
	/* An intact chain proves only that the events agree with each other: what neither a
	 * seal nor the head recorded elsewhere covers is said plainly (docs/audit-trail.md). */
	int64_t n = r->n_events, sealed = r->last_sealed_event, found = r->head_found_seq;
	int64_t anchored = sealed > found ? sealed : found;
	char tail[64];
	if (anchored + 1 == n)
		snprintf(tail, sizeof tail, "event %lld comes", (long long)n);
	else
		snprintf(tail, sizeof tail, "events %lld-%lld come", (long long)anchored + 1, (long long)n);
	if (sealed == 0 && found == 0)
		printf("not sealed: the chain shows damage and naive edits, but whoever can write the database "
		       "could rewrite it, or drop its last events, unnoticed — `steward seal %s` signs it with your "
		       "SSH key; `--head HASH` checks a head recorded elsewhere\n",
		       id);
	else if (sealed == 0)
		printf("not sealed: events 1-%lld are anchored by the head recorded elsewhere%s%s%s\n", (long long)found,
		       found < n ? "; " : "", found < n ? tail : "",
		       found < n ? " after it — not covered: a change or removal there goes unnoticed" : "");
	else if (anchored < n)
		printf("unsealed: %s after the last seal%s — not covered: a change or removal there goes unnoticed\n",
		       tail, found > sealed ? " and the head recorded elsewhere" : "");
	return ST_OK;
}

/* The cached state (what `sessions` lists) must equal a replay of the events. */
static int check_cache(const struct cli_ctx *ctx, struct store *st, const char *id)
{
	struct session *s = NULL;
	struct st_error err = {0};
	enum st_code rc = session_open(st, id, SESSION_READ, &s, &err);
	if (rc == ST_INVALID) { /* the stored runbook no longer loads: the chain is what counts */
		fprintf(stderr, "steward: note: %s — the cached state was not compared\n", err.msg);
		return ST_OK;
	}
	if (rc == ST_OK)
		rc = session_verify_cache(s, &err);
	session_close(s);
	(void)ctx;
	return rc == ST_OK ? ST_OK : sessutil_fail(&err);
}

int cmd_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"signers", required_argument, NULL, 's'},
		{"head", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *signers = NULL, *head = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': signers = optarg; break;
		case 'H': head = optarg; break;
		case 'h': return cli_help("audit");
		default: return cli_usage(cli_usage_of("audit"));
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli_usage_of("audit"));
	if (signers && access(signers, R_OK) != 0)
		return cli_error(ST_NOTFOUND, "cannot read the allowed-signers file %s: %s", signers, strerror(errno));
	if (head && (strlen(head) != 64 || strspn(head, "0123456789abcdefABCDEF") != 64))
		return cli_error(ST_USAGE, "--head wants the 64 hexadecimal digits of an event hash, not '%s'", head);
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_READ, &st);
	if (rc != ST_OK)
		return rc;
	char *id = NULL;
	struct st_error err = {0};
	struct store_audit a;
	struct seal_ctx *sc = seal_ctx_new();
	/* One snapshot: a writer committing meanwhile must not look like tampering. */
	if (store_snapshot_begin(st, &err) != ST_OK || store_resolve_id(st, argv[optind], &id, &err) != ST_OK ||
	    store_audit(st, id, &a, collect_cb, sc, &err) != ST_OK) {
		rc = sessutil_fail(&err);
	} else if (a.intact) {
		rc = check_cache(ctx, st, id);
		struct seal_report sr;
		if (rc == ST_OK && seal_check_all(sc, id, signers, head, &sr, &err) != ST_OK) {
			rc = sessutil_fail(&err);
		} else if (rc == ST_OK) {
			if (!sr.failed) {
				printf("session %s: hash chain intact — %lld events verify, head %s\n", id,
				       (long long)a.n_events, a.head);
				char *clock = export_clock_note(&a);
				if (clock)
					printf("note: %s\n", clock);
				free(clock);
			}
			rc = report_seals(id, &sr, head);
			seal_report_free(&sr);
		}
	} else {
		rc = cli_error(ST_FAILED, "session %s: tampering found — %s", id, a.problem);
	}
	store_snapshot_end(st);
	seal_ctx_free(sc);
	free(id);
	store_close(st);
	return rc;
}
