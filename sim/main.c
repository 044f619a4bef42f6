/* retsim: a Monte Carlo what-if simulator for customer retention.
 * main only dispatches the verb and turns its status into the exit code
 * (the statuses are listed once, in sim/commands.c). */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "datadir.h"
#include "output.h"

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; we check results ourselves.  Set once,
     * before any parallel region. */
    gsl_set_error_handler_off();
    diag d = { 0 };
    if (argc < 2) {
        retsim_usage(stderr);
        return DIAG_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        retsim_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("retsim %s\ndata directory: %s\n", RETSIM_VERSION, retsim_datadir());
        return 0;
    }
    for (int i = 0; retsim_commands[i]; i++)
        if (!strcmp(argv[1], retsim_commands[i]->name)) {
            int status = retsim_commands[i]->run(argc - 1, argv + 1, &d);
            if (status)
                fprintf(stderr, "retsim %s: %s\n", retsim_commands[i]->name, d.msg);
            return status;
        }
    const char *names[32];
    int n = 0;
    for (int i = 0; retsim_commands[i] && n < 31; i++)
        names[n++] = retsim_commands[i]->name;
    names[n] = NULL;
    const char *near = diag_nearest(argv[1], names);
    if (near)
        fprintf(stderr, "retsim: unknown command '%s' (did you mean '%s'?)\n", argv[1], near);
    else
        fprintf(stderr, "retsim: unknown command '%s'; see retsim --help\n", argv[1]);
    return DIAG_USAGE;
}
