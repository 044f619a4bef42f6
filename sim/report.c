/* SKELETON, to be written. */
#include "report.h"

int report_write(const char *dir, lang_id lang, diag *d)
{
    (void)lang;
    return diag_set(d, DIAG_RUNTIME, "%s: report not written yet", dir);
}
