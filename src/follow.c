/* follow.c — see follow.h. */
#include "steward/follow.h"

#include <stdio.h>
#include <string.h>

#include "steward/store.h"
#include "steward/util.h"

void follow_wait_init(struct follow_wait *fw, struct store *st, const char *session_id)
{
	*fw = (struct follow_wait){.st = st};
	struct st_error err = {0};
	if (store_listen(st, session_id, &err) != ST_OK)
		snprintf(fw->why, sizeof fw->why, "%s", err.msg);
	else if (store_listen_fd(st) < 0)
		snprintf(fw->why, sizeof fw->why, "the %s store sends no change notices", store_backend_name(st));
	fw->notices = store_listen_fd(st) >= 0;
	fw->next_ms = util_now_ms() + FOLLOW_REREAD_MS;
}

int follow_wait_fd(const struct follow_wait *fw) { return fw->notices ? store_listen_fd(fw->st) : -1; }

int follow_wait_timeout_ms(const struct follow_wait *fw)
{
	if (fw->notices)
		return -1;
	int64_t left = fw->next_ms - util_now_ms();
	return left < 0 ? 0 : left > FOLLOW_REREAD_MS ? FOLLOW_REREAD_MS : (int)left;
}

bool follow_wait_due(struct follow_wait *fw, bool fd_ready)
{
	if (fw->notices)
		return fd_ready && store_listen_drain(fw->st);
	int64_t now = util_now_ms();
	if (now < fw->next_ms)
		return false;
	fw->next_ms = now + FOLLOW_REREAD_MS;
	return true;
}
