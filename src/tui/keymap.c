/*
 * keymap.c — keys -> actions, per scope, and the help screen generated from the
 * same two tables (UI_ACTIONS in ui.h, bindings below). Adding a binding here is
 * all it takes for the key to work and to show under `?`.
 */
#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "steward/text.h"
#include "steward/util.h"

static const struct {
	unsigned scope;
	const char *help;
} actions[ACT_COUNT] = {
#define X(name, sc, h) [name] = {sc, h},
	UI_ACTIONS(X)
#undef X
};

struct binding {
	wint_t key;
	bool func;            /* a curses KEY_* code */
	enum ui_action act;
	unsigned scope;       /* 0 = the action's own scopes */
};

#define CTRL(c) ((c) & 0x1f)

/* The log pane's own keys come first: with the log pane focused, n and N move between
 * matches (as in less and lnav) and Enter shows the selected line; elsewhere n and N
 * are notes (CLI.md) and Enter does nothing. */
static const struct binding bindings[] = {
	{.key = 'n', .act = ACT_SEARCH_NEXT},
	{.key = 'N', .act = ACT_SEARCH_PREV},
	{.key = '\r', .act = ACT_LOG_DETAIL},
	{.key = '\n', .act = ACT_LOG_DETAIL},
	{.key = KEY_ENTER, .func = true, .act = ACT_LOG_DETAIL},
	{.key = KEY_UP, .func = true, .act = ACT_UP},
	{.key = 'k', .act = ACT_UP, .scope = SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER},
	{.key = KEY_DOWN, .func = true, .act = ACT_DOWN},
	{.key = 'j', .act = ACT_DOWN, .scope = SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER},
	{.key = KEY_PPAGE, .func = true, .act = ACT_PGUP},
	{.key = KEY_NPAGE, .func = true, .act = ACT_PGDN},
	{.key = 'g', .act = ACT_TOP},
	{.key = KEY_HOME, .func = true, .act = ACT_TOP},
	{.key = 'G', .act = ACT_BOTTOM},
	{.key = KEY_END, .func = true, .act = ACT_BOTTOM},
	{.key = '\t', .act = ACT_FOCUS},
	{.key = '\r', .act = ACT_OPEN},
	{.key = '\n', .act = ACT_OPEN},
	{.key = KEY_ENTER, .func = true, .act = ACT_OPEN},
	{.key = 'a', .act = ACT_ALL},
	{.key = ' ', .act = ACT_COMPLETE},
	{.key = 's', .act = ACT_SKIP},
	{.key = 'f', .act = ACT_FAIL},
	{.key = 'n', .act = ACT_NOTE},
	{.key = 'N', .act = ACT_SESSION_NOTE},
	{.key = 'E', .act = ACT_EDITOR},
	{.key = 'H', .act = ACT_NOTES},
	{.key = 'u', .act = ACT_REOPEN},
	{.key = 'S', .act = ACT_START_STEP},
	{.key = '.', .act = ACT_JUMP_ACTIVE},
	{.key = '!', .act = ACT_NEXT_PROBLEM},
	{.key = '1', .act = ACT_TICK}, {.key = '2', .act = ACT_TICK}, {.key = '3', .act = ACT_TICK},
	{.key = '4', .act = ACT_TICK}, {.key = '5', .act = ACT_TICK}, {.key = '6', .act = ACT_TICK},
	{.key = '7', .act = ACT_TICK}, {.key = '8', .act = ACT_TICK}, {.key = '9', .act = ACT_TICK},
	{.key = 'y', .act = ACT_COPY},
	{.key = 'c', .act = ACT_COPY},
	{.key = '/', .act = ACT_SEARCH},
	{.key = 'L', .act = ACT_CYCLE_LOG},
	{.key = KEY_LEFT, .func = true, .act = ACT_LOG_LEFT},
	{.key = KEY_RIGHT, .func = true, .act = ACT_LOG_RIGHT},
	{.key = 'w', .act = ACT_LOG_WRAP},
	{.key = '\t', .act = ACT_NEXT_FIELD},
	{.key = KEY_LEFT, .func = true, .act = ACT_CHOICE_PREV},
	{.key = KEY_RIGHT, .func = true, .act = ACT_CHOICE_NEXT},
	{.key = '\r', .act = ACT_SUBMIT},
	{.key = '\n', .act = ACT_SUBMIT},
	{.key = KEY_ENTER, .func = true, .act = ACT_SUBMIT},
	{.key = 27, .act = ACT_CANCEL},
	{.key = 27, .act = ACT_CLOSE},
	{.key = 'q', .act = ACT_CLOSE},
	{.key = 'H', .act = ACT_CLOSE},
	{.key = 'T', .act = ACT_TAKE},
	{.key = 'o', .act = ACT_OBSERVE},
	{.key = CTRL('l'), .act = ACT_REFRESH},
	{.key = '?', .act = ACT_HELP, .scope = SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER},
	{.key = KEY_F(1), .func = true, .act = ACT_HELP},
	{.key = 'q', .act = ACT_QUIT},
};

/* Help wording for one screen where the general wording would mislead (the home screen
 * has no steps, panes or log). The first entry whose scope the screen has wins. */
static const struct {
	enum ui_action act;
	unsigned scope;
	const char *help;
} help_for_scope[] = {
	{ACT_UP, SCOPE_HOME, "previous runbook or session"},
	{ACT_DOWN, SCOPE_HOME, "next runbook or session"},
	{ACT_PGUP, SCOPE_HOME, "page up in the list"},
	{ACT_PGDN, SCOPE_HOME, "page down in the list"},
	{ACT_TOP, SCOPE_HOME, "first in the list"},
	{ACT_BOTTOM, SCOPE_HOME, "last in the list"},
	{ACT_FOCUS, SCOPE_HOME, "switch between the runbooks and the sessions"},
	{ACT_QUIT, SCOPE_HOME, "quit (nothing is ever unsaved)"},
	{ACT_UP, SCOPE_FORM, "previous field"},
	{ACT_DOWN, SCOPE_FORM, "next field"},
	{ACT_UP, SCOPE_VIEWER, "scroll up"},
	{ACT_DOWN, SCOPE_VIEWER, "scroll down"},
	{ACT_PGUP, SCOPE_VIEWER, "page up"},
	{ACT_PGDN, SCOPE_VIEWER, "page down"},
	{ACT_TOP, SCOPE_VIEWER, "top"},
	{ACT_BOTTOM, SCOPE_VIEWER, "bottom"},
	{ACT_UP, SCOPE_SESSION, "previous step / scroll the details / older log line (the focused pane)"},
	{ACT_DOWN, SCOPE_SESSION, "next step / scroll the details / newer log line (the focused pane)"},
};

static const char *action_help(enum ui_action a, unsigned scope)
{
	for (size_t i = 0; i < ARRAY_LEN(help_for_scope); i++)
		if (help_for_scope[i].act == a && (help_for_scope[i].scope & scope))
			return help_for_scope[i].help;
	return actions[a].help;
}

static unsigned binding_scope(const struct binding *b)
{
	return (b->scope ? b->scope : SCOPE_ALL) & actions[b->act].scope;
}

enum ui_action keymap_lookup(unsigned scope, wint_t key, bool is_func)
{
	for (size_t i = 0; i < ARRAY_LEN(bindings); i++) {
		const struct binding *b = &bindings[i];
		if (b->key == key && b->func == is_func && (binding_scope(b) & scope))
			return b->act;
	}
	return ACT_NONE;
}

static void binding_name(const struct binding *b, bool ascii, char out[24])
{
	if (b->func) {
		const char *n;
		switch (b->key) {
		case KEY_UP: n = ascii ? "Up" : "\xe2\x86\x91"; break;
		case KEY_DOWN: n = ascii ? "Down" : "\xe2\x86\x93"; break;
		case KEY_LEFT: n = ascii ? "Left" : "\xe2\x86\x90"; break;
		case KEY_RIGHT: n = ascii ? "Right" : "\xe2\x86\x92"; break;
		case KEY_PPAGE: n = "PgUp"; break;
		case KEY_NPAGE: n = "PgDn"; break;
		case KEY_HOME: n = "Home"; break;
		case KEY_END: n = "End"; break;
		case KEY_ENTER: n = NULL; break; /* same as Enter */
		default:
			if (b->key == KEY_F(1)) {
				n = "F1";
				break;
			}
			n = keyname((int)b->key);
			break;
		}
		snprintf(out, 24, "%s", n ? n : "");
		return;
	}
	switch (b->key) {
	case ' ': snprintf(out, 24, "Space"); break;
	case '\t': snprintf(out, 24, "Tab"); break;
	case '\r': snprintf(out, 24, "Enter"); break;
	case '\n': out[0] = '\0'; break; /* same as Enter */
	case 27: snprintf(out, 24, "Esc"); break;
	default:
		if (b->key < 0x20)
			snprintf(out, 24, "Ctrl-%c", (char)(b->key + '@'));
		else
			snprintf(out, 24, "%c", (char)b->key);
	}
}

size_t keymap_help_lines(unsigned scope, bool ascii, char ***lines_out)
{
	char **lines = xcalloc(ACT_COUNT, sizeof *lines);
	size_t n = 0;
	for (int a = ACT_NONE + 1; a < ACT_COUNT; a++) {
		if (!(actions[a].scope & scope))
			continue;
		char keys[96] = "";
		enum ui_action prev_tick = ACT_NONE;
		for (size_t i = 0; i < ARRAY_LEN(bindings); i++) {
			const struct binding *b = &bindings[i];
			if (b->act != (enum ui_action)a || !(binding_scope(b) & scope))
				continue;
			char name[24];
			binding_name(b, ascii, name);
			if (!name[0] || strstr(keys, name))
				continue;
			if (b->act == ACT_TICK) { /* 1..9 as a range */
				if (prev_tick == ACT_TICK)
					continue;
				prev_tick = ACT_TICK;
				snprintf(name, sizeof name, "1-9");
			}
			size_t kl = strlen(keys);
			snprintf(keys + kl, sizeof keys - kl, "%s%s", kl ? " / " : "", name);
		}
		if (!keys[0])
			continue;
		/* Pad by display columns: the arrows are one column but three bytes. */
		int pad = 18 - text_width(keys);
		lines[n++] = xasprintf("%s%*s %s", keys, pad > 0 ? pad : 0, "", action_help((enum ui_action)a, scope));
	}
	*lines_out = lines;
	return n;
}

const char *keymap_hints(unsigned scope)
{
	if (scope & SCOPE_LOGPANE)
		return " j/k line  Enter detail  / search  n/N next/prev  Left/Right scroll  w wrap  L logs  G follow  Tab pane  ? help";
	if (scope & SCOPE_SESSION)
		return " Space done  s skip  f fail  n note  u reopen  H notes  ? help  q quit  Tab pane  / search  L logs";
	if (scope & SCOPE_VIEWER)
		return " j/k scroll  Esc/q/H close  ? help";
	if (scope & SCOPE_FORM)
		return " Up/Down/Tab field  Left/Right choice  Enter next/start  Esc cancel  F1 help";
	return " j/k select  Tab runbooks/sessions  Enter start/resume  o observe  a all  ? help  q quit";
}
