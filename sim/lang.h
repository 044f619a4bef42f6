/* lang: the language a user reads retsim in.  The engine library only
 * carries the choice; the words themselves belong to the presentation
 * layer and the models' describe and explain hooks. */
#ifndef RETSIM_LANG_H
#define RETSIM_LANG_H

#include "diag.h"

typedef enum { LANG_EN = 0, LANG_ZH = 1 } lang_id;

/* "en" or "zh"; DIAG_USAGE naming the supported ones otherwise. */
int lang_parse(const char *text, lang_id *out, diag *d);

/* Picks the string of the language. */
#define L(lang, en, zh) ((lang) == LANG_ZH ? (zh) : (en))

#endif
