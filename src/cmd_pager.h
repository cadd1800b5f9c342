/*
 * cmd_pager.h — long documents on a terminal, as git shows them: wrapped to the
 * terminal's width (authored line breaks kept; continuation lines hang under the text
 * of their list item, block bar or label) and paged through $PAGER (default `less -FRX`,
 * which exits at once when the text fits) when stdout is a terminal; never when piped.
 * Private to src/cmd_*.c.
 */
#ifndef STEWARD_CMD_PAGER_H
#define STEWARD_CMD_PAGER_H

#include <stddef.h>

/* The width to wrap to: the terminal's when stdout is one, else $COLUMNS, else 0 (none). */
int pager_columns(void);
/* text (lines ending in '\n') wrapped to cols (0: a copy). Caller frees. */
char *pager_wrap(const char *text, int cols);
/* Writes text to stdout, through the pager when stdout is a terminal. -1 on a write error. */
int pager_write(const char *text, size_t len);

#endif
