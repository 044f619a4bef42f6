/* dist: independent simulations spread over the ranks of an MPI job.
 *
 * The only module that includes <mpi.h>.  Built with -DRETSIM_MPI (make
 * MPI=1, or by default when Open MPI's mpicc is found) it talks MPI; built
 * without, it is a stub of one rank and every call below is a no-op, so
 * the rest of retsim has one code path.  Even an MPI build runs as one
 * plain process unless started by mpirun or srun (dist_init looks for their
 * environment): ./retsim, the tests and the sanitizer builds never start MPI.
 *
 * The scheme (docs/mpi.md): rank r takes items (replications, candidates)
 * by index, a contiguous share of each block (dist_share); their results
 * travel as values, a flat record of doubles per item, and are gathered on
 * every rank (dist_allgather), so every rank holds the same block and feeds
 * it to the accumulators in item order: the output is bit-identical to one
 * process for any number of ranks and threads, and every rank reaches the
 * same decisions (stop, next candidate) without further messages.  Only
 * rank 0 writes outputs and prints; the others' stdout and stderr go to
 * /dev/null from dist_init on.  Errors agree (dist_agree, dist_settle):
 * every rank exits with the same status, and the message is printed once. */
#ifndef RETSIM_DIST_H
#define RETSIM_DIST_H

#include <stddef.h>

#include "diag.h"

/* Starts MPI when run by mpirun or srun; otherwise one rank.  Call once,
 * first thing in main.  A build without MPI started as several ranks
 * exits 2 here, saying so once (each would run the whole job). */
void dist_init(int *argc, char ***argv);

/* Agrees the exit status of every rank and ends MPI (main's last call,
 * after rank 0 printed its own error).  status is this rank's; returns the
 * status every rank exits with (the largest).  When rank 0 had no error to
 * print, the first rank that failed prints its message.  A rank that failed
 * alone while the others wait in a collective (a file missing on one node)
 * cannot be waited for: after 10 seconds it prints its message and calls
 * MPI_Abort(status), which ends the job with that status. */
int dist_settle(int status, const diag *d);

/* 1 when built with MPI (make MPI=1), whether or not started by mpirun. */
int dist_built(void);

/* This process's rank in the job and the job's size (0 and 1 without MPI). */
int dist_rank(void);
int dist_size(void);
static inline int dist_is_root(void) { return dist_rank() == 0; }
/* The ranks sharing the work: dist_size(), or 1 inside dist_local_begin/end. */
int dist_workers(void);

/* Items [*lo, *hi) of n, this rank's contiguous share among the workers
 * (the first n % workers ranks take one more). */
void dist_share(long n, long *lo, long *hi);

/* buf holds n records of rec doubles; this rank filled its share
 * (dist_share(n)).  Afterwards every rank holds all n.  0, or a status
 * with d set (the same on every rank). */
int dist_allgather(double *buf, long n, size_t rec, diag *d);

/* Collective: when any rank has d->status set, every rank returns the same
 * status with the same message (the first failing rank's); else 0. */
int dist_agree(diag *d);

/* Rank 0's value of x, on every rank. */
int dist_bcast_int(int x);

/* Between begin and end each rank works on its own (dist_workers() is 1,
 * the calls above make no collective): for a caller that spreads candidates over the ranks
 * itself and runs each one's simulations on a single rank.  Nestable. */
void dist_local_begin(void);
void dist_local_end(void);

#endif
