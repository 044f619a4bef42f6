/* SKELETON, to be written: retsim report. */
#include "commands.h"

static void report_usage(void)
{
}

static int report_run(int argc, char **argv, diag *d)
{
    (void)argc;
    (void)argv;
    return diag_set(d, DIAG_RUNTIME, "report is not written yet");
}

const command cmd_report = { "report", "(not yet available)", report_run, report_usage };
