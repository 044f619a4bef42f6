/* help: each command's help declared once, as data, and rendered two ways:
 * as the plain text of `retsim COMMAND --help` and as the roff of the man
 * page (`retsim man`, docs/retsim.1).  One table, so the two cannot drift
 * apart (make check-docs fails when docs/retsim.1 is stale).
 *
 * Text is written unwrapped; the text renderer wraps it to the terminal
 * width of the old hand-wrapped help (79 columns) and roff reflows it.
 * A `quoted` span in the text is printed as is in --help and in bold in the
 * man page; "\n\n" separates paragraphs. */
#ifndef RETSIM_HELP_H
#define RETSIM_HELP_H

#include <stdio.h>

/* A number #defined as a literal, as text for a help string. */
#define HELP_STR_(x) #x
#define HELP_STR(x) HELP_STR_(x)

typedef struct help_option {
    const char *flags;   /* "-r, --reps N" or "--lang L" */
    const char *text;    /* what it does */
    int needs;           /* in a shared table: the CLI_ bit a command must allow; 0 always */
} help_option;

typedef struct help_page {
    const char *const *synopsis;   /* "retsim run FILE.ini [options]" ...; NULL-terminated */
    const char *description;       /* paragraphs */
    const help_option *options;    /* the command's own rows; ends with flags NULL */
    const help_option *shared;     /* rows shared with other commands (cli's), or NULL */
    int shared_mask;               /* which shared rows: those whose needs are all in it */
    const char *writes;            /* "writes (default DIR ...): ..." or NULL */
    const char *const *examples;   /* command lines; NULL-terminated, or NULL */
    const char *note;              /* a last line, or NULL */
} help_page;

/* `retsim COMMAND --help` */
void help_print(FILE *f, const help_page *p);

/* Option rows as --help prints them: the own rows, then the shared ones
 * selected by mask (-1 for the own rows alone). */
void help_print_options(FILE *f, const help_option *own, const help_option *shared, int mask);

/* The man(7) rendering of one command, as a subsection of COMMANDS. */
void help_print_roff(FILE *f, const char *name, const char *summary, const help_page *p);

/* Roff helpers for the man page's other sections. */
void help_roff_text(FILE *f, const char *text);    /* escaped, `x` in bold, "\n\n" -> .PP */
void help_roff_flags(FILE *f, const char *flags);  /* -x and --long bold, values italic */
/* Text wrapped at 79 columns, lines after the first indented by indent. */
void help_wrap(FILE *f, const char *text, int first_col, int indent);

#endif
