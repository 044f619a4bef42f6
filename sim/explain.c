/* SKELETON, to be written. */
#include "explain.h"

int explain_write(FILE *f, const scenario *sc, const engine *e, lang_id lang, int html, diag *d)
{
    (void)f;
    (void)e;
    (void)lang;
    (void)html;
    return diag_set(d, DIAG_RUNTIME, "%s: explanation not written yet", sc->path);
}
