/*
 * cmd_seal.c — `steward seal SESSION [--key FILE]`: signs the session's head with the
 * operator's SSH key (ssh-keygen -Y sign, namespace "steward"; a .pub key signs through
 * the ssh-agent) and records the signature as a `seal` event. Holds the lock, so the head
 * cannot move between signing and recording.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_sessutil.h"
#include "steward/seal.h"

int cmd_seal(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *key_arg = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_arg = optarg; break;
		case 'h': return cli_help("seal");
		default: return cli_usage(cli_usage_of("seal"));
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli_usage_of("seal"));
	struct st_error err = {0};
	char *key = NULL;
	if (seal_find_key(key_arg, &key, &err) != ST_OK)
		return sessutil_fail(&err);
	struct store *st = NULL;
	struct session *s = NULL;
	char *sig = NULL, *fp = NULL, *msg = NULL;
	int rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (rc == ST_OK)
		rc = sessutil_open(ctx, st, argv[optind], SESSION_WRITE, &s);
	if (rc == ST_OK) {
		int64_t seq = s->seq;
		char head[65];
		snprintf(head, sizeof head, "%s", s->head_hash);
		msg = seal_message(s->id, seq, head);
		if (seal_sign(key, msg, &sig, &fp, &err) != ST_OK || session_seal(s, seq, head, sig, fp, &err) != ST_OK) {
			rc = sessutil_fail(&err);
		} else {
			/* The head to record elsewhere is the seal event's own hash: dropping the seal
			 * (and everything after it) then no longer goes unnoticed. */
			printf("sealed session %s: events 1-%lld with key %s (the seal is event %lld)\n", s->id,
			       (long long)seq, fp, (long long)s->seq);
			printf("head %s — record it in the change ticket; `steward audit %s --head %s` checks it\n",
			       s->head_hash, s->id, s->head_hash);
		}
	}
	session_close(s);
	store_close(st);
	free(msg);
	free(sig);
	free(fp);
	free(key);
	return rc;
}
