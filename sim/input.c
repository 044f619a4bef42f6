#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long long max_override;

unsigned long long input_max_bytes(input_kind kind)
{
    if (max_override)
        return max_override;
    return kind == INPUT_SCENARIO ? INPUT_SCENARIO_MAX_DEFAULT : INPUT_TRANSACTIONS_MAX_DEFAULT;
}

void input_set_max_bytes(unsigned long long bytes)
{
    max_override = bytes;
}

void input_format_size(double bytes, char *buf, size_t cap)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    if (!(bytes >= 1024)) {
        snprintf(buf, cap, "%.0f bytes", bytes > 0 ? bytes : 0);
        return;
    }
    int u = -1;
    while (bytes >= 1024 && u < 5) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, cap, "%.*f %s", bytes < 10 ? 1 : 0, bytes, units[u]);
}

int input_parse_size(const char *opt, const char *text, unsigned long long min,
                     unsigned long long max, unsigned long long *out, diag *d)
{
    char lo[32], hi[32];
    input_format_size((double)min, lo, sizeof lo);
    input_format_size((double)max, hi, sizeof hi);
    const char *p = text;
    unsigned long long v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (v > (~0ULL - 9) / 10)
            goto bad;
        v = v * 10 + (unsigned)(*p++ - '0');
        digits++;
    }
    if (!digits)
        goto bad;
    unsigned shift = 0;
    switch (*p) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    case '\0': break;
    default: goto bad;
    }
    if (shift) {
        p++;
        /* "2G", "2GB" and "2GiB" all mean 2 * 1024^3 */
        if (*p == 'i' || *p == 'I')
            p++;
        if (*p == 'b' || *p == 'B')
            p++;
    }
    if (*p)
        goto bad;
    if (shift && v > (~0ULL >> shift))
        goto range;
    v <<= shift;
    if (v < min || v > max)
        goto range;
    *out = v;
    return 0;
bad:
    return diag_set(d, DIAG_USAGE,
                    "%s '%s': expected a size in bytes, or with K, M, G or T (e.g. 500M, 2G), "
                    "from %s to %s", opt, text, lo, hi);
range:
    return diag_set(d, DIAG_USAGE, "%s %s is out of range: allowed %s to %s", opt, text, lo, hi);
}

static const char *file_type_name(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int input_open(const char *path, input_kind kind, const char *what, diag *d)
{
    /* O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        diag_set(d, DIAG_USAGE, "%s: cannot open the %s: %s", path, what, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        diag_set(d, DIAG_USAGE, "%s: cannot read the %s: %s", path, what, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_set(d, DIAG_USAGE, "%s: cannot read: it is %s, not a %s file", path,
                 file_type_name(st.st_mode), what);
        close(fd);
        return -1;
    }
    unsigned long long limit = input_max_bytes(kind);
    if ((unsigned long long)st.st_size > limit) {
        char size[32], lim[32];
        input_format_size((double)st.st_size, size, sizeof size);
        input_format_size((double)limit, lim, sizeof lim);
        diag_set(d, DIAG_USAGE, "%s: the %s is %s, more than the limit of %s; "
                 "raise it with --max-input-size", path, what, size, lim);
        close(fd);
        return -1;
    }
    /* a regular file never blocks; reads go back to the usual semantics */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

char *input_read_all(const char *path, input_kind kind, const char *what, size_t *len,
                     diag *d)
{
    int fd = input_open(path, kind, what, d);
    if (fd < 0)
        return NULL;
    unsigned long long limit = input_max_bytes(kind);
    struct stat st;
    size_t cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
    size_t n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        diag_set(d, DIAG_RUNTIME, "%s: out of memory reading the %s", path, what);
        return NULL;
    }
    for (;;) {
        if (n + 1 >= cap) {
            /* the file grew since fstat: still never beyond the limit */
            size_t ncap = cap * 2;
            if (ncap > limit + 2)
                ncap = (size_t)limit + 2;
            if (ncap <= n + 1) {
                char lim[32];
                input_format_size((double)limit, lim, sizeof lim);
                diag_set(d, DIAG_USAGE, "%s: the %s is more than the limit of %s; "
                         "raise it with --max-input-size", path, what, lim);
                goto fail;
            }
            char *grown = realloc(buf, ncap);
            if (!grown) {
                diag_set(d, DIAG_RUNTIME, "%s: out of memory reading the %s", path, what);
                goto fail;
            }
            buf = grown;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            diag_set(d, DIAG_USAGE, "%s: cannot read the %s: %s", path, what, strerror(errno));
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > limit) {
            char lim[32];
            input_format_size((double)limit, lim, sizeof lim);
            diag_set(d, DIAG_USAGE, "%s: the %s is more than the limit of %s; "
                     "raise it with --max-input-size", path, what, lim);
            goto fail;
        }
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    close(fd);
    free(buf);
    return NULL;
}

int utf8_feed(utf8_check *u, unsigned char b)
{
    if (u->need) {
        if (b < u->lo || b > u->hi)
            return -1;
        u->need--;
        u->lo = 0x80;
        u->hi = 0xBF;
        return 0;
    }
    u->lo = 0x80;
    u->hi = 0xBF;
    if (b < 0x80)
        return 0;
    /* RFC 3629, section 4: the first byte fixes the length and the range of
     * the second byte (which rules out overlong forms and surrogates) */
    if (b >= 0xC2 && b <= 0xDF)
        u->need = 1;
    else if (b == 0xE0)
        u->need = 2, u->lo = 0xA0;
    else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
        u->need = 2;
    else if (b == 0xED)
        u->need = 2, u->hi = 0x9F;
    else if (b == 0xF0)
        u->need = 3, u->lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
        u->need = 3;
    else if (b == 0xF4)
        u->need = 3, u->hi = 0x8F;
    else
        return -1;
    return 0;
}

int utf8_valid(const char *s, size_t n)
{
    utf8_check u = { 0 };
    for (size_t i = 0; i < n; i++)
        if (!s[i] || utf8_feed(&u, (unsigned char)s[i]))
            return 0;
    return u.need == 0;
}

int input_check_text(const char *text, size_t n, const char *path, diag *d)
{
    utf8_check u = { 0 };
    long line = 1, col = 1, seq_col = 1;
    size_t seq = 0;                 /* where the character being read starts */
    for (size_t i = 0; i < n; i++, col++) {
        unsigned char b = (unsigned char)text[i];
        if (!b)
            return diag_set(d, DIAG_USAGE, "%s:%ld: a NUL byte at column %ld: not a text file",
                            path, line, col);
        if (!u.need) {
            seq = i;
            seq_col = col;
        }
        if (utf8_feed(&u, b))
            return diag_set(d, DIAG_USAGE,
                            "%s:%ld: byte 0x%02X at column %ld is not UTF-8 text; save the file "
                            "as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)", path, line,
                            (unsigned char)text[seq], seq_col);
        if (b == '\n') {
            line++;
            col = 0;
        }
    }
    if (u.need)
        return diag_set(d, DIAG_USAGE, "%s:%ld: the file ends inside a UTF-8 character", path,
                        line);
    return 0;
}

int input_max_size_option(const char *text, diag *d)
{
    unsigned long long bytes;
    if (input_parse_size("--max-input-size", text, 1ULL << 10, INPUT_MAX_LIMIT, &bytes, d))
        return d->status;
    input_set_max_bytes(bytes);
    return 0;
}
