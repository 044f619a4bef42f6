/* SKELETON, to be written: Vouchers given on registration for later visits. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct welcome_vouchers_params {
    double unused;
} welcome_vouchers_params;

static const scen_key welcome_vouchers_keys[] = { { 0 } };

const scen_section promo_section_welcome_vouchers = {
    "welcome_vouchers", "Vouchers given on registration for later visits.", sizeof(welcome_vouchers_params), 1, welcome_vouchers_keys, NULL
};

static void *welcome_vouchers_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(welcome_vouchers_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void welcome_vouchers_release(void *p)
{
    free(p);
}

const promo_type promo_welcome_vouchers = {
    "welcome_vouchers", "Vouchers given on registration for later visits", &promo_section_welcome_vouchers, 0, welcome_vouchers_prepare, welcome_vouchers_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
