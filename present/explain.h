/* explain: the causal chain of a scenario in plain language, with the
 * scenario's own numbers, computed by the model's own code. */
#ifndef RETSIM_EXPLAIN_H
#define RETSIM_EXPLAIN_H

#include <stdio.h>

#include "../sim/diag.h"
#include "../sim/engine.h"
#include "figures.h"
#include "../sim/scenario.h"

/* Writes the explanation as text (html = 0) or as an HTML fragment
 * (html = 1, for the report). */
int explain_write(FILE *f, const scenario *sc, const engine *e, lang_id lang, int html, diag *d);

/* Writes text wrapped to 80 columns, as explain_write does: breaks at spaces
 * or between Chinese characters; continuation lines keep the indent (and
 * hang under "1. " or "- "). */
void explain_wrap(FILE *f, const char *text);

#endif
