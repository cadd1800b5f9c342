/*
 * fuzz_runbook.c — libFuzzer target for the runbook loader: any bytes go through
 * runbook_load_text (YAML tree, every validation rule, diagnostics); when the input
 * loads, substitution and when: evaluation run over every step too, and the id peek
 * used by the catalog runs on everything. Nothing may crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steward/runbook.h"
#include "steward/util.h"
#include "steward/vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct runbook *rb)
{
	struct varmap vm = {0};
	for (size_t i = 0; i < rb->n_variables; i++)
		varmap_set(&vm, rb->variables[i].name, rb->variables[i].def ? rb->variables[i].def : "v");
	char **problems = NULL;
	size_t n_problems = 0;
	vars_complete(rb, &vm, &problems, &n_problems);
	for (size_t i = 0; i < n_problems; i++)
		free(problems[i]);
	free(problems);
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *st = &rb->steps[i];
		(void)vars_step_applies(st, &vm);
		free(vars_subst(st->body, &vm));
		free(vars_subst(st->title, &vm));
		for (size_t k = 0; k < st->n_verify; k++)
			for (size_t e = 0; e < st->verify[k].n_expect; e++)
				free(vars_subst_regex(st->verify[k].expect[e].text, &vm));
	}
	varmap_free(&vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_diags diags = {0};
	struct runbook *rb = NULL;
	if (runbook_load_text((const char *)data, size, "fuzz.yaml", &rb, &diags) == 0) {
		exercise(rb);
		runbook_free(rb);
	}
	for (size_t i = 0; i < diags.n; i++)
		if (diags.items[i].line < 0 || diags.items[i].col < 0)
			abort(); /* positions are 1-based, never negative */
	rb_diags_free(&diags);
	free(runbook_peek_id((const char *)data, size));

	char buf[64];
	size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
	memcpy(buf, data, n);
	buf[n] = '\0';
	long secs;
	if (duration_parse(buf, &secs)) {
		char out[64];
		duration_format(secs, out, sizeof out);
	}
	return 0;
}
