#include "dates.h"

#include <stdio.h>

long date_days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = m > 2 ? m - 3 : m + 9;
    long doy = (153 * mp + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_civil_from_days(long z, int *year, int *month, int *mday)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *mday = (int)d;
}

void date_format(long z, char *buf, size_t cap)
{
    int y, m, d;
    date_civil_from_days(z, &y, &m, &d);
    snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}

long date_parse_iso(const char *s)
{
    int y, m, d, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' || n != 10)
        return -1;
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    long days = date_days_from_civil(y, m, d);
    int yy, mm, dd;
    date_civil_from_days(days, &yy, &mm, &dd);
    return yy == y && mm == m && dd == d ? days : -1;   /* 2023-02-30 is not a date */
}
