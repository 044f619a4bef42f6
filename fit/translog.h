/* translog: a till or CRM export read into per-customer purchase histories.
 *
 * Real exports are messy: a header row (column names in English or Chinese),
 * quoted fields with commas, CRLF line ends, blank lines, a UTF-8 byte-order
 * mark.  Parsing is libcsv's; this module picks the columns, reads dates and
 * amounts, counts and reports the rows it cannot use (with line numbers),
 * refuses when too many are bad, and merges several purchases by one
 * customer on one day into one transaction (the usual convention). */
#ifndef RETSIM_FIT_TRANSLOG_H
#define RETSIM_FIT_TRANSLOG_H

#include "../sim/diag.h"

#define TRANSLOG_BAD_KEPT 20   /* bad rows reported individually */

typedef struct translog_opts {
    const char *customer_col;   /* header names; NULL: detected (id, customer, 客户, ...) */
    const char *date_col;
    const char *amount_col;
    const char *date_format;    /* strptime format; NULL: detected (%Y-%m-%d, %Y%m%d, %Y/%m/%d, ...) */
    double max_bad_share;       /* refuse when more rows than this share are bad (e.g. 0.05) */
} translog_opts;

typedef struct translog {
    int ncust;
    char **ids;                 /* customer ids as written */
    int *first;                 /* customer i's transactions: tx index first[i] .. first[i+1]-1, by day */
    int ntx;                    /* transactions after same-day merging */
    int *day;                   /* days since 1970-01-01 */
    double *amount;             /* merged same-day amounts */
    int min_day, max_day;
    long rows;                  /* data rows read (not counting header and blank lines) */
    long bad_rows;
    long merged_rows;           /* rows folded into another on the same customer and day */
    int nbad_kept;
    long bad_line[TRANSLOG_BAD_KEPT];
    char bad_reason[TRANSLOG_BAD_KEPT][160];
    char columns[3][128];       /* the header names used: customer, date, amount */
    char date_format[32];       /* the format used */
} translog;

/* NULL with d set (DIAG_USAGE for bad input, naming the file, the columns
 * found and those expected, the line of a problem). */
translog *translog_read(const char *path, const translog_opts *o, diag *d);
void translog_free(translog *t);

/* Parses a date in the given strptime format into days since 1970-01-01;
 * 0 on success. */
int translog_parse_date(const char *text, const char *format, int *day);

/* The calendar date of a day counted from 1970-01-01. */
void translog_civil_from_days(long day, int *year, int *month, int *mday);

#endif
