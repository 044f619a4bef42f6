#include "lang.h"

#include <string.h>

int lang_parse(const char *text, lang_id *out, diag *d)
{
    if (!strcmp(text, "en"))
        *out = LANG_EN;
    else if (!strcmp(text, "zh"))
        *out = LANG_ZH;
    else
        return diag_set(d, DIAG_USAGE, "--lang %s: supported languages are en and zh", text);
    return 0;
}
