/* retsim: a Monte Carlo what-if simulator for customer retention.
 * main only dispatches the verb and turns its status into the exit code:
 * 0 success, 1 runtime failure, 2 usage or scenario error, 128 + N when
 * ended by signal N (130 SIGINT, 143 SIGTERM; see sim/interrupt.h).
 * Under MPI it starts and ends the job (sim/dist.h).
 * It also hands the engine library the built-in models and promotions. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "../sim/dist.h"
#include "../sim/interrupt.h"
#include "../sim/lang.h"
#include "outdir.h"
#include "datadir.h"
#include "../present/figures.h"
#include "../present/output.h"
#include "../models/registry.h"

static int run_main(int argc, char **argv, diag *d);

/* Under mpirun every rank runs main; rank 0 alone prints and writes, and
 * all exit with one status (sim/dist.h, docs/mpi.md). */
int main(int argc, char **argv)
{
    dist_init(&argc, &argv);
    diag d = { 0 };
    int status = run_main(argc, argv, &d);
    return dist_settle(status, &d);
}

static int run_main(int argc, char **argv, diag *d)
{
    /* GSL's default handler aborts; we check results ourselves.  Set once,
     * before any parallel region. */
    gsl_set_error_handler_off();
    interrupt_install();
    /* errors and warnings in the user's language (a command's --lang sets it again) */
    lang_set_ui(lang_default());
    if (sim_use_plugins(&retsim_builtin_plugins, d)) {
        fprintf(stderr, "retsim: %s\n", d->msg);
        return DIAG_RUNTIME;
    }
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
        printf("MPI: %s\n", dist_built() ? "yes (mpirun -np N retsim ...: docs/mpi.md)" : "no (built without Open MPI)");
        return 0;
    }
    /* The PNG plots are drawn in the background, one gnuplot per core and
     * at least two at once, while the command writes the rest; its output
     * folder waits for them before it is put in place (issue 14). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = cores > 2 ? (int)(cores < 8 ? cores : 8) : 2;
    /* RETSIM_PLOT_JOBS=0: each plot waited for, as before (bench/extra.sh
     * measures the difference); 1 to 64: that many gnuplots at once */
    const char *pj = getenv("RETSIM_PLOT_JOBS");
    if (pj && *pj) {
        char *end;
        long v = strtol(pj, &end, 10);
        if (*end || v < 0 || v > 64) {
            /* a developer's knob (docs/benchmarks.md), like figures.c's
             * gnuplot warning not in the catalogue */
            fprintf(stderr, "retsim: RETSIM_PLOT_JOBS=%s: expected a whole number of gnuplots to run at "
                            "once, 0 (one after another) to 64; e.g. RETSIM_PLOT_JOBS=2\n",
                    pj);
            return DIAG_USAGE;
        }
        jobs = (int)v;
    }
    figures_background(jobs);
    for (int i = 0; retsim_commands[i]; i++)
        if (!strcmp(argv[1], retsim_commands[i]->name)) {
            const command *c = retsim_commands[i];
            int status = 0;
            /* under mpirun: a command that spreads runs on every rank; any
             * other on rank 0 alone, as one process, the others waiting */
            if (c->spreads || dist_workers() == 1) {
                status = c->run(argc - 1, argv + 1, d);
            } else if (dist_is_root()) {
                dist_local_begin();
                status = c->run(argc - 1, argv + 1, d);
                dist_local_end();
            }
            outdir_abort_active(); /* an error path that forgot its output folder */
            /* pictures drawn outside an output folder: in place before exit */
            if (!status && !interrupt_pending())
                status = figures_wait(d);
            else
                figures_discard();
            int sig = interrupt_pending();
            if (sig) {
                int committed;
                const char *target = outdir_last(&committed);
                if (!target)
                    fprintf(stderr, tr(lang_ui(), "retsim %s: interrupted by %s\n"), retsim_commands[i]->name,
                            interrupt_name(sig));
                else
                    fprintf(stderr,
                            committed ? tr(lang_ui(), "retsim %s: interrupted by %s; %s was already complete\n")
                                      : tr(lang_ui(), "retsim %s: interrupted by %s; %s is as it was (the new "
                                                      "outputs were discarded)\n"),
                            retsim_commands[i]->name, interrupt_name(sig), target);
                return 128 + sig;
            }
            if (status)
                fprintf(stderr, "retsim %s: %s\n", retsim_commands[i]->name, d->msg);
            return status;
        }
    const char *names[32];
    int n = 0;
    for (int i = 0; retsim_commands[i] && n < 31; i++)
        names[n++] = retsim_commands[i]->name;
    names[n] = NULL;
    const char *near = diag_nearest(argv[1], names);
    if (near)
        fprintf(stderr, tr(lang_ui(), "retsim: unknown command '%s' (did you mean '%s'?)\n"), argv[1], near);
    else
        fprintf(stderr, tr(lang_ui(), "retsim: unknown command '%s'; see retsim --help\n"), argv[1]);
    return DIAG_USAGE;
}
