/* SKELETON, to be written: Prepaid bundle consumed on the premises over several visits. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct bundle_params {
    double unused;
} bundle_params;

static const scen_key bundle_keys[] = { { 0 } };

const scen_section promo_section_bundle = {
    "bundle", "Prepaid bundle consumed on the premises over several visits.", sizeof(bundle_params), 1, bundle_keys, NULL
};

static void *bundle_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(bundle_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void bundle_release(void *p)
{
    free(p);
}

const promo_type promo_bundle = {
    "bundle", "Prepaid bundle consumed on the premises over several visits", &promo_section_bundle, 0, bundle_prepare, bundle_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
