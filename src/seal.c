/*
 * seal.c — signing a session's head with ssh-keygen, and checking the seals of a session
 * (see seal.h for what a seal proves and what it does not).
 */
#include "steward/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steward/util.h"

extern char **environ;

/* ssh-keygen's name on $PATH; $STEWARD_SSH_KEYGEN is not read: the program is fixed. */
#define SSH_KEYGEN "ssh-keygen"
/* A signature, a fingerprint or an error message is a few hundred bytes; more is wrong. */
#define SPAWN_OUTPUT_MAX (64 * 1024)

char *seal_message(const char *session_id, int64_t seq, const char *head_hash)
{
	return xasprintf("steward seal v1\nsession: %s\nseq: %lld\nhead: %s\n", session_id, (long long)seq,
			 head_hash);
}

/* ---------- running ssh-keygen ---------- */

struct run_result {
	int status;        /* exit status, or -1 when it did not exit normally */
	struct strbuf out; /* stdout */
	struct strbuf err; /* stderr */
};

static void run_result_free(struct run_result *r)
{
	sb_free(&r->out);
	sb_free(&r->err);
}

/* Runs argv (searched on $PATH) with input on stdin; collects stdout and stderr (each up to
 * SPAWN_OUTPUT_MAX) without deadlocking on either. ST_NOTFOUND when the program is missing. */
static enum st_code run_capture(const char *const argv[], const char *input, struct run_result *r,
				struct st_error *err)
{
	memset(r, 0, sizeof *r);
	r->status = -1;
	int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(er, O_CLOEXEC) != 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0) close(in[i]);
			if (out[i] >= 0) close(out[i]);
			if (er[i] >= 0) close(er[i]);
		}
		return st_set(err, ST_IOERR, "cannot run %s: %s", argv[0], strerror(e));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, er[1], STDERR_FILENO);
	/* posix_spawn wants writable strings (historical); give it copies. */
	size_t argc = 0;
	while (argv[argc])
		argc++;
	char **args = xcalloc(argc + 1, sizeof *args);
	for (size_t i = 0; i < argc; i++)
		args[i] = xstrdup(argv[i]);
	pid_t pid;
	int e = posix_spawnp(&pid, args[0], &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (size_t i = 0; i < argc; i++)
		free(args[i]);
	free(args);
	close(in[0]);
	close(out[1]);
	close(er[1]);
	if (e != 0) {
		close(in[1]);
		close(out[0]);
		close(er[0]);
		return st_set(err, e == ENOENT ? ST_NOTFOUND : ST_IOERR,
			      "cannot run %s: %s — install openssh-client (apt-get install openssh-client)", argv[0],
			      strerror(e));
	}
	/* The input is a few hundred bytes, smaller than a pipe: it is written at once. */
	size_t len = input ? strlen(input) : 0, off = 0;
	while (off < len) {
		ssize_t n = write(in[1], input + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the program closed its input; its status says why */
		off += (size_t)n;
	}
	close(in[1]);
	struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = er[0], .events = POLLIN}};
	struct strbuf *dst[2] = {&r->out, &r->err};
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t n = read(p[i].fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
			} else if (dst[i]->len < SPAWN_OUTPUT_MAX) {
				sb_append(dst[i], buf, (size_t)n);
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	int ws;
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR)
			return st_set(err, ST_IOERR, "waiting for %s: %s", argv[0], strerror(errno));
	}
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	return ST_OK;
}

/* The first line of a program's error output, for a message (caller frees). */
static char *first_line(const struct strbuf *sb)
{
	const char *s = sb_str(sb);
	while (*s == '\n' || *s == '\r')
		s++;
	size_t n = strcspn(s, "\r\n");
	return n ? xstrndup(s, n) : xstrdup("no message");
}

/* ---------- signing ---------- */

enum st_code seal_find_key(const char *key_arg, char **path, struct st_error *err)
{
	*path = NULL;
	const char *given = key_arg && *key_arg ? key_arg : getenv("STEWARD_SEAL_KEY");
	if (given && *given) {
		if (access(given, R_OK) != 0)
			return st_set(err, ST_NOTFOUND, "cannot read the signing key %s: %s — give an SSH key with --key",
				      given, strerror(errno));
		*path = xstrdup(given);
		return ST_OK;
	}
	const char *home = getenv("HOME");
	static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
	for (size_t i = 0; home && *home && i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/.ssh/%s", home, names[i]);
		if (access(p, R_OK) == 0) {
			*path = p;
			return ST_OK;
		}
		free(p);
	}
	return st_set(err, ST_NOTFOUND,
		      "no SSH key to seal with: none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa — give one with --key "
		      "FILE (a .pub file signs through the ssh-agent) or $STEWARD_SEAL_KEY");
}

enum st_code seal_sign(const char *key_path, const char *msg, char **signature, char **fingerprint,
		       struct st_error *err)
{
	*signature = *fingerprint = NULL;
	const char *const sign_argv[] = {SSH_KEYGEN, "-q", "-Y", "sign", "-n", SEAL_NAMESPACE, "-f", key_path, NULL};
	struct run_result r;
	enum st_code rc = run_capture(sign_argv, msg, &r, err);
	if (rc != ST_OK)
		return rc;
	if (r.status != 0 || !strstr(sb_str(&r.out), "-----BEGIN SSH SIGNATURE-----")) {
		char *why = first_line(&r.err);
		rc = st_set(err, ST_FAILED, "ssh-keygen could not sign with %s: %s", key_path, why);
		free(why);
		run_result_free(&r);
		return rc;
	}
	*signature = sb_take(&r.out);
	run_result_free(&r);

	const char *const fp_argv[] = {SSH_KEYGEN, "-l", "-f", key_path, NULL};
	rc = run_capture(fp_argv, NULL, &r, err);
	if (rc != ST_OK)
		goto fail;
	/* "256 SHA256:abc... comment (ED25519)": the second field. */
	const char *s = sb_str(&r.out);
	const char *sp = strchr(s, ' ');
	if (r.status != 0 || !sp || strncmp(sp + 1, "SHA256:", 7) != 0) {
		char *why = first_line(&r.err);
		rc = st_set(err, ST_FAILED, "ssh-keygen could not read the fingerprint of %s: %s", key_path, why);
		free(why);
		run_result_free(&r);
		goto fail;
	}
	*fingerprint = xstrndup(sp + 1, strcspn(sp + 1, " \n"));
	run_result_free(&r);
	return ST_OK;
fail:
	free(*signature);
	*signature = NULL;
	return rc;
}

/* ---------- checking ---------- */

struct seal_event {
	int64_t seq;
	char *op, *host, *data;
};

struct seal_ctx {
	char (*hash)[65]; /* hash[seq - 1] */
	size_t n, cap;
	struct seal_event *seals;
	size_t n_seals, cap_seals;
};

struct seal_ctx *seal_ctx_new(void)
{
	return xcalloc(1, sizeof(struct seal_ctx));
}

void seal_ctx_free(struct seal_ctx *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_seals; i++) {
		free(c->seals[i].op);
		free(c->seals[i].host);
		free(c->seals[i].data);
	}
	free(c->seals);
	free(c->hash);
	free(c);
}

void seal_collect(struct seal_ctx *c, int64_t seq, const char *hash, const char *type, const char *op,
		  const char *host, const char *data)
{
	/* store_audit hands every event in seq order; anything else was reported by it. */
	if (seq != (int64_t)c->n + 1)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->hash = xreallocarray(c->hash, c->cap, sizeof *c->hash);
	}
	snprintf(c->hash[c->n++], 65, "%s", hash ? hash : "");
	if (type && strcmp(type, "seal") == 0) {
		if (c->n_seals == c->cap_seals) {
			c->cap_seals = c->cap_seals ? c->cap_seals * 2 : 4;
			c->seals = xreallocarray(c->seals, c->cap_seals, sizeof *c->seals);
		}
		c->seals[c->n_seals++] = (struct seal_event){
			.seq = seq, .op = xstrdup(op ? op : ""), .host = xstrdup(host ? host : ""),
			.data = xstrdup(data ? data : "{}")};
	}
}

/* Writes the signature to a private temporary file for ssh-keygen's -s (caller unlinks
 * and frees the path). */
static enum st_code write_sig_file(const char *sig, char **path, struct st_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *p = xasprintf("%s/steward-seal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(p);
	if (fd < 0) {
		enum st_code rc = st_set(err, ST_IOERR, "cannot create a temporary file in %s: %s",
					 tmp && *tmp ? tmp : "/tmp", strerror(errno));
		free(p);
		return rc;
	}
	size_t len = strlen(sig), off = 0;
	while (off < len) {
		ssize_t n = write(fd, sig + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (close(fd) != 0 || off < len) {
		unlink(p);
		free(p);
		return st_set(err, ST_IOERR, "cannot write a temporary file for ssh-keygen");
	}
	*path = p;
	return ST_OK;
}

/* Verifies one signature over msg: against signers (naming the principal), or, without
 * signers, only against the key it embeds. Sets ck->ok / ck->problem / ck->principal. */
static enum st_code verify_one(struct seal_check *ck, const char *msg, const char *sig,
			       const char *signers, struct st_error *err)
{
	char *sigfile = NULL;
	enum st_code rc = write_sig_file(sig, &sigfile, err);
	if (rc != ST_OK)
		return rc;
	struct run_result r;
	if (!signers) {
		const char *const argv[] = {SSH_KEYGEN, "-Y", "check-novalidate", "-n", SEAL_NAMESPACE, "-s", sigfile, NULL};
		rc = run_capture(argv, msg, &r, err);
		if (rc == ST_OK) {
			ck->ok = r.status == 0;
			if (!ck->ok)
				ck->problem = xasprintf("the seal of event %lld does not verify: its signature is not "
							"over this session's head at event %lld",
							(long long)ck->event_seq, (long long)ck->sealed_seq);
			run_result_free(&r);
		}
		goto out;
	}
	const char *const find_argv[] = {SSH_KEYGEN, "-Y", "find-principals", "-s", sigfile, "-f", signers, NULL};
	rc = run_capture(find_argv, NULL, &r, err);
	if (rc != ST_OK)
		goto out;
	char *principal = r.status == 0 ? xstrndup(sb_str(&r.out), strcspn(sb_str(&r.out), "\r\n")) : NULL;
	run_result_free(&r);
	if (!principal || !*principal) {
		free(principal);
		ck->ok = false;
		ck->problem = xasprintf("the seal of event %lld was made with key %s, which is not in %s",
					(long long)ck->event_seq, ck->key, signers);
		goto out;
	}
	const char *const argv[] = {SSH_KEYGEN, "-Y", "verify", "-n", SEAL_NAMESPACE, "-f", signers,
			"-I", principal, "-s", sigfile, NULL};
	rc = run_capture(argv, msg, &r, err);
	if (rc == ST_OK) {
		ck->ok = r.status == 0;
		if (ck->ok)
			ck->principal = xstrdup(principal);
		else
			ck->problem = xasprintf("the seal of event %lld (signer %s) does not verify: its signature is "
						"not over this session's head at event %lld",
						(long long)ck->event_seq, principal, (long long)ck->sealed_seq);
		run_result_free(&r);
	}
	free(principal);
out:
	unlink(sigfile);
	free(sigfile);
	return rc;
}

enum st_code seal_check_all(struct seal_ctx *c, const char *session_id, const char *signers_file,
			    const char *head, struct seal_report *out, struct st_error *err)
{
	memset(out, 0, sizeof *out);
	out->n_events = (int64_t)c->n;
	out->verified = signers_file != NULL;
	out->seals = c->n_seals ? xcalloc(c->n_seals, sizeof *out->seals) : NULL;
	for (size_t i = 0; i < c->n_seals; i++) {
		const struct seal_event *se = &c->seals[i];
		struct seal_check *ck = &out->seals[out->n_seals++];
		ck->event_seq = se->seq;
		ck->op = xstrdup(se->op);
		ck->host = xstrdup(se->host);
		json_t *d = json_loads(se->data, 0, NULL);
		const char *sig = json_string_value(json_object_get(d, "signature"));
		const char *signed_head = json_string_value(json_object_get(d, "head"));
		const char *key = json_string_value(json_object_get(d, "key"));
		ck->sealed_seq = json_integer_value(json_object_get(d, "seq"));
		ck->key = xstrdup(key ? key : "(unknown key)");
		if (!sig || !signed_head || ck->sealed_seq < 1 || ck->sealed_seq >= se->seq) {
			ck->problem = xasprintf("the seal of event %lld is malformed (no signature, head or seq "
						"before it)", (long long)se->seq);
		} else if (strcmp(signed_head, c->hash[ck->sealed_seq - 1]) != 0) {
			ck->problem = xasprintf("events up to %lld were changed after they were sealed: the seal of "
						"event %lld (key %s, recorded by %s on %s) signs another head",
						(long long)ck->sealed_seq, (long long)se->seq, ck->key, se->op,
						se->host);
		} else {
			char *msg = seal_message(session_id, ck->sealed_seq, signed_head);
			enum st_code rc = verify_one(ck, msg, sig, signers_file, err);
			free(msg);
			if (rc != ST_OK) {
				json_decref(d);
				seal_report_free(out);
				return rc;
			}
		}
		json_decref(d);
		if (ck->problem) {
			ck->ok = false;
			if (!out->failed) {
				out->failed = true;
				out->problem = xstrdup(ck->problem);
			}
		} else if (ck->ok) {
			out->last_sealed_event = se->seq;
		}
	}
	if (head && *head) {
		for (size_t i = 0; i < c->n; i++) {
			if (strcasecmp(c->hash[i], head) == 0) {
				out->head_found_seq = (int64_t)i + 1;
				break;
			}
		}
		if (!out->head_found_seq && !out->failed) {
			out->failed = true;
			out->problem = xasprintf("the head %s recorded elsewhere is not in this session's chain: the "
						 "chain was rewritten, or the head is another session's", head);
		}
	}
	return ST_OK;
}

void seal_report_free(struct seal_report *r)
{
	for (size_t i = 0; i < r->n_seals; i++) {
		free(r->seals[i].op);
		free(r->seals[i].host);
		free(r->seals[i].key);
		free(r->seals[i].principal);
		free(r->seals[i].problem);
	}
	free(r->seals);
	free(r->problem);
	memset(r, 0, sizeof *r);
}
