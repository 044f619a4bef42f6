#include "pilot.h"

#include <stddef.h>

#include "lang.h"

#define NO_CHOICES NULL

static int check_pilot(void *params, const char *label, const scenario *sc, diag *d)
{
    (void)label;
    (void)sc;
    const pilot_params *p = params;
    if (p->start_day >= p->stop_day)
        return diag_set(d, DIAG_USAGE, "[pilot] start_day (%d) must be before stop_day (%d)",
                        p->start_day, p->stop_day);
    return 0;
}

static const scen_key pilot_keys[] = {
    { "share", KEY_REAL, offsetof(pilot_params, share), 0.5, 0, 1, 0, "share of customers", NO_CHOICES,
      N_("Share of customers (and prospects) drawn into the treatment group; the others are the control group.") },
    { "start_day", KEY_INT, offsetof(pilot_params, start_day), 0, 0, 3650, 0, "day", NO_CHOICES,
      N_("Day the promotions start for the treatment group; before it nobody is treated.") },
    { "stop_day", KEY_INT, offsetof(pilot_params, stop_day), 3650, 1, 3650, 0, "day", NO_CHOICES,
      N_("Day the promotions stop for the treatment group (exclusive); default: never.") },
    { 0 }
};

const scen_section section_pilot = {
    "pilot",
    N_("Try the scenario's promotions on a random share of customers from a start day (a pilot); recall and word of mouth still act on everyone. The same scenario without the promotion is the control world."),
    sizeof(pilot_params), 1, pilot_keys, check_pilot
};
