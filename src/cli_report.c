/*
 * cli_report.c — how the command line reports to the operator: "steward: <what was
 * wrong> — <what to do>" on stderr, and the usage line. Used by main.c, the verbs and the
 * TUI's start-up (before curses owns the screen); it depends on nothing above it.
 */
#include "steward/cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_error(enum st_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("steward: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return (int)code;
}

int cli_usage(const char *verb_usage)
{
	fprintf(stderr, "usage: steward %s\n", verb_usage);
	return ST_USAGE;
}

