#include "batch.h"
#include "calibration.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "lang.h"
#include "model.h"

int batch_add(batch *b, const char *path, const char *const *sets, int nsets, const char *extra,
              diag *d)
{
    if (b->n == BATCH_MAX)
        return diag_set(d, DIAG_USAGE, "at most %d scenarios at once", BATCH_MAX);
    const char *all[SCEN_MAX_SETS + 1];
    for (int i = 0; i < nsets; i++)
        all[i] = sets[i];
    if (extra)
        all[nsets++] = extra;
    scenario *sc;
    engine *e = engine_load(path, all, nsets, &sc, d);
    if (!e)
        return d->status;
    b->sc[b->n] = sc;
    b->e[b->n] = e;
    b->n++;
    return 0;
}

void batch_free(batch *b)
{
    for (int i = 0; i < b->n; i++) {
        engine_free(b->e[i]);
        scen_free(b->sc[i]);
    }
    b->n = 0;
}

void batch_advise(const batch *b, FILE *f)
{
    for (int i = 0; i < b->n; i++) {
        const void *params;
        const model_type *m = engine_model(b->e[i], &params);
        char msg[1024];
        if (m->advise && m->advise(params, msg, sizeof msg))
            fprintf(f, tr(lang_ui(), "retsim: warning: %s: %s\n"), b->sc[i]->path, msg);
        batch_note(b, i, f);
    }
}

void batch_note(const batch *b, int i, FILE *f)
{
    char note[1024];
    if (i < b->n && calibration_note(b->sc[i], note, sizeof note))
        fprintf(f, tr(lang_ui(), "retsim: note: %s: %s\n"), b->sc[i]->path, note);
}

void batch_safe_name(const char *name, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; name[i] && j + 1 < cap; i++) {
        unsigned char ch = (unsigned char)name[i];
        out[j++] = (isalnum(ch) || ch == '-' || ch == '_') ? (char)ch : '_';
    }
    out[j] = '\0';
}
