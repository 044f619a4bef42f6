/* figures: every picture retsim draws, defined once, in English or Chinese,
 * as PNG (for people) or SVG (for the HTML report).  The writers of run,
 * compare, sweep and sensitivity and the report all draw through here, so a
 * plot's title, axes, units and legend cannot differ between them. */
#ifndef RETSIM_FIGURES_H
#define RETSIM_FIGURES_H

#include "../plots/plot.h"
#include "../sim/diag.h"
#include "../sim/lang.h"

/* Draws one figure in the format and language given (the band's key entry
 * included); a missing gnuplot is a warning, once per run, not an error: the
 * CSV files and the .gp scripts are still there. */
int figures_render(const char *dir, plot_spec *spec, plot_format fmt, lang_id lang, diag *d);

/* PNG pictures drawn in the background, at most jobs gnuplots at once
 * (plots/plot.h; 0: each waited for, the default); SVG ones are always
 * waited for.  Whatever drew in the background must figures_wait before its
 * folder is put in place (cli/outdir.c does) or figures_discard when
 * abandoning it. */
void figures_background(int jobs);
/* gnuplots still drawing */
int figures_pending(void);
/* Waits for them and puts their pictures in place; DIAG_RUNTIME naming the
 * first failure. */
int figures_wait(diag *d);
void figures_discard(void);

/* Every figure reads its CSV files back by column name, never by position
 * (present/csvcols.h).  Points s at dir/file (s->csv = file, which must
 * outlive s; legend and panel untouched): x and y the columns so named,
 * low and high the band's (both NULL: no band).  Returns 0, or DIAG_RUNTIME
 * with d naming the file and the missing column. */
int figures_series(const char *dir, const char *file, const char *x, const char *y,
                   const char *low, const char *high, plot_series *s, diag *d);
/* The same for a curve written as STEM_mean, STEM_sd, STEM_ci_low and
 * STEM_ci_high (run outputs): its mean and its 95 % band. */
int figures_band(const char *dir, const char *file, const char *x, const char *stem,
                 plot_series *s, diag *d);

/* retention, profit, customers, cohorts from a run's CSV files in dir;
 * lost_after: the scenario's [lifecycle] lost_after in days, named in the
 * observed curve's legend (0 when unknown: the legend then names no number). */
int figures_run(const char *dir, const char *name, const char *currency, int lost_after,
                lang_id lang, plot_format fmt, diag *d);
/* Overlays of n scenarios whose run outputs are in dir/subdirs[k]; and, for
 * paired runs, profit_difference from dir/diff.csv. */
int figures_compare(const char *dir, const char *const *names, const char subdirs[][160], int n,
                    int paired, const char *currency, lang_id lang, plot_format fmt, diag *d);
/* sweep and sweep_retention from dir/sweep.csv (retention: the metric_id
 * of the retention metric to plot, at retention_days; MET_COUNT: no
 * retention plot, when the horizon supports no retention age). */
int figures_sweep(const char *dir, const char *name, const char *key, int retention,
                  int retention_days, const char *currency, lang_id lang, plot_format fmt,
                  diag *d);
/* tornado from dir/tornado.csv */
int figures_tornado(const char *dir, const char *name, double delta, const char *currency,
                    lang_id lang, plot_format fmt, diag *d);

#endif
