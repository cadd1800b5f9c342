/*
 * fuzz_logreplay.c — libFuzzer target for `steward replay` (replay.h) and the simulate
 * ledger (simledger.h), the two things this verb pair parses anew. The input is split at
 * NUL bytes: part 1 is a --from time, parts 2–4 the contents of a .lo_, its live log and
 * a setup log (in other cases than the runbook's names), part 5 a ledger.
 * Invariants: replay never fails on any content; its lines are in time order; every hit
 * names a line that exists and lies inside its block's window; a verified step's next
 * start never goes back; the ledger parser keeps only well-formed entries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/replay.h"
#include "steward/simledger.h"
#include "steward/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rb_text[] =
	"runbook: 1\nid: fz\ntitle: F\nversion: \"1\"\n"
	"variables:\n  - name: site_code\n    prompt: S\n    default: ABC\n"
	"logs:\n  sitecomp: SiteComp.log\n  setup: MPSetup.log\n"
	"phases:\n  - id: p\n    title: P\n    steps:\n"
	"      - id: a\n        title: A\n"
	"      - id: b\n        title: B\n        verify:\n          - log: sitecomp\n"
	"            expect: [x, {regex: 'y[0-9]+z'}]\n"
	"        fail:\n          - log: sitecomp\n            match: boom ${site_code}\n"
	"      - id: c\n        title: C\n        verify:\n          - log: setup\n"
	"            expect: [done]\n            since: a\n"
	"      - id: d\n        title: D\n        fail:\n          - log: setup\n            match: err\n"
	"      - id: e\n        title: E\n        verify:\n          - log: sitecomp\n            expect: [x]\n";

static char dir[64];
static struct runbook *rb;
static struct varmap vm;

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rb) {
		snprintf(dir, sizeof dir, "/tmp/steward-fuzz-logreplay-%ld", (long)getpid());
		mkdir(dir, 0700);
		struct rb_diags d = {0};
		if (runbook_load_text(rb_text, sizeof rb_text - 1, "fz.yaml", &rb, &d) != 0)
			abort();
		rb_diags_free(&d);
		varmap_set(&vm, "site_code", "ABC");
	}
	const uint8_t *part[5] = {0};
	size_t len[5] = {0};
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= size && k < 5; i++) {
		if (i == size || data[i] == 0) {
			part[k] = data + start;
			len[k++] = i - start;
			start = i + 1;
		}
	}
	char from[64] = "";
	size_t fl = len[0] < sizeof from - 1 ? len[0] : sizeof from - 1;
	if (fl)
		memcpy(from, part[0], fl);
	from[fl] = '\0';
	put("sitecomp.LO_", part[1], len[1]);
	put("SITECOMP.log", part[2], len[2]);
	put("mpsetup.LOG", part[3], len[3]);

	struct replay_params p = {.rb = rb, .vars = &vm, .log_dir = dir};
	p.has_from = replay_parse_time(from, &p.from_ms);
	struct replay_result r;
	struct st_error err = {0};
	if (replay_run(&p, &r, &err) != ST_OK)
		abort();
	for (size_t i = 1; i < r.n_lines; i++)
		if (r.lines[i - 1].utc_ms > r.lines[i].utc_ms)
			abort();
	if (r.from_index > r.n_lines)
		abort();
	size_t last_next = r.from_index;
	for (size_t s = 0; s < r.n_steps; s++) {
		const struct replay_step *st = &r.steps[s];
		if (!st->applicable)
			continue;
		if (st->start < last_next && rb->steps[s].n_verify > 0)
			abort();
		for (size_t b = 0; b < st->n_blocks; b++)
			for (size_t m = 0; m < st->blocks[b].n_matched; m++) {
				size_t ln = st->blocks[b].matched[m].line;
				if (ln >= r.n_lines || ln < st->blocks[b].start)
					abort();
			}
		for (size_t f = 0; f < st->n_failures; f++)
			if (st->failures[f].line >= r.n_lines || st->failures[f].line < st->start)
				abort();
		if (rb->steps[s].n_verify > 0) {
			if (st->next < st->start)
				abort();
			last_next = st->next;
		}
	}
	replay_result_free(&r);

	struct simledger l;
	simledger_parse((const char *)part[4] ? (const char *)part[4] : "", len[4], &l);
	for (size_t i = 0; i < l.n_lines; i++)
		if (!simledger_covers(&l, l.lines[i].dev, l.lines[i].ino, l.lines[i].offset) && l.lines[i].length > 0)
			abort();
	simledger_free(&l);
	return 0;
}
