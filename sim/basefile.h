/* basefile: the existing customers a fitted scenario starts from.
 *
 * `retsim fit` writes, beside fitted.ini, a file of every customer of the
 * log as they stand on the as-of date (one row each: their purchases, the
 * ages of the last one and of the customer, their spend).  Its [base]
 * section names that file; the engine starts each replication with every
 * one of those customers in their current state, their hidden traits drawn
 * from their posterior by the customer model (model.h,
 * customer_from_history), and simulates forward from the as-of date, day 0.
 * The section records the file's row count and checksum, so a file that no
 * longer matches its scenario is refused instead of silently mixed. */
#ifndef RETSIM_BASEFILE_H
#define RETSIM_BASEFILE_H

#include "diag.h"
#include "model.h"
#include "scenario.h"

typedef struct base_params {
    char customers[SCEN_TEXT_MAX];  /* the file, relative to the scenario's folder */
    char as_of[SCEN_TEXT_MAX];      /* YYYY-MM-DD: the history's last day; day 0 is the day after */
    int count;                      /* rows the file must hold (0: not checked) */
    char checksum[SCEN_TEXT_MAX];   /* FNV-1a 64 of the file's bytes, hex ("": not checked) */
} base_params;

extern const scen_section section_base;

typedef struct base_customers {
    int n;
    customer_history *h;            /* n rows, in file order */
    char path[4096];                /* the file as resolved */
} base_customers;

/* The [base] customers of sc, or NULL with d unset when sc has no [base];
 * NULL with d set (DIAG_USAGE: file, line, column, value) on a bad file. */
base_customers *base_load(const scenario *sc, diag *d);
void base_free(base_customers *b);

/* The checksum [base] records: FNV-1a 64 of n bytes, as 16 hex digits. */
void base_checksum(const char *bytes, size_t n, char out[17]);

/* Days since 1970-01-01 of a YYYY-MM-DD date, or -1 when it is not one. */
long base_parse_date(const char *s);
/* The date `day` days after as_of ("" when as_of is not a date); day 0 of
 * the simulation is base_format_date(as_of, 1). */
void base_format_date(const char *as_of, int day, char *buf, size_t cap);

/* The columns the engine reads, by header name (other columns, such as the
 * customer's id and dates, are for people and are ignored). */
#define BASE_COL_X "repeat_purchases"
#define BASE_COL_TX "last_purchase_age_days"
#define BASE_COL_T "age_days"
#define BASE_COL_ZBAR "mean_repeat_spend"

#endif
