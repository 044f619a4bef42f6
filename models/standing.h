/* standing: the standing practices of a business that act on its customers
 * the way promotions do, as modules of the same kind (sim/promotion.h):
 * recall (models/recall.c) and word of mouth (models/word_of_mouth.c).
 * Their sections are declared here for the promotions that build on them
 * (a referral programme amplifies word of mouth) and for the tests. */
#ifndef RETSIM_STANDING_H
#define RETSIM_STANDING_H

#include "../sim/scenario.h"

typedef struct recall_params {
    int enabled;
    int day;
    double cost;
    double lift;
    int response_days;
    double pull_forward;
} recall_params;

typedef struct wom_params {
    int enabled;
    double promoter_threshold;
    double detractor_threshold;
    double referrals_per_promoter;
    double detractor_weight;
    int delay_days;
    char into_channel[SCEN_TEXT_MAX];
} wom_params;

extern const scen_section section_recall, section_wom;

#endif
