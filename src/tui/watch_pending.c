/* watch_pending.c — TEMPORARY, like src/cmd_pending.c: weak fallbacks for the
 * verification engine (watch.h) until src/watch.c lands, so the program links.
 * The session screen then says the logs are not followed. Delete when watch.c
 * is in main (the strong definitions override these anyway). */
#include "steward/watch.h"

__attribute__((weak)) enum st_code watcher_new(struct session *s, struct watcher **out, struct st_error *err)
{
	(void)s;
	*out = NULL;
	return st_set(err, ST_SOFTWARE, "the log follower is not built yet");
}
__attribute__((weak)) void watcher_free(struct watcher *w) { (void)w; }
__attribute__((weak)) int watcher_fd(const struct watcher *w) { (void)w; return -1; }
__attribute__((weak)) int watcher_timeout_ms(const struct watcher *w) { (void)w; return -1; }
__attribute__((weak)) enum st_code watcher_process(struct watcher *w, watch_cb cb, void *ctx, struct st_error *err)
{
	(void)w;
	(void)cb;
	(void)ctx;
	return st_set(err, ST_SOFTWARE, "the log follower is not built yet");
}
__attribute__((weak)) void watcher_session_changed(struct watcher *w) { (void)w; }
