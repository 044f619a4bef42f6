/* The commands behind `retsim VERB`.  Each wires the layers below; none
 * holds model logic.  Each returns a DIAG_ status, with d set on error. */
#ifndef RETSIM_COMMANDS_H
#define RETSIM_COMMANDS_H

#include <stdint.h>

#include "diag.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv, diag *d);
    void (*usage)(void);
} command;

extern const command cmd_run, cmd_compare, cmd_sweep, cmd_sensitivity, cmd_fit, cmd_explain,
    cmd_lesson, cmd_report, cmd_keys;

/* Shared option parsing for numbers typed on the command line. */
int cli_parse_int(const char *opt, const char *text, long min, long max, long *out, diag *d);
int cli_parse_u64(const char *opt, const char *text, uint64_t *out, diag *d);

#endif
