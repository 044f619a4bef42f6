/* dates: calendar days as integers, the one conversion the project uses.
 *
 * A day is counted from 1970-01-01 in the proleptic Gregorian calendar,
 * in integer arithmetic (H. Hinnant, "chrono-compatible low-level date
 * algorithms"): no time zone or mktime can shift a date.  The transaction
 * reader (fit/translog.c), a fitted base's as-of date (sim/basefile.c) and
 * every dated output use these. */
#ifndef RETSIM_DATES_H
#define RETSIM_DATES_H

#include <stddef.h>

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31; not checked). */
long date_days_from_civil(long y, int m, int d);
/* The y-m-d of day z. */
void date_civil_from_days(long z, int *year, int *month, int *mday);
/* Day z as YYYY-MM-DD. */
void date_format(long z, char *buf, size_t cap);
/* Days since 1970-01-01 of a strict YYYY-MM-DD (years 1900-2999, a real
 * day: 2023-02-30 is not), or -1. */
long date_parse_iso(const char *s);

#endif
