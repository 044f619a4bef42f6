/* libFuzzer harness for the transaction reader (fit/translog.c).
 *
 * The first two bytes choose the options, so every combination is reached:
 * byte 0 bits 0-1 the customer column (detected, "customer", "id", a name
 * that is not there), bits 2-3 the date column, bits 4-5 the amount column,
 * bits 6-7 the share of bad rows allowed (0, 5 %, 50 %, 100 %); byte 1 the
 * date format (detected, each supported one, an unsupported one).  The rest
 * is the file, read through a memfd as /proc/self/fd/N: the same open,
 * fstat and read path as a file named on the command line. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../fit/translog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cols[3][4] = {
    { NULL, "customer", "id", "nobody" },
    { NULL, "date", "日期", "when" },
    { NULL, "amount", "金额", "sum" },
};
static const char *const formats[] = { NULL, "%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d/%m/%Y",
                                       "%m/%d/%Y", "%d.%m.%Y", "%b %d %Y", "%s" };
static const double bad_shares[4] = { 0, 0.05, 0.5, 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 256 * 1024)
        return 0;
    translog_opts o = { cols[0][data[0] & 3], cols[1][(data[0] >> 2) & 3],
                        cols[2][(data[0] >> 4) & 3],
                        formats[data[1] % (sizeof formats / sizeof formats[0])],
                        bad_shares[(data[0] >> 6) & 3] };
    int fd = memfd_create("retsim-translog", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size - 2) {
        ssize_t w = write(fd, data + 2 + done, size - 2 - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    diag d = { 0 };
    translog *t = translog_read(path, &o, &d);
    if (!t) {
        if ((d.status != DIAG_USAGE && d.status != DIAG_RUNTIME) || !d.msg[0])
            abort();
    } else {
        /* the histories are consistent: ordered days, counts that add up */
        if (t->ncust <= 0 || t->first[0] != 0 || t->first[t->ncust] != t->ntx)
            abort();
        for (int i = 0; i < t->ncust; i++)
            for (int j = t->first[i] + 1; j < t->first[i + 1]; j++)
                if (t->day[j] <= t->day[j - 1])
                    abort();
        translog_free(t);
    }
    close(fd);
    return 0;
}
