/*
 * session_rules.c — every rule of session.h, in one place: the checks (not applicable,
 * finished, wrong state, wait, confirm word, required text) and the transitions and
 * observations built on them. A refusal writes nothing.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"
#include "steward/seal.h"
#include "steward/smslog.h"
#include "steward/store.h"
#include "steward/util.h"

/* ---------- rules ---------- */

static enum st_code check_step(const struct session *s, size_t i, struct st_error *err)
{
	if (i >= s->rb->n_steps)
		return st_set(err, ST_USAGE, "no step number %zu in runbook %s (it has %zu)", i + 1,
			      s->rb->id, s->rb->n_steps);
	/* Not "invalid runbook" (65): the request names a step that is not there to act on,
	 * like an unknown step — a usage error (64), as steward(1) says. */
	if (s->steps[i].status == STEP_NA)
		return st_set(err, ST_USAGE,
			      "step '%s' does not apply to this session (its `when:` is false) — nothing "
			      "can be recorded on it", s->rb->steps[i].id);
	return ST_OK;
}

static enum st_code check_open(const struct session *s, struct st_error *err)
{
	if (s->finished)
		return st_set(err, ST_USAGE, "session %s is finished — its steps can no longer change", s->id);
	return ST_OK;
}

/* The step may be completed (or skipped, failed) from its current status. */
static enum st_code check_not_closed(const struct session *s, size_t i, const char *verb,
				     struct st_error *err)
{
	const char *id = s->rb->steps[i].id;
	switch (s->steps[i].status) {
	case STEP_DONE:
		return st_set(err, ST_TEMPFAIL, "step '%s' is already done — reopen it (with a reason) to %s it",
			      id, verb);
	case STEP_SKIPPED:
		return st_set(err, ST_TEMPFAIL, "step '%s' was skipped — reopen it (with a reason) to %s it", id,
			      verb);
	default:
		return ST_OK;
	}
}

static enum st_code check_wait(const struct session *s, size_t i, int64_t now, struct st_error *err)
{
	const struct rb_step *step = &s->rb->steps[i];
	if (step->wait_s <= 0)
		return ST_OK;
	char total[64];
	duration_format(session_wait_s(s, i), total, sizeof total);
	if (s->steps[i].activated_ms == 0)
		return st_set(err, ST_TEMPFAIL,
			      "step '%s' has not started: it needs %s after it becomes active — start it first",
			      step->id, total);
	int64_t left = session_wait_remaining_ms(s, i, now);
	if (left <= 0)
		return ST_OK;
	char more[64], since[32];
	duration_format((long)((left + 999) / 1000), more, sizeof more);
	util_format_utc_ms(s->steps[i].activated_ms, since);
	return st_set(err, ST_TEMPFAIL, "step '%s': wait %s more — it needs %s after it became active (%s)",
		      step->id, more, total, since);
}

static enum st_code check_confirm(const struct session *s, size_t i, const char *word,
				  struct st_error *err)
{
	const struct rb_step *step = &s->rb->steps[i];
	if (!step->confirm)
		return ST_OK;
	if (session_blank(word))
		return st_set(err, ST_TEMPFAIL, "step '%s' needs the confirm word: type %s to complete it",
			      step->id, step->confirm);
	/* Surrounding blanks are forgiven; the word itself must match exactly. The end also
	 * forgives CR/LF: a word read as a line (a prompt, a pasted --confirm) ends with the
	 * line's end, while nothing puts one before it, so a leading newline stays and the
	 * word is refused as typed wrong. */
	while (*word == ' ' || *word == '\t')
		word++;
	size_t n = strlen(word);
	while (n && (word[n - 1] == ' ' || word[n - 1] == '\t' || word[n - 1] == '\n' || word[n - 1] == '\r'))
		n--;
	if (n != strlen(step->confirm) || strncmp(word, step->confirm, n) != 0)
		return st_set(err, ST_TEMPFAIL, "step '%s': wrong confirm word — type %s exactly to complete it",
			      step->id, step->confirm);
	return ST_OK;
}

/* A transition that must say why: doing ("skipping it") names the transition, noun what
 * it needs ("a reason", "a note"). */
static enum st_code need_text(const char *text, const char *doing, const char *noun, const struct session *s,
			      size_t i, struct st_error *err)
{
	if (session_blank(text))
		return st_set(err, ST_USAGE, "step '%s': %s needs %s", s->rb->steps[i].id, doing, noun);
	return ST_OK;
}

static enum st_code check_failed(const struct session *s, size_t i, const char *verb, struct st_error *err)
{
	if (s->steps[i].status == STEP_FAILED)
		return st_set(err, ST_TEMPFAIL, "step '%s' failed — reopen it (with a reason) before you %s it",
			      s->rb->steps[i].id, verb);
	return ST_OK;
}

/* ---------- operator transitions ---------- */

long session_wait_s(const struct session *s, size_t step)
{
	if (step >= s->rb->n_steps || s->rb->steps[step].wait_s <= 0)
		return 0;
	long w = s->rb->steps[step].wait_s;
	if (s->rehearsal && s->wait_divisor > 1)
		w = (w + s->wait_divisor - 1) / s->wait_divisor;
	return w;
}

int64_t session_wait_remaining_ms(const struct session *s, size_t step, int64_t now_ms)
{
	if (step >= s->rb->n_steps || s->rb->steps[step].wait_s <= 0)
		return 0;
	int64_t wait_ms = (int64_t)session_wait_s(s, step) * 1000;
	if (s->steps[step].activated_ms == 0)
		return wait_ms;
	int64_t left = s->steps[step].activated_ms + wait_ms - now_ms;
	return left > 0 ? left : 0;
}

int64_t session_overdue_ms(const struct session *s, size_t step, int64_t now_ms)
{
	if (step >= s->rb->n_steps || s->steps[step].status != STEP_ACTIVE || !s->steps[step].activated_ms)
		return 0;
	const struct rb_step *st = &s->rb->steps[step];
	int64_t worst = 0;
	for (size_t b = 0; b < st->n_verify; b++) {
		if (st->verify[b].timeout_s <= 0 || s->steps[step].matched[b] >= st->verify[b].n_expect)
			continue;
		int64_t over = now_ms - s->steps[step].activated_ms - (int64_t)st->verify[b].timeout_s * 1000;
		if (over > worst)
			worst = over;
	}
	return worst;
}

int64_t session_overdue_at_ms(const struct session *s, size_t step)
{
	if (step >= s->rb->n_steps || s->steps[step].status != STEP_ACTIVE || !s->steps[step].activated_ms)
		return 0;
	const struct rb_step *st = &s->rb->steps[step];
	int64_t first = 0;
	for (size_t b = 0; b < st->n_verify; b++) {
		if (st->verify[b].timeout_s <= 0 || s->steps[step].matched[b] >= st->verify[b].n_expect)
			continue;
		int64_t at = s->steps[step].activated_ms + (int64_t)st->verify[b].timeout_s * 1000;
		if (!first || at < first)
			first = at;
	}
	return first;
}

size_t session_window_step(const struct session *s, size_t step, size_t vb)
{
	const struct rb_step *st = &s->rb->steps[step];
	if (vb >= st->n_verify)
		return step;
	if (st->verify[vb].since_index >= 0)
		return (size_t)st->verify[vb].since_index;
	/* `after:` alone: a line proving this block may be written (and read) before the step
	 * activates, as soon as the anchor step's line was; the timestamp rule does the rest */
	if (st->verify[vb].after_index >= 0)
		return (size_t)st->verify[vb].after_index;
	return step;
}

enum after_anchor session_after_anchor(const struct session *s, size_t step, size_t vb, int64_t *utc_ms)
{
	*utc_ms = 0;
	if (step >= s->rb->n_steps || vb >= s->rb->steps[step].n_verify || s->rb->steps[step].verify[vb].after_index < 0)
		return AFTER_NONE;
	const struct step_state *as = &s->steps[s->rb->steps[step].verify[vb].after_index];
	if (as->status != STEP_DONE || as->completed_by != BY_MARKERS || as->n_markers == 0)
		return AFTER_NOT_VERIFIED;
	/* the last marker recorded is the one that completed the step */
	const char *line = as->markers[as->n_markers - 1].line;
	if (!line)
		return AFTER_NO_TIME;
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	struct log_record rec;
	smslog_parse(line, len, &rec);
	bool ok = rec.has_time && rec.has_bias;
	*utc_ms = ok ? rec.utc_ms : 0;
	log_record_free(&rec);
	return ok ? AFTER_ANCHORED : AFTER_NO_TIME;
}

bool session_after_admits(int64_t anchor_ms, bool has_utc, int64_t line_utc_ms)
{
	return has_utc && line_utc_ms >= anchor_ms;
}

/* The 1-based numbers of the step's checklist items not ticked (a JSON array; NULL when
 * every item is ticked), and how many. */
static json_t *unticked_items(const struct session *s, size_t i, size_t *n)
{
	*n = 0;
	const struct rb_step *st = &s->rb->steps[i];
	json_t *a = NULL;
	for (size_t k = 0; k < st->n_checklist; k++) {
		if (s->steps[i].ticked && s->steps[i].ticked[k])
			continue;
		if (!a)
			a = json_array();
		json_array_append_new(a, json_integer((json_int_t)k + 1));
		(*n)++;
	}
	return a;
}

/* A checklist means something: completing with items not ticked needs a reason. */
static enum st_code check_checklist(const struct session *s, size_t i, const char *note, struct st_error *err)
{
	size_t n;
	json_t *a = unticked_items(s, i, &n);
	enum st_code rc = ST_OK;
	if (a && session_blank(note)) {
		struct strbuf list = STRBUF_INIT;
		for (size_t k = 0; k < json_array_size(a); k++)
			sb_printf(&list, "%s%lld", k ? ", " : "", (long long)json_integer_value(json_array_get(a, k)));
		rc = st_set(err, ST_TEMPFAIL,
			    "step '%s': checklist %s %s not ticked (%zu of %zu) — tick %s, or give the reason "
			    "for completing it anyway as a note",
			    s->rb->steps[i].id, n == 1 ? "item" : "items", sb_str(&list), n,
			    s->rb->steps[i].n_checklist, n == 1 ? "it" : "them");
		sb_free(&list);
	}
	json_decref(a);
	return rc;
}

/* What a completion records besides the note: the items it was completed without, and
 * whether it was done out of order (the step was not the active one). */
static void completion_facts(const struct session *s, size_t i, json_t *d)
{
	size_t n;
	json_t *a = unticked_items(s, i, &n);
	if (a)
		json_object_set_new(d, "unticked", a);
	if (s->steps[i].status == STEP_PENDING)
		json_object_set_new(d, "out_of_order", json_true());
}

enum st_code session_can_complete(const struct session *s, size_t step, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = check_not_closed(s, step, "complete", err)) || (rc = check_failed(s, step, "complete", err)))
		return rc;
	return check_wait(s, step, util_now_ms(), err);
}

size_t session_unticked(const struct session *s, size_t step)
{
	size_t n;
	json_decref(unticked_items(s, step, &n));
	return n;
}

bool session_step_out_of_turn(const struct session *s, size_t step)
{
	return step < s->rb->n_steps && s->steps[step].status == STEP_PENDING;
}

enum st_code session_complete(struct session *s, size_t step, const char *confirm_word, const char *note,
			      struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = check_not_closed(s, step, "complete", err)) || (rc = check_failed(s, step, "complete", err)))
		return rc;
	if (s->rb->steps[step].n_verify > 0)
		return st_set(err, ST_TEMPFAIL,
			      "step '%s' completes itself when its log lines are seen — to complete it by "
			      "hand, give a note saying why (an operator override)", s->rb->steps[step].id);
	if ((rc = check_wait(s, step, util_now_ms(), err)) || (rc = check_confirm(s, step, confirm_word, err)) ||
	    (rc = check_checklist(s, step, note, err)))
		return rc;
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	json_t *d = json_object();
	if (s->rb->steps[step].confirm)
		json_object_set_new(d, "confirmed", json_true());
	if (!session_blank(note))
		json_object_set_new(d, "note", sess_jstr(note));
	completion_facts(s, step, d);
	rc = sess_emit(s, "step_completed", (long)step, d, err);
	if (rc == ST_OK)
		rc = sess_advance(s, false, err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_override(struct session *s, size_t step, const char *note, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(note, "overriding its verification", "a note", s, step, err)) ||
	    (rc = check_not_closed(s, step, "complete", err)) || (rc = check_failed(s, step, "complete", err)))
		return rc;
	if (s->rb->steps[step].n_verify == 0)
		return st_set(err, ST_USAGE, "step '%s' has no log verification to override — complete it instead",
			      s->rb->steps[step].id);
	if ((rc = check_wait(s, step, util_now_ms(), err)) != ST_OK)
		return rc;
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	json_t *d = json_pack("{s:o}", "note", sess_jstr(note));
	completion_facts(s, step, d);
	rc = sess_emit(s, "step_overridden", (long)step, d, err);
	if (rc == ST_OK)
		rc = sess_advance(s, false, err);
	return sess_tx_end(s, rc, err);
}

/* The word that lets a production session skip a wait that still runs: the step's own
 * confirm word when it has one, else SKIP-WAIT. */
const char *session_skip_wait_word(const struct session *s, size_t step)
{
	return s->rb->steps[step].confirm ? s->rb->steps[step].confirm : "SKIP-WAIT";
}

int64_t session_skip_needs_word(const struct session *s, size_t step, int64_t now_ms)
{
	if (s->rehearsal || step >= s->rb->n_steps || s->rb->steps[step].wait_s <= 0 ||
	    s->steps[step].activated_ms == 0)
		return 0;
	return session_wait_remaining_ms(s, step, now_ms);
}

enum st_code session_skip(struct session *s, size_t step, const char *reason, const char *word,
			  struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(reason, "skipping it", "a reason", s, step, err)) || (rc = check_not_closed(s, step, "skip", err)))
		return rc;
	/* A wait in production is a safety margin: skipping it is an override, asked for with a
	 * word, and only once it runs. Rehearsals skip waits with a reason alone. */
	const struct rb_step *st = &s->rb->steps[step];
	int64_t left = 0;
	if (!s->rehearsal && st->wait_s > 0) {
		char total[64];
		duration_format(st->wait_s, total, sizeof total);
		if (s->steps[step].activated_ms == 0)
			return st_set(err, ST_TEMPFAIL,
				      "step '%s' waits %s once it is active, and it has not started — in a production "
				      "session a wait is skipped only while it runs", st->id, total);
		left = session_wait_remaining_ms(s, step, util_now_ms());
		const char *want = session_skip_wait_word(s, step);
		if (left > 0 && (session_blank(word) || strcmp(word, want) != 0)) {
			char more[64];
			duration_format((long)((left + 999) / 1000), more, sizeof more);
			return st_set(err, ST_TEMPFAIL,
				      "step '%s': its wait has %s left — skipping it is an override: type %s to skip it",
				      st->id, more, want);
		}
	}
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	json_t *d = json_pack("{s:o}", "reason", sess_jstr(reason));
	if (left > 0) {
		json_object_set_new(d, "wait_overridden", json_true());
		json_object_set_new(d, "wait_left_ms", json_integer((json_int_t)left));
	}
	if (s->steps[step].status == STEP_PENDING)
		json_object_set_new(d, "out_of_order", json_true());
	rc = sess_emit(s, "step_skipped", (long)step, d, err);
	if (rc == ST_OK)
		rc = sess_advance(s, false, err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_fail(struct session *s, size_t step, const char *note, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(note, "failing it", "a note", s, step, err)) || (rc = check_not_closed(s, step, "fail", err)))
		return rc;
	if (s->steps[step].status == STEP_FAILED)
		return st_set(err, ST_TEMPFAIL, "step '%s' is already marked failed", s->rb->steps[step].id);
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	rc = sess_emit(s, "step_failed", (long)step, json_pack("{s:o}", "note", sess_jstr(note)), err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_reopen(struct session *s, size_t step, const char *reason, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(reason, "reopening it", "a reason", s, step, err)))
		return rc;
	enum step_status st = s->steps[step].status;
	if (st != STEP_DONE && st != STEP_SKIPPED && st != STEP_FAILED)
		return st_set(err, ST_TEMPFAIL, "step '%s' is %s — only a done, skipped or failed step can be reopened",
			      s->rb->steps[step].id, step_status_name(st));
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	rc = sess_emit(s, "step_reopened", (long)step, json_pack("{s:o}", "reason", sess_jstr(reason)), err);
	if (rc == ST_OK)
		rc = sess_advance(s, true, err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_activate(struct session *s, size_t step, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = check_not_closed(s, step, "start", err)) || (rc = check_failed(s, step, "start", err)))
		return rc;
	if (s->steps[step].status == STEP_ACTIVE)
		return ST_OK;
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	rc = sess_activate(s, step, "out-of-order", err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_note(struct session *s, long step, const char *text, struct st_error *err)
{
	enum st_code rc;
	if (step >= 0 && (rc = check_step(s, (size_t)step, err)) != ST_OK)
		return rc;
	if (session_blank(text))
		return st_set(err, ST_USAGE, "a note needs some text");
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	rc = sess_emit(s, "note_added", step, json_pack("{s:o}", "text", sess_jstr(text)), err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_seal(struct session *s, int64_t sealed_seq, const char *head, const char *signature,
			  const char *key, struct st_error *err)
{
	if (!signature || !*signature || !key || !*key)
		return st_set(err, ST_USAGE, "a seal needs a signature and the key's fingerprint");
	enum st_code rc = sess_tx_begin(s, err);
	if (rc != ST_OK)
		return rc;
	/* The signature covers one head: it must still be the head it is appended to. */
	if (s->seq != sealed_seq || strcmp(s->head_hash, head) != 0)
		rc = st_set(err, ST_TEMPFAIL,
			    "session %s moved on while it was being signed (its head is now event %lld) — seal again",
			    s->id, (long long)s->seq);
	else
		rc = sess_emit(s, "seal", -1,
			       json_pack("{s:I, s:s, s:o, s:s, s:s}", "seq", (json_int_t)sealed_seq, "head", head,
					 "signature", sess_jstr(signature), "key", key, "namespace", SEAL_NAMESPACE),
			       err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_tick(struct session *s, size_t step, size_t item, bool ticked, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)))
		return rc;
	if (item >= s->rb->steps[step].n_checklist)
		return st_set(err, ST_USAGE, "step '%s' has no checklist item %zu", s->rb->steps[step].id, item + 1);
	if (s->steps[step].ticked[item] == ticked)
		return ST_OK;
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	/* As the operator saw it: numbered from 1, variables substituted. Events recorded
	 * before this (0-based "item", raw text) stay as they are; the fold reads both. */
	char *text = vars_subst(s->rb->steps[step].checklist[item], &s->vars);
	rc = sess_emit(s, "checklist_ticked", (long)step,
		  json_pack("{s:I, s:b, s:o}", "number", (json_int_t)(item + 1), "ticked", ticked, "text",
			    sess_jstr(text)),
		  err);
	free(text);
	return sess_tx_end(s, rc, err);
}

/* ---------- observations (the watch engine) ---------- */

static bool all_verified(const struct session *s, size_t i)
{
	const struct rb_step *step = &s->rb->steps[i];
	for (size_t vb = 0; vb < step->n_verify; vb++)
		if (s->steps[i].matched[vb] < step->verify[vb].n_expect)
			return false;
	return step->n_verify > 0;
}

/* Log lines count for a step that is active or pending (the caller checked the step
 * index and that the session is open). */
static enum st_code check_observable(const struct session *s, size_t i, struct st_error *err)
{
	enum step_status st = s->steps[i].status;
	if (st != STEP_ACTIVE && st != STEP_PENDING)
		return st_set(err, ST_TEMPFAIL, "step '%s' is %s: log lines no longer count for it",
			      s->rb->steps[i].id, step_status_name(st));
	return ST_OK;
}

/* One marker, inside session_record_line's transaction (nothing is written when it was
 * seen already). */
static enum st_code emit_marker(struct session *s, size_t step, size_t verify, size_t expect, const char *file,
				uint64_t offset, const char *line, bool simulated, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_observable(s, step, err)) != ST_OK)
		return rc;
	const struct rb_step *rs = &s->rb->steps[step];
	if (verify >= rs->n_verify || expect >= rs->verify[verify].n_expect)
		return st_set(err, ST_SOFTWARE, "step '%s' has no expect %zu in verify block %zu", rs->id, expect,
			      verify);
	size_t matched = s->steps[step].matched[verify];
	if (expect < matched)
		return ST_OK; /* seen again after a restart: already recorded */
	if (expect > matched)
		return st_set(err, ST_SOFTWARE,
			      "step '%s': expect %zu of verify block %zu recorded before expect %zu", rs->id,
			      expect, verify, matched);
	const struct rb_verify *vb = &rs->verify[verify];
	char *expect_text = vars_subst(vb->expect[expect].text, &s->vars);
	json_t *d = json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:I}", "verify", (json_int_t)verify, "expect",
			      (json_int_t)expect, "log", vb->log, "pattern", sess_jstr(expect_text), "line",
			      sess_jstr(line), "file", sess_jstr(file), "offset", (json_int_t)offset);
	if (simulated) /* only then: a production session's events keep their shape */
		json_object_set_new(d, "simulated", json_true());
	rc = sess_emit(s, "marker_seen", (long)step, d, err);
	free(expect_text);
	if (rc == ST_OK && all_verified(s, step)) {
		rc = sess_emit(s, "step_verified", (long)step, json_object(), err);
		if (rc == ST_OK)
			rc = sess_advance(s, false, err);
	}
	return rc;
}

/* One failure signature, inside session_record_line's transaction. */
static enum st_code emit_failure(struct session *s, size_t step, size_t fail, const char *file, uint64_t offset,
				 const char *line, bool simulated, struct st_error *err)
{
	enum st_code rc;
	const struct rb_step *rs = &s->rb->steps[step];
	enum step_status st = s->steps[step].status;
	if (st == STEP_DONE || st == STEP_SKIPPED)
		return st_set(err, ST_TEMPFAIL, "step '%s' is %s: log lines no longer count for it", rs->id,
			      step_status_name(st));
	if (fail >= rs->n_fail)
		return st_set(err, ST_SOFTWARE, "step '%s' has no failure signature %zu", rs->id, fail);
	char *hint = vars_subst(rs->fail[fail].hint, &s->vars);
	json_t *d = json_pack("{s:I, s:s, s:o, s:o, s:o, s:I}", "fail", (json_int_t)fail, "log", rs->fail[fail].log,
			      "hint", sess_jstr(hint), "line", sess_jstr(line), "file", sess_jstr(file), "offset",
			      (json_int_t)offset);
	if (simulated)
		json_object_set_new(d, "simulated", json_true());
	rc = sess_emit(s, "failure_seen", (long)step, d, err);
	free(hint);
	return rc;
}

static enum st_code emit_positions(struct session *s, const struct log_position *pos, struct st_error *err)
{
	json_t *arr = json_array();
	for (size_t l = 0; l < s->rb->n_logs; l++)
		json_array_append_new(arr, json_pack("{s:s, s:o, s:I, s:I, s:I, s:I}", "log", s->rb->logs[l].name,
						     "path", sess_jstr(pos[l].path), "dev", (json_int_t)pos[l].dev,
						     "ino", (json_int_t)pos[l].ino, "offset", (json_int_t)pos[l].offset,
						     "mark", (json_int_t)pos[l].mark));
	return sess_emit(s, "positions_saved", -1, json_pack("{s:o}", "logs", arr), err);
}

enum st_code session_record_line(struct session *s, size_t step, const struct sess_observation *obs, size_t n,
				 const char *file, uint64_t offset, const char *line,
				 const struct log_position *pos, size_t *n_taken, struct st_error *err)
{
	*n_taken = 0;
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)))
		return rc;
	if ((rc = sess_tx_begin(s, err)) != ST_OK)
		return rc;
	size_t taken = 0;
	for (; taken < n && rc == ST_OK; taken++) {
		const struct sess_observation *o = &obs[taken];
		if (o->failure) {
			rc = emit_failure(s, step, o->fail, file, offset, line, o->simulated, err);
		} else {
			if (taken > 0 && s->steps[step].status == STEP_FAILED)
				break; /* a failure signature on this line failed the step first */
			rc = emit_marker(s, step, o->verify, o->expect, file, offset, line, o->simulated, err);
			if (rc == ST_OK && s->steps[step].status == STEP_DONE) {
				taken++; /* verified: the rest of the line no longer counts for it */
				break;
			}
		}
	}
	if (rc == ST_OK && pos)
		rc = emit_positions(s, pos, err);
	rc = sess_tx_end(s, rc, err);
	if (rc == ST_OK)
		*n_taken = taken;
	return rc;
}

enum st_code session_record_marker(struct session *s, size_t step, size_t verify, size_t expect,
				   const char *file, uint64_t offset, const char *line, struct st_error *err)
{
	struct sess_observation o = {.verify = verify, .expect = expect};
	size_t taken;
	return session_record_line(s, step, &o, 1, file, offset, line, NULL, &taken, err);
}

enum st_code session_record_failure(struct session *s, size_t step, size_t fail, const char *file,
				    uint64_t offset, const char *line, struct st_error *err)
{
	struct sess_observation o = {.failure = true, .fail = fail};
	size_t taken;
	return session_record_line(s, step, &o, 1, file, offset, line, NULL, &taken, err);
}

enum st_code session_record_rotation(struct session *s, size_t log, const char *old_file,
				     const char *new_file, struct st_error *err)
{
	if (log >= s->rb->n_logs)
		return st_set(err, ST_SOFTWARE, "runbook %s has no log %zu", s->rb->id, log);
	enum st_code rc = sess_tx_begin(s, err);
	if (rc != ST_OK)
		return rc;
	rc = sess_emit(s, "log_rotated", -1,
		  json_pack("{s:s, s:o, s:o}", "log", s->rb->logs[log].name, "old_file", sess_jstr(old_file),
			    "new_file", sess_jstr(new_file)),
		  err);
	return sess_tx_end(s, rc, err);
}

enum st_code session_record_positions(struct session *s, const struct log_position *pos,
				      struct st_error *err)
{
	enum st_code rc = sess_tx_begin(s, err);
	if (rc != ST_OK)
		return rc;
	return sess_tx_end(s, emit_positions(s, pos, err), err);
}

enum st_code session_record_take_over(struct session *s, struct st_error *err)
{
	if (!s->taken_over_host)
		return ST_OK;
	enum st_code rc = sess_tx_begin(s, err);
	if (rc != ST_OK)
		return rc;
	char since[32];
	util_format_utc_ms(s->taken_over_since_ms, since);
	char *text = xasprintf("took the session over from process %ld on %s, which held it since %s",
			       s->taken_over_pid, s->taken_over_host, since);
	rc = sess_emit(s, "lock_taken_over", -1,
		  json_pack("{s:o, s:I, s:o, s:I}", "text", sess_jstr(text), "pid", (json_int_t)s->taken_over_pid,
			    "host", sess_jstr(s->taken_over_host), "since_ms", (json_int_t)s->taken_over_since_ms),
		  err);
	free(text);
	rc = sess_tx_end(s, rc, err);
	if (rc == ST_OK) {
		free(s->taken_over_host);
		s->taken_over_host = NULL;
	}
	return rc;
}
