/* uncertain: the distributions a scenario key may hold instead of a number
 * (issue 11, "Intervals that include the fit's uncertainty"), and the
 * [uncertainty] section that names a file of joint draws.
 *
 * The loader (scenario.c) parses a value with dist_parse; scen_draw draws
 * each distribution on its own keyed stream (rng.h) with dist_sample.  A
 * distribution is admitted on a key only when the values it can take lie
 * inside the key's range, so a drawn scenario passes the same range checks
 * as a written one. */
#ifndef RETSIM_UNCERTAIN_H
#define RETSIM_UNCERTAIN_H

#include <gsl/gsl_rng.h>

#include "diag.h"
#include "scenario.h"

typedef struct uncertainty_params {
    char draws[SCEN_TEXT_MAX];     /* CSV of joint draws, relative to the scenario's folder */
    int method;                    /* UNC_METHOD_*: only recorded and shown */
} uncertainty_params;

enum { UNC_METHOD_UNSTATED, UNC_METHOD_HESSIAN, UNC_METHOD_BOOTSTRAP };

extern const scen_section section_uncertainty;
extern const char *const uncertainty_method_names[];

/* Parses value as a distribution for key k.  Returns -1 when value does not
 * look like one (no '(' and no ".."), leaving the message to the caller; 0
 * with *out filled; or DIAG_USAGE with d set ("WHERE KEY = 'VALUE': what was
 * expected; a suggestion"). */
int dist_parse(const scen_key *k, const char *value, const char *where, scen_dist *out, diag *d);

/* The distribution's mean: the key's point value. */
double dist_mean(const scen_dist *dist);
/* Its variance. */
double dist_variance(const scen_dist *dist);
/* The p-quantile (0 < p < 1) of the distribution, held inside [dist->lo,
 * dist->hi] and k's range as a draw is (k may be NULL): what sensitivity
 * runs a key at (its 5 % and 95 % quantiles); NAN for a p outside (0, 1). */
double dist_quantile(const scen_dist *dist, const scen_key *k, double p);
/* One draw, from r, held inside [dist->lo, dist->hi] and the key's range. */
double dist_sample(const scen_dist *dist, const scen_key *k, gsl_rng *r);

/* FNV-1a (64 bits) of text: the stream key of "section.label.key". */
uint64_t dist_hash(const char *text);

#endif
