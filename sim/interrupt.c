#include "interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Written by the main thread, read by the handler (which may run on any
 * thread, OpenMP's included): sig_atomic_t, volatile. */
static volatile sig_atomic_t busy;
static volatile sig_atomic_t pending;
static int newline_first;

static void on_signal(int sig)
{
    if (!busy || pending) {
        /* write(2) and _exit(2) are async-signal-safe; stdio is not */
        static const char msg[] = "retsim: interrupted\n";
        if (newline_first)
            (void)!write(STDERR_FILENO, "\n", 1);
        (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
        _exit(128 + sig);
    }
    pending = sig;
}

void interrupt_install(void)
{
    static const int sigs[] = { SIGINT, SIGTERM };
    /* the progress bar ends without a newline: start the message on a new line */
    newline_first = isatty(STDERR_FILENO);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        /* restart interrupted reads, writes and waits (gnuplot's pclose):
         * the writer polls interrupt_pending() itself */
        sa.sa_flags = SA_RESTART;
        sigaction(sigs[i], &sa, NULL);
    }
}

void interrupt_enter(void)
{
    busy = busy + 1;
}

void interrupt_leave(void)
{
    if (busy > 0)
        busy = busy - 1;
}

int interrupt_pending(void)
{
    return pending;
}

const char *interrupt_name(int sig)
{
    static char buf[32];
    if (sig == SIGINT)
        return "SIGINT";
    if (sig == SIGTERM)
        return "SIGTERM";
    snprintf(buf, sizeof buf, "signal %d", sig);
    return buf;
}
