/* pilot_sim: pilots with a known effect, simulated straight from the
 * models fit/pilot_model.c assumes (BG/NBD purchases and dropout,
 * Gamma-Gamma spend), for the recovery tests (tests/test_pilot_model.c)
 * and the coverage study (bench/pilot_coverage.c). */
#ifndef RETSIM_TEST_PILOT_SIM_H
#define RETSIM_TEST_PILOT_SIM_H

#include <stdint.h>

#include "../fit/pilot_model.h"

typedef struct pilot_sim_spec {
    int n;                         /* customers of the existing base */
    double r, alpha, a, b;         /* BG/NBD, weeks */
    double p, q, gamma;            /* Gamma-Gamma */
    double pre_weeks;              /* first purchases uniform over this span before the start */
    double post_weeks;             /* the pilot's length */
    double rate_ratio, dropout_ratio, spend_ratio;   /* the treated's, from the start */
} pilot_sim_spec;

/* n customers into c (allocated by the caller), half treated at random;
 * deterministic in seed. */
void pilot_sim(const pilot_sim_spec *s, uint64_t seed, pm_customer *c);

/* The same pilot as a transaction log CSV (customer,date,amount,group;
 * the start 2024-01-01 + pre_weeks rounded to days), for the command's
 * tests; dates to whole days.  0 on success. */
int pilot_sim_write_log(const pilot_sim_spec *s, uint64_t seed, const char *path, char *start,
                        size_t start_len);

#endif
