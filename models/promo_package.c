/* SKELETON, to be written: Package or contract binding future consumption. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct package_params {
    double unused;
} package_params;

static const scen_key package_keys[] = { { 0 } };

const scen_section promo_section_package = {
    "package", "Package or contract binding future consumption.", sizeof(package_params), 1, package_keys, NULL
};

static void *package_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(package_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void package_release(void *p)
{
    free(p);
}

const promo_type promo_package = {
    "package", "Package or contract binding future consumption", &promo_section_package, 0, package_prepare, package_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
