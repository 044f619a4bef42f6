/* fit_forward: the part of `retsim fit` that turns the fits into a decision
 * tool (issue 11): every purchase model of fit/purchase_fit.h compared,
 * one chosen (by holdout error, else BIC, or --model), and the forward
 * baseline written: customers_base.csv (every customer as they stand on the
 * as-of date) and fitted.ini, which starts there ([base], sim/basefile.h);
 * param_draws.csv, the parameters' sampling distribution for the forward
 * run; and, with a holdout, the standard BTYD check by simulation of that
 * very baseline (holdout_by_frequency.csv/.png). */
#ifndef RETSIM_FIT_FORWARD_H
#define RETSIM_FIT_FORWARD_H

#include "../sim/diag.h"
#include "fit_report.h"

/* Fits every purchase model to fit_cs[0..n), fills s->fits, their BIC and
 * holdout error, and chooses one (o->model, else the smallest holdout
 * error, else the smallest BIC, among those that converged); fits
 * Gamma-Gamma (s->gg) alongside.  Returns 0, DIAG_USAGE for an unknown
 * --model, DIAG_RUNTIME when none converged; else Gamma-Gamma's failure. */
int fit_forward_models(fit_state *s, const cust_summary *fit_cs, int n, diag *d);

/* customers_base.csv, fitted.ini, models.csv and param_draws.csv into dir. */
int fit_forward_write(const char *dir, fit_state *s, diag *d);

/* dir/param_draws.csv: joint draws of c's parameters and Gamma-Gamma's g
 * from their sampling distributions (log-normal, the fits' cov_log). */
int fit_forward_param_draws(const char *dir, const purchase_fit *c, const gg_fit *g, diag *d);

/* With a holdout: runs dir/fitted.ini (which starts at the calibration's
 * end and lasts the holdout) and writes holdout_by_frequency.csv/.png:
 * repeat purchases in the holdout per customer, by number of calibration
 * repeat purchases, actual against the simulation with its 95 % band.
 * alongside (may be NULL) is run meanwhile, or alone without a holdout. */
/* Work done by one thread while the others simulate the holdout (issue 14):
 * run(ctx, d), its status returned by fit_forward_holdout unless the
 * simulation failed first.  It may read but not change what the
 * simulation reads (s's data, fits and options); it may write files and
 * draw plots: the simulation writes its own only after both are done. */
typedef struct fit_side_job {
    int (*run)(void *ctx, diag *d);
    void *ctx;
} fit_side_job;

int fit_forward_holdout(const char *dir, fit_state *s, const fit_side_job *alongside, diag *d);

/* A compressed table of discrete opportunities (fit/bgbb.h: frequency,
 * recency, periods, count), fitted by BG/BB: its forward baseline
 * (customers_base.csv, one row per customer of the table; fitted.ini;
 * models.csv; param_draws.csv; summary.json) into dir.  as_of is the day
 * (since 1970-01-01) the table's customers stand on. */
struct bgbb_row;
struct bgbb_fit;
int fit_forward_write_bgbb(const char *dir, const fit_opts *o, const struct bgbb_row *rows, int nrows,
                           const struct bgbb_fit *f, long as_of, diag *d);
void fit_forward_print_bgbb(const fit_opts *o, const struct bgbb_fit *f, int nrows, const char *outdir);

/* The comparison table and the choice, on stdout. */
void fit_forward_print(const fit_state *s);

#endif
