/* calibration: the [calibration] section retsim calibrate writes into
 * calibrated.ini, so that every what-if run on a calibrated scenario says
 * which of its keys the data determined and which are still assumptions
 * (issue 13).  The engine ignores it; run, compare, sweep and sensitivity
 * print its note (sim/batch.h). */
#ifndef RETSIM_CALIBRATION_H
#define RETSIM_CALIBRATION_H

#include <stddef.h>

#include "scenario.h"

typedef struct calibration_params {
    char log[SCEN_TEXT_MAX];         /* the transaction log it was calibrated to */
    char estimated[SCEN_TEXT_MAX];   /* keys the data determined */
    char assumed[SCEN_TEXT_MAX];     /* keys left free that the data could not determine */
} calibration_params;

extern const scen_section section_calibration;

/* The note a run on sc prints (in the UI language), or 0 when sc has no
 * [calibration] section. */
int calibration_note(const scenario *sc, char *buf, size_t cap);

#endif
