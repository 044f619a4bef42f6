/* The commands behind `retsim VERB`.  Each wires the layers below; none
 * holds model logic.  Each returns a DIAG_ status, with d set on error. */
#ifndef RETSIM_COMMANDS_H
#define RETSIM_COMMANDS_H

#include <stdint.h>
#include <stdio.h>

#include "../sim/diag.h"
#include "help.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv, diag *d);
    const help_page *help;   /* its --help, and its part of the man page */
    /* 1: spreads its simulations over the ranks of an MPI job (its
     * simulations go through sim_run, and only rank 0 writes: sim/dist.h).
     * 0: under mpirun rank 0 alone runs it, the other ranks wait. */
    int spreads;
} command;

extern const command cmd_run, cmd_compare, cmd_sweep, cmd_sensitivity, cmd_fit, cmd_explain,
    cmd_lesson, cmd_report, cmd_keys, cmd_man, cmd_pilot, cmd_calibrate;
extern const command cmd_optimize;

/* Every command, in the order `retsim --help` and the man page list them;
 * NULL-terminated (cli/commands.c). */
extern const command *const retsim_commands[];

/* `retsim --help`: the overview and the command list. */
void retsim_usage(FILE *f);

/* What an exit status means; NULL-terminated, for --help and the man page. */
typedef struct exit_status {
    const char *code;
    const char *meaning;
} exit_status;
extern const exit_status retsim_exit_statuses[];

/* Shared option parsing for numbers typed on the command line. */
int cli_parse_int(const char *opt, const char *text, long min, long max, long *out, diag *d);
int cli_parse_u64(const char *opt, const char *text, uint64_t *out, diag *d);

#endif
