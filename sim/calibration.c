#include "calibration.h"

#include <stddef.h>
#include <stdio.h>

#include "lang.h"

#define NO_CHOICES NULL

static const scen_key calibration_keys[] = {
    { "log", KEY_TEXT, offsetof(calibration_params, log), 0, 0, 0, 0, "", NO_CHOICES,
      N_("The transaction log the scenario was calibrated to (retsim calibrate).") },
    { "estimated", KEY_TEXT, offsetof(calibration_params, estimated), 0, 0, 0, 0, "", NO_CHOICES,
      N_("Keys estimated from the log, comma-separated; their values carry the estimate's uncertainty.") },
    { "assumed", KEY_TEXT, offsetof(calibration_params, assumed), 0, 0, 0, 0, "", NO_CHOICES,
      N_("Keys the log could not determine, comma-separated: they keep the scenario's value, an assumption "
         "every run on this file reports.") },
    { 0 }
};

const scen_section section_calibration = {
    "calibration",
    N_("Written by retsim calibrate: what the scenario's keys were fitted to and which stay assumptions."),
    sizeof(calibration_params), 1, calibration_keys, NULL
};

int calibration_note(const scenario *sc, char *buf, size_t cap)
{
    if (!scen_present(sc, &section_calibration))
        return 0;
    const calibration_params *c = scen_get(sc, &section_calibration);
    lang_id l = lang_ui();
    size_t n = (size_t)snprintf(buf, cap, tr(l, "calibrated to %s; estimated from it: %s"),
                                c->log[0] ? c->log : "?", c->estimated[0] ? c->estimated : tr(l, "none"));
    if (c->assumed[0] && n < cap)
        snprintf(buf + n, cap - n, tr(l, "; NOT determined by the data, still assumptions: %s"), c->assumed);
    return 1;
}
