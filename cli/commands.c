/* commands: the list of retsim's commands, the top-level help and the exit
 * statuses: declared once here, printed by `retsim --help` and rendered in
 * the man page (cli/cmd_man.c). */
#include <stdio.h>

#include "commands.h"

const command *const retsim_commands[] = { &cmd_run,     &cmd_compare, &cmd_sweep,  &cmd_sensitivity,
                                            &cmd_fit,     &cmd_calibrate, &cmd_pilot,   &cmd_optimize, &cmd_explain, &cmd_lesson, &cmd_report,
                                           &cmd_keys,    &cmd_man,     NULL };

/* Statuses 130 and 143 are 128 + the signal number, as a shell reports a
 * process ended by the signal (POSIX sh, "Exit Status").  retsim catches
 * SIGINT and SIGTERM (sim/interrupt.h): before any output exists it exits at
 * once; while an output folder is being written it removes the temporary
 * folder first (cli/outdir.h), so the target is the old folder or the new
 * one complete, never a mix (docs/outputs.md). */
const exit_status retsim_exit_statuses[] = {
    { "0", "success (also --help and --version)" },
    { "1", "a runtime failure: an output directory or file that cannot be written, a read error, out "
           "of memory after the estimate passed, a plot that gnuplot could not draw" },
    { "2", "a usage or scenario error: an unknown command or option, a value out of range, a scenario "
           "key that is unknown or contradicts another, a missing or malformed input file, a file that is "
           "not a regular file or is over the size limit, a run estimated to need more memory than "
           "allowed, an --out folder retsim will not write to; the message names the file or option, the "
           "value and what was expected, and nothing is written" },
    { "130", "interrupted by SIGINT (Ctrl-C), 128 + 2: the output folder is left as it was before "
             "the run, or complete if the run had already finished writing it; no temporary file or "
             "folder remains" },
    { "143", "terminated by SIGTERM (128 + 15), likewise" },
    { NULL, NULL }
};

void retsim_usage(FILE *f)
{
    fprintf(f, "retsim: try a retention idea on a simulated copy of your customers.\n"
               "\n"
               "usage: retsim COMMAND [options]\n"
               "\n"
               "commands:\n");
    for (int i = 0; retsim_commands[i]; i++)
        fprintf(f, "  %-12s %s\n", retsim_commands[i]->name, retsim_commands[i]->summary);
    fprintf(f, "\n"
               "  retsim COMMAND --help   options of a command\n"
               "  retsim --version        the version and the data directory\n"
               "\n"
               "exit status:\n");
    for (int i = 0; retsim_exit_statuses[i].code; i++) {
        fprintf(f, "  %-4s ", retsim_exit_statuses[i].code);
        help_wrap(f, retsim_exit_statuses[i].meaning, 7, 7);
        fputc('\n', f);
    }
    fprintf(f, "\n"
               "example: retsim run scenarios/clinic.ini --reps 200 --seed 7\n"
               "manual:  man retsim (or, before installing: retsim man | man -l -)\n");
}
