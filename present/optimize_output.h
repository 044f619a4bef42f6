/* optimize_output: what `retsim optimize` writes and prints, from the
 * search (every evaluated candidate) and the final paired comparison. */
#ifndef RETSIM_OPTIMIZE_OUTPUT_H
#define RETSIM_OPTIMIZE_OUTPUT_H

#include <stdio.h>

#include "../sim/diag.h"
#include "../sim/lang.h"
#include "../sim/optimize.h"
#include "../sim/scenario.h"

/* candidates.csv, top.csv, summary.json, the figure (optimize.png) and
 * scenario.ini (best: the scenario at the best terms) into dir. */
int optimize_write(const char *dir, const opt_problem *p, const opt_search *s,
                   const opt_final *f, const scenario *best, diag *d);

/* The verdict line, "best: KEY=V ...: profit +X [lo, hi] over doing nothing,
 * P(best) ..." or "tied: ...", into buf (also summary.json's verdict). */
void optimize_verdict(char *buf, size_t cap, const opt_problem *p, const opt_search *s,
                      const opt_final *f, const char *currency, lang_id lang);

/* The top candidates' table and the verdict, on f. */
void optimize_print(FILE *out, const opt_problem *p, const opt_search *s, const opt_final *f,
                    const char *currency, const char *outdir, lang_id lang);

#endif
