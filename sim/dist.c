#include "dist.h"

#include <stdio.h>

#include "lang.h"

static int local_depth;  /* dist_local_begin/end */

void dist_local_begin(void)
{
    local_depth++;
}

void dist_local_end(void)
{
    if (local_depth > 0)
        local_depth--;
}

#ifdef RETSIM_MPI

#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* How long a failing rank waits for the others to agree before it takes
 * them down with MPI_Abort: an error every rank meets (a bad scenario) is
 * met within moments of each other; one rank's alone leaves the others in
 * a collective that never ends. */
#define SETTLE_WAIT_SECONDS 10.0

static int active, world_rank, world_size = 1, saved_stderr = -1;
static MPI_Comm settle_comm; /* its own communicator: never matched against the work's collectives */

/* Started by mpirun (Open MPI), or by srun or another PMI launcher. */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK")
           || getenv("PMI_SIZE");
}

void dist_init(int *argc, char ***argv)
{
    if (!launched())
        return;
    int provided;
    /* MPI is called only by the main thread, outside OpenMP regions */
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    MPI_Comm_dup(MPI_COMM_WORLD, &settle_comm);
    active = 1;
    if (world_rank != 0) {
        /* quiet: rank 0 speaks for the job; stderr kept for dist_settle */
        fflush(stdout);
        fflush(stderr);
        saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Waits for a nonblocking collective with short naps: the ranks that
 * finish their share first wait here for the slowest, and MPI_Wait would
 * spin, taking processor time from the ranks still working on the same
 * machine (a millisecond of latency per group is nothing beside it). */
static void wait_politely(MPI_Request *req)
{
    int done = 0;
    while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
        struct timespec nap = { 0, 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
}

static void speak(const diag *d)
{
    fflush(stderr);
    if (saved_stderr >= 0)
        dup2(saved_stderr, STDERR_FILENO);
    fprintf(stderr, tr(lang_ui(), "retsim: MPI rank %d of %d: %s\n"), world_rank, world_size, d->msg);
    fflush(stderr);
}

int dist_settle(int status, const diag *d)
{
    if (!active)
        return status;
    /* the largest status, and the first failing rank as size - rank */
    int mine[2] = { status, status ? world_size - world_rank : 0 }, all[2] = { 0, 0 };
    MPI_Request req;
    MPI_Iallreduce(mine, all, 2, MPI_INT, MPI_MAX, settle_comm, &req);
    /* polled with naps, not MPI_Wait, which spins: the ranks done first
     * would take processor time from rank 0 writing the outputs */
    double until = now_seconds() + SETTLE_WAIT_SECONDS;
    int done = 0;
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done
           && (!status || now_seconds() < until)) {
        struct timespec nap = { 0, 10 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    if (!done) {
        if (world_rank != 0)
            speak(d);
        MPI_Abort(MPI_COMM_WORLD, status ? status : DIAG_RUNTIME);
    }
    /* rank 0 printed its own error in main; another rank speaks only when
     * rank 0 had none to print */
    int first = all[1] ? world_size - all[1] : -1;
    if (first > 0 && first == world_rank)
        speak(d);
    MPI_Comm_free(&settle_comm);
    MPI_Finalize();
    active = 0;
    return all[0];
}

int dist_built(void)
{
    return 1;
}

int dist_rank(void)
{
    return world_rank;
}

int dist_size(void)
{
    return world_size;
}

int dist_workers(void)
{
    return active && !local_depth ? world_size : 1;
}

void dist_share(long n, long *lo, long *hi)
{
    int w = dist_workers(), r = w > 1 ? world_rank : 0;
    long base = n / w, extra = n % w;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra);
}

int dist_allgather(double *buf, long n, size_t rec, diag *d)
{
    int w = dist_workers();
    if (w == 1 || n == 0)
        return 0;
    if (rec > INT_MAX || n > INT_MAX)
        return diag_set(d, DIAG_RUNTIME, "too large a block of results to send between MPI ranks");
    int *counts = malloc(2 * (size_t)w * sizeof *counts);
    int bad = !counts;
    /* every rank must take the same path: allocation failure is agreed */
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (bad) {
        free(counts);
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    int *displs = counts + w;
    for (int r = 0; r < w; r++) {
        long base = n / w, extra = n % w;
        displs[r] = (int)(r * base + (r < extra ? r : extra));
        counts[r] = (int)(base + (r < extra));
    }
    /* a record is one datatype, so counts are records, not doubles */
    MPI_Datatype record;
    MPI_Type_contiguous((int)rec, MPI_DOUBLE, &record);
    MPI_Type_commit(&record);
    MPI_Request req;
    MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, record, MPI_COMM_WORLD, &req);
    wait_politely(&req);
    MPI_Type_free(&record);
    free(counts);
    return 0;
}

int dist_agree(diag *d)
{
    if (dist_workers() == 1)
        return d->status;
    int first = d->status ? world_rank : world_size;
    /* the first collective after a share of work: the ranks wait here for
     * the slowest */
    MPI_Request req;
    MPI_Iallreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &req);
    wait_politely(&req);
    if (first == world_size)
        return 0;
    MPI_Bcast(&d->status, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(d->msg, (int)sizeof d->msg, MPI_CHAR, first, MPI_COMM_WORLD);
    return d->status;
}

int dist_bcast_int(int x)
{
    if (dist_workers() > 1)
        MPI_Bcast(&x, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return x;
}

#else /* one process: every call a no-op */

#include <stdlib.h>

/* A build without MPI started by mpirun: every process would run the whole
 * job and write the same output folder.  Refused, said once (by the
 * process mpirun calls rank 0), exit 2 from all. */
void dist_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!size) {
        size = getenv("PMI_SIZE");
        rank = getenv("PMI_RANK");
    }
    if (!size || atoi(size) < 2)
        return;
    if (!rank || atoi(rank) == 0)
        fprintf(stderr, tr(lang_ui(), "retsim: started as %d MPI ranks, but this retsim was built without MPI, "
                                      "so each would run the whole job; rebuild it with make MPI=1 (Open MPI "
                                      "installed), or run it without mpirun\n"),
                atoi(size));
    exit(DIAG_USAGE);
}

int dist_settle(int status, const diag *d)
{
    (void)d;
    return status;
}

int dist_built(void)
{
    return 0;
}

int dist_rank(void)
{
    return 0;
}

int dist_size(void)
{
    return 1;
}

int dist_workers(void)
{
    return 1;
}

void dist_share(long n, long *lo, long *hi)
{
    *lo = 0;
    *hi = n;
}

int dist_allgather(double *buf, long n, size_t rec, diag *d)
{
    (void)buf;
    (void)n;
    (void)rec;
    (void)d;
    return 0;
}

int dist_agree(diag *d)
{
    return d->status;
}

int dist_bcast_int(int x)
{
    return x;
}

#endif
