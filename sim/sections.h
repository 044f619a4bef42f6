/* The engine's own scenario sections: the business around the customers
 * (horizon, channels, economics, lifecycle); recall and word of mouth
 * are modules like the promotions (models/recall.c, models/word_of_mouth.c).  The
 * customer's mind lives in models/. */
#ifndef RETSIM_SECTIONS_H
#define RETSIM_SECTIONS_H

#include "scenario.h"

typedef struct scenario_params {
    char name[SCEN_TEXT_MAX];
    char description[SCEN_TEXT_MAX];
    char currency[SCEN_TEXT_MAX];
    int horizon_days;
    char base[SCEN_TEXT_MAX];
} scenario_params;

enum { PATH_NEED_FIRST, PATH_TOUCH_FIRST, PATH_REFERRAL };

typedef struct channel_params {
    double prospects_per_day;
    double cost_per_prospect;
    int path;
    int funnel_steps;
    double step_conversion;
    int start_day, stop_day;
    double conversion;             /* derived: step_conversion ^ funnel_steps */
} channel_params;

typedef struct customer_params {
    int model;                     /* index into the model registry */
} customer_params;

typedef struct economics_params {
    double gross_margin;
    double discount_rate;          /* yearly */
    double cost_per_visit;
} economics_params;

typedef struct lifecycle_params {
    int silent_after;
    int dormant_after;
    int lost_after;
} lifecycle_params;

extern const scen_section section_scenario, section_channel, section_customer,
    section_economics, section_lifecycle;

/* NULL-terminated, in reference order. */
extern const scen_section *const engine_sections[];

#endif
