/* pilot_rollout_opts: the options of `retsim pilot --rollout` (issue 12, the
 * decision), parsed here so that cmd_pilot.c only forwards them. */
#ifndef RETSIM_PILOT_ROLLOUT_OPTS_H
#define RETSIM_PILOT_ROLLOUT_OPTS_H

#include <getopt.h>

#include "../present/pilot_plan.h"
#include "../present/rollout.h"
#include "../sim/diag.h"
#include "help.h"

/* getopt codes of the rollout options, above every short option */
enum { ROLLOUT_OPT_FIRST = 1000 };

typedef struct pilot_rollout_cli {
    int on;                 /* --rollout */
    int given;              /* some rollout option was given */
    const char *first;      /* the first such option, for the message without --rollout */
    rollout_opts ro;
    plan_opts plan;         /* --plan FITTED.ini and its options */
    int plan_given;         /* some plan option was given */
    const char *plan_first;
} pilot_rollout_cli;

/* The long options, NULL-name terminated, to append to the command's. */
extern const struct option pilot_rollout_long_options[];
/* Their help rows. */
extern const help_option pilot_rollout_help[];

void pilot_rollout_cli_init(pilot_rollout_cli *c);
/* One option (c >= ROLLOUT_OPT_FIRST) with its value; DIAG_USAGE on a bad one. */
int pilot_rollout_cli_option(pilot_rollout_cli *c, int code, const char *value, diag *d);
/* After every option: a rollout option without --rollout, a plan option
 * without --plan, or --plan with a log, --group, --start or --rollout, is
 * refused.  log is the positional file (NULL: none). */
int pilot_rollout_cli_check(const pilot_rollout_cli *c, const char *log, const char *group, const char *start,
                            diag *d);
/* `retsim pilot --plan`: simulates and writes into out (default
 * out/NAME_plan), prints unless quiet. */
int pilot_plan_main(const pilot_rollout_cli *c, const char *out, int force, int quiet, diag *d);

#endif
