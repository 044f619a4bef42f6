/* interrupt: what SIGINT and SIGTERM do to a running retsim.
 *
 * Two states, chosen so that an interrupted run is prompt and leaves
 * nothing half-written (docs/outputs.md):
 *
 *  - Nothing of ours on disk yet (reading, simulating, fitting, printing):
 *    the handler ends the process at once with _exit(128 + signal).  There
 *    is nothing to clean up, so no flag has to be polled by the OpenMP
 *    loop, the optimiser or anything else, and Ctrl-C during a long
 *    simulation takes effect immediately.
 *  - Output in progress (interrupt_enter .. interrupt_leave: a temporary
 *    output folder or a temporary file exists): the handler only records
 *    the signal.  Removing a folder tree takes opendir/readdir, which are
 *    not async-signal-safe, and a gnuplot child must be waited for, so the
 *    writer checks interrupt_pending() between files and plots, removes its
 *    temporary folder with ordinary calls, and main exits 128 + signal.  A
 *    second signal while the first is pending ends the process at once
 *    (the target folder is still intact; a DIR.retsim-XXXXXX folder beside
 *    it may remain).
 *
 * A signal that was ignored when retsim started (nohup, `cmd &` in a
 * script) stays ignored. */
#ifndef RETSIM_INTERRUPT_H
#define RETSIM_INTERRUPT_H

/* Installs the SIGINT and SIGTERM handlers; once, in main. */
void interrupt_install(void);

/* Brackets the time our temporary files or folders exist (nestable). */
void interrupt_enter(void);
void interrupt_leave(void);

/* The signal received while output was in progress, or 0. */
int interrupt_pending(void);

/* "SIGINT", "SIGTERM" or "signal N". */
const char *interrupt_name(int sig);

#endif
