/*
 * follow.h — waiting for a session's next events, for the readers that follow it live
 * (`steward follow`, the TUI's observer mode). One rule in one place: the store's change
 * notices (store_listen) where the backend has them; without them (a backend that has
 * none, inotify refused) a re-read every FOLLOW_REREAD_MS — slow on purpose, never a
 * busy loop.
 *
 * Use: follow_wait_init() BEFORE the first read (a commit between the read and the
 * listen would otherwise be missed until the next one); then poll() on
 * follow_wait_fd() with follow_wait_timeout_ms() beside the caller's own descriptors;
 * after each poll, follow_wait_due() says whether to re-read (store_read_events after the
 * last seq held, or session_refresh).
 */
#ifndef STEWARD_FOLLOW_H
#define STEWARD_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "steward/status.h"

struct store;

#define FOLLOW_REREAD_MS 1000

struct follow_wait {
	struct store *st;     /* borrowed */
	bool notices;         /* the store notifies: wait on its descriptor */
	int64_t next_ms;      /* without notices: when the next re-read is due */
	char why[1024];       /* without notices: why not (for a note to the operator), or "" */
};

/* Never fails: a store that cannot notify is re-read on the timer, and why says why. */
void follow_wait_init(struct follow_wait *fw, struct store *st, const char *session_id);
int follow_wait_fd(const struct follow_wait *fw);         /* for poll(); -1 without notices */
int follow_wait_timeout_ms(const struct follow_wait *fw); /* -1 with notices, else ms to the re-read */
/* After a poll: fd_ready says whether follow_wait_fd() was readable. Drains the notices;
 * true when the caller re-reads now. */
bool follow_wait_due(struct follow_wait *fw, bool fd_ready);

#endif
