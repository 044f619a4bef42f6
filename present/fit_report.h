/* fit_report: what `retsim fit` writes and prints from a fitted
 * transaction log (fitted.ini, customers.csv, the recall list at_risk.csv
 * and gone.csv, the tracking, frequency, holdout and stickiness figures,
 * summary.json, the summary on stdout).  The command (cli/cmd_fit.c) reads
 * the log, fits, and puts the output folder in place; the state it fills is
 * declared here because the writers read all of it. */
#ifndef RETSIM_FIT_REPORT_H
#define RETSIM_FIT_REPORT_H

#include "../fit/btyd.h"
#include "../fit/purchase_fit.h"
#include "../fit/survivors.h"
#include "../fit/translog.h"
#include "../sim/diag.h"

/* What the user asked of the fit (the writers read the file name, the
 * period and the recall list's band and length). */
typedef struct fit_opts {
    translog_opts log;
    const char *holdout_from;
    double period_days;
    const char *period_name;
    const char *out;
    const char *survivors;
    const char *file;
    int quiet;
    double alive_floor, alive_ceiling; /* the recall list's P(alive) band */
    int top;                           /* rows of at_risk.csv */
    int force;               /* --force: write into a folder that is not a retsim output */
    const char *as_of;       /* --as-of DATE: the day the forward baseline starts from */
    const char *model;       /* --model NAME: the purchase model of the forward baseline */
    int horizon_days;        /* --horizon-days: the forward baseline's horizon */
    const char *param_uncertainty; /* --param-uncertainty hessian|bootstrap|off */
    int bootstrap;           /* --bootstrap N: refits of the bootstrap */
    int sim_reps;            /* replications of the holdout simulation */
    int period_set;          /* --period was given */
    int horizon_set;         /* --horizon-days was given */
} fit_opts;

/* The fit of one log, filled by the command and read by the writers. */
typedef struct fit_state {
    const fit_opts *o;
    translog *log;
    cust_summary *cs;
    int n;                    /* customers with a first purchase in the calibration span */
    int cal_end;              /* last day of the calibration span */
    int holdout_days;         /* 0 without a holdout */
    double horizon_periods;   /* for expected purchases */
    bgnbd_fit bg;
    gg_fit gg;
    double top20;
    double holdout_error;     /* relative error of total holdout repeat purchases */
    double holdout_actual, holdout_predicted;
    /* every purchase model fitted (fit/purchase_fit.h), and the one chosen
     * for the forward baseline, with the reason in words */
    purchase_fit fits[8];
    int nfits;
    int chosen;
    char chosen_why[512];
    /* the forward baseline's new customers: first purchases per day over the
     * last FIT_RECENT_DAYS days of the calibration span */
    double new_per_day;
    /* the customers fitted (T > 0), kept for the bootstrap */
    const cust_summary *fit_cs;
    /* the holdout by simulation (present/fit_forward.c) */
    double sim_holdout_mean, sim_holdout_lo, sim_holdout_hi;
    double sim_holdout_mc_se; /* Monte Carlo standard error of sim_holdout_mean */
    int sim_holdout_reps;     /* replications it was made of */
    int bootstrap_kept;       /* rows of param_draws.csv from converged bootstrap refits */
} fit_state;

/* New customers a day are measured over this many days before the as-of date. */
#define FIT_RECENT_DAYS 90

/* The recall list's counts, for summary.json and the summary printed. */
typedef struct recall_totals {
    int repeat_buyers, slipping, listed, gone;
    double slipping_value, listed_value, gone_value_then;
} recall_totals;

/* s as one CSV cell (quoted when it holds a comma, a quote or a line break). */
const char *fit_report_csv_quote(const char *s, char *buf, size_t cap);

/* Every output file into dir but the forward baseline's (present/fit_forward.h,
 * written first: summary.json quotes it) and summary.json; rt is filled.
 * It reads s's data and fits and writes only s->top20 and the holdout's
 * closed-form check (s->holdout_actual, _predicted, _error), so `retsim
 * fit` runs it alongside the holdout's simulation (fit_forward_holdout). */
int fit_report_write_files(const char *dir, fit_state *s, recall_totals *rt, diag *d);
/* summary.json into dir: after fit_report_write_files and the holdout's
 * simulation, whose figures it quotes. */
int fit_report_write_summary(const char *dir, fit_state *s, const recall_totals *rt, diag *d);
/* The summary on stdout; then (after the forward baseline's table,
 * present/fit_forward.h) the line naming outdir, where the folder was put. */
void fit_report_print(const fit_state *s, const recall_totals *rt);
void fit_report_print_wrote(const char *outdir);

/* --survivors: sbg.csv (the data and the fit, projected as many periods
 * again), sbg.png, summary.json and fitted.ini into outdir; path is the
 * file fitted, as written into them. */
int fit_report_write_survivors(const char *outdir, const char *path, const surv_table *t,
                               const sbg_fit *fits, diag *d);
void fit_report_print_survivors(const surv_table *t, const sbg_fit *fits, const char *outdir);

#endif
