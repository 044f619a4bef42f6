#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "commands.h"

int cli_parse_int(const char *opt, const char *text, long min, long max, long *out, diag *d)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!*text || *end || errno == ERANGE)
        return diag_set(d, DIAG_USAGE, "%s '%s': expected a whole number from %ld to %ld",
                        opt, text, min, max);
    if (v < min || v > max)
        return diag_set(d, DIAG_USAGE, "%s %ld is out of range: allowed %ld to %ld", opt, v,
                        min, max);
    *out = v;
    return 0;
}

int cli_parse_u64(const char *opt, const char *text, uint64_t *out, diag *d)
{
    char *end;
    errno = 0;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    unsigned long long v = strtoull(p, &end, 10);
    if (!*p || *p == '-' || *end || errno == ERANGE)
        return diag_set(d, DIAG_USAGE,
                        "%s '%s': expected a whole number from 0 to 18446744073709551615", opt,
                        text);
    *out = (uint64_t)v;
    return 0;
}
