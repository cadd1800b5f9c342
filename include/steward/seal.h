/*
 * seal.h — sealing a session's head with the operator's SSH key, and checking seals.
 *
 * Why: the hash chain (store.h) has no secret, and its head lives in the same file, so
 * whoever can write the database can edit an event and recompute every hash after it.
 * A seal is an SSH signature (`ssh-keygen -Y sign`, namespace "steward", a key file or
 * the ssh-agent) over the session id, a seq and the chain's hash at that seq, recorded as
 * a `seal` event. An edit before a sealed seq changes that hash, so the seal no longer
 * matches; forging a new seal needs the operator's private key; and which keys count is
 * the auditor's allowed-signers file, which is not in the database.
 *
 * What a seal does not cover: events after the last seal (reported as unsealed), and a
 * tail dropped together with every seal in it (caught only by a head recorded elsewhere:
 * `audit --head`).
 *
 * The signing and verifying programs are run with posix_spawn, never through a shell.
 */
#ifndef STEWARD_SEAL_H
#define STEWARD_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/status.h"

#define SEAL_NAMESPACE "steward"

/* The exact text that is signed (caller frees). */
char *seal_message(const char *session_id, int64_t seq, const char *head_hash);

/*
 * The key to sign with: key_arg when given, else $STEWARD_SEAL_KEY, else the first of
 * ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists. A public key file (.pub) signs through
 * the ssh-agent. ST_NOTFOUND naming what was tried. Caller frees *path.
 */
enum st_code seal_find_key(const char *key_arg, char **path, struct st_error *err);

/* Signs msg with the key: *signature is the armored SSH signature, *fingerprint the
 * key's "SHA256:..." fingerprint. Caller frees both. */
enum st_code seal_sign(const char *key_path, const char *msg, char **signature, char **fingerprint,
		       struct st_error *err);

/* One seal found in a session's events. */
struct seal_check {
	int64_t event_seq;   /* the seal event itself */
	int64_t sealed_seq;  /* the event whose hash it signs */
	char *op, *host;     /* who recorded it (self-declared, like every event) */
	char *key;           /* fingerprint recorded with it */
	char *principal;     /* from the allowed signers, when verified */
	bool ok;
	char *problem;       /* one line when !ok */
};

/* Everything `audit` says about seals and a head recorded elsewhere. */
struct seal_report {
	struct seal_check *seals;
	size_t n_seals;
	int64_t last_sealed_event; /* seq of the last good seal event, 0 when none */
	int64_t n_events;
	bool verified;             /* signatures were checked against allowed signers */
	bool failed;               /* some seal, or the --head, does not hold */
	int64_t head_found_seq;    /* with a head to check: the event that has it, 0 when none */
	char *problem;             /* the first failure, one line (NULL when none) */
};

/*
 * Collects a session's events one by one (seal_collect), then checks every seal:
 * the signed hash must be the chain's hash at the sealed seq, and the signature must
 * verify — against signers_file (an OpenSSH allowed-signers file) when given, which also
 * names the signer; without it only against the key embedded in the signature. With
 * head (NULL = none), that hash must be one of the chain's. The chain itself is
 * store_audit's business; call this on a chain that audit found intact.
 */
struct seal_ctx;
struct seal_ctx *seal_ctx_new(void);
/* Feed every event in order (type "seal" carries data). */
void seal_collect(struct seal_ctx *c, int64_t seq, const char *hash, const char *type, const char *op,
		  const char *host, const char *data);
enum st_code seal_check_all(struct seal_ctx *c, const char *session_id, const char *signers_file,
			    const char *head, struct seal_report *out, struct st_error *err);
void seal_ctx_free(struct seal_ctx *c);
void seal_report_free(struct seal_report *r);

#endif
