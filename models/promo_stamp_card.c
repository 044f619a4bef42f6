/* SKELETON, to be written: Stamp card: N purchases within W days earn a coupon. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct stamp_card_params {
    double unused;
} stamp_card_params;

static const scen_key stamp_card_keys[] = { { 0 } };

const scen_section promo_section_stamp_card = {
    "stamp_card", "Stamp card: N purchases within W days earn a coupon.", sizeof(stamp_card_params), 1, stamp_card_keys, NULL
};

static void *stamp_card_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(stamp_card_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void stamp_card_release(void *p)
{
    free(p);
}

const promo_type promo_stamp_card = {
    "stamp_card", "Stamp card: N purchases within W days earn a coupon", &promo_section_stamp_card, 0, stamp_card_prepare, stamp_card_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
