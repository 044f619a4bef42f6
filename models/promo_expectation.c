/* SKELETON, to be written: Expectation management: the promise trades conversion for satisfaction. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct expectation_management_params {
    double unused;
} expectation_management_params;

static const scen_key expectation_management_keys[] = { { 0 } };

const scen_section promo_section_expectation_management = {
    "expectation_management", "Expectation management: the promise trades conversion for satisfaction.", sizeof(expectation_management_params), 1, expectation_management_keys, NULL
};

static void *expectation_management_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(expectation_management_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void expectation_management_release(void *p)
{
    free(p);
}

const promo_type promo_expectation_management = {
    "expectation_management", "Expectation management: the promise trades conversion for satisfaction", &promo_section_expectation_management, 0, expectation_management_prepare, expectation_management_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
