/* SKELETON, to be written: retsim explain. */
#include "commands.h"

static void explain_usage(void)
{
}

static int explain_run(int argc, char **argv, diag *d)
{
    (void)argc;
    (void)argv;
    return diag_set(d, DIAG_RUNTIME, "explain is not written yet");
}

const command cmd_explain = { "explain", "(not yet available)", explain_run, explain_usage };
