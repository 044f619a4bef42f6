/* SKELETON, to be written: retsim lesson. */
#include "commands.h"

static void lesson_usage(void)
{
}

static int lesson_run(int argc, char **argv, diag *d)
{
    (void)argc;
    (void)argv;
    return diag_set(d, DIAG_RUNTIME, "lesson is not written yet");
}

const command cmd_lesson = { "lesson", "(not yet available)", lesson_run, lesson_usage };
