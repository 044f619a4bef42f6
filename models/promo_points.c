/* SKELETON, to be written: Points mall: points for spending, tiers, redemptions. */
#include <stddef.h>
#include <stdlib.h>

#include "promotion.h"

typedef struct points_mall_params {
    double unused;
} points_mall_params;

static const scen_key points_mall_keys[] = { { 0 } };

const scen_section promo_section_points_mall = {
    "points_mall", "Points mall: points for spending, tiers, redemptions.", sizeof(points_mall_params), 1, points_mall_keys, NULL
};

static void *points_mall_prepare(const scenario *sc, const promo_env *env, diag *d)
{
    (void)sc;
    (void)env;
    void *p = calloc(1, sizeof(points_mall_params));
    if (!p)
        diag_set(d, DIAG_RUNTIME, "out of memory");
    return p;
}

static void points_mall_release(void *p)
{
    free(p);
}

const promo_type promo_points_mall = {
    "points_mall", "Points mall: points for spending, tiers, redemptions", &promo_section_points_mall, 0, points_mall_prepare, points_mall_release,
    NULL, NULL, NULL, NULL, NULL, NULL
};
