#include "lang.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The text domain: po/zh_CN.po compiles to LOCALEDIR/zh_CN/LC_MESSAGES/retsim.mo. */
#define RETSIM_DOMAIN "retsim"
/* The Makefile passes -DRETSIM_LOCALEDIR="$(PREFIX)/share/locale". */
#ifndef RETSIM_LOCALEDIR
#define RETSIM_LOCALEDIR "/usr/local/share/locale"
#endif

/* glibc's catalogue cache counter: the gettext manual asks a program that
 * changes LANGUAGE to increment it, so the next lookup looks again. */
extern int _nl_msg_cat_cntr;

static const char *const codes[] = { [LANG_EN] = "en", [LANG_ZH] = "zh" };
static const char *const tags[] = { [LANG_EN] = "en", [LANG_ZH] = "zh-CN" };

const char *lang_code(lang_id lang)
{
    return codes[lang == LANG_ZH ? LANG_ZH : LANG_EN];
}

const char *lang_tag(lang_id lang)
{
    return tags[lang == LANG_ZH ? LANG_ZH : LANG_EN];
}

int lang_from_code(const char *code, lang_id *out)
{
    for (int l = LANG_EN; l <= LANG_ZH; l++)
        if (!strcmp(code, codes[l])) {
            *out = (lang_id)l;
            return 0;
        }
    return -1;
}

lang_id lang_default(void)
{
    static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return !strncmp(v, "zh", 2) ? LANG_ZH : LANG_EN;
    }
    return LANG_EN;
}

static lang_id ui_lang = LANG_EN;

lang_id lang_ui(void)
{
    return ui_lang;
}

void lang_set_ui(lang_id lang)
{
    ui_lang = lang == LANG_ZH ? LANG_ZH : LANG_EN;
}

const char *lang_currency(lang_id lang, const char *currency)
{
    /* the names the catalogue knows (msgctxt "currency") */
    static const char *const known[] = { NC_("currency", "yuan"), NC_("currency", "CNY"),
                                         NC_("currency", "RMB"), NC_("currency", "rmb") };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(currency, known[i]))
            return trc(lang, "currency", known[i]);
    return currency;
}

/* ---- finding the catalogue ---- */

static int catalogue_looked;
static char catalogue_dir[PATH_MAX];
static char catalogue_tried[4 * PATH_MAX + 16];

/* dir holds zh_CN/LC_MESSAGES/retsim.mo: kept.  Either way dir is noted. */
static int try_dir(const char *dir)
{
    char path[PATH_MAX + 64];
    size_t used = strlen(catalogue_tried);
    if (used < sizeof catalogue_tried)
        snprintf(catalogue_tried + used, sizeof catalogue_tried - used, "%s%s", used ? "; " : "", dir);
    if (snprintf(path, sizeof path, "%s/zh_CN/LC_MESSAGES/" RETSIM_DOMAIN ".mo", dir) >= (int)sizeof path
        || access(path, R_OK) != 0 || strlen(dir) >= sizeof catalogue_dir)
        return -1;
    strcpy(catalogue_dir, dir);
    return 0;
}

/* In this order: $RETSIM_LOCALEDIR alone when set; else build/locale next to
 * the executable (./retsim in its source tree) or one folder up
 * (tests/run_tests), ../share/locale next to it (an installed tree, staged
 * with DESTDIR or moved), and the compiled-in $(PREFIX)/share/locale. */
static void find_catalogue(void)
{
    catalogue_looked = 1;
    const char *env = getenv("RETSIM_LOCALEDIR");
    if (env && *env) {
        try_dir(env);
        return;
    }
    char exe[PATH_MAX], dir[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        static const char *const rel[] = { "build/locale", "../build/locale", "../share/locale" };
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            snprintf(dir, sizeof dir, "%s/%s", exe, rel[i]);
            if (try_dir(dir) == 0)
                return;
        }
    }
    try_dir(RETSIM_LOCALEDIR);
}

const char *lang_catalogue_dir(void)
{
    if (!catalogue_looked)
        find_catalogue();
    return catalogue_dir[0] ? catalogue_dir : NULL;
}

const char *lang_catalogue_tried(void)
{
    if (!catalogue_looked)
        find_catalogue();
    return catalogue_tried;
}

/* ---- the lookup ---- */

/* Looks key up in the Chinese catalogue (plural: dngettext for n), NULL when
 * it has no translation.  glibc picks the catalogue from LANGUAGE, which it
 * ignores under the "C" locale, and retsim never sets a locale (numbers stay
 * "0.5" everywhere); a zh_CN locale need not exist.  So, for the lookup
 * only: LC_MESSAGES is C.UTF-8 (always present on Debian), LANGUAGE is
 * zh_CN, and both are put back afterwards, so the user's environment (seen
 * by gnuplot, by strerror) is unchanged.  The codeset is bound to UTF-8:
 * otherwise gettext would convert to the "C" locale's ASCII. */
static const char *lookup_zh(const char *key, const char *plural, unsigned long n)
{
    const char *out = NULL;
#pragma omp critical(retsim_tr)
    {
        static int bound;
        if (!catalogue_looked)
            find_catalogue();
        if (!catalogue_dir[0]) {
            static int said;
            if (!said)
                fprintf(stderr, "retsim: the Chinese catalogue (zh_CN/LC_MESSAGES/" RETSIM_DOMAIN
                        ".mo) is not in %s; writing English (run make, or set RETSIM_LOCALEDIR)\n",
                        catalogue_tried);
            said = 1;
        } else {
            if (!bound) {
                bindtextdomain(RETSIM_DOMAIN, catalogue_dir);
                bind_textdomain_codeset(RETSIM_DOMAIN, "UTF-8");
                bound = 1;
            }
            const char *old_language = getenv("LANGUAGE");
            char *saved_language = old_language ? strdup(old_language) : NULL;
            const char *old_locale = setlocale(LC_MESSAGES, NULL);
            char *saved_locale = old_locale ? strdup(old_locale) : NULL;
            setenv("LANGUAGE", "zh_CN", 1);
            if (!setlocale(LC_MESSAGES, "C.UTF-8"))
                setlocale(LC_MESSAGES, "C.utf8");
            ++_nl_msg_cat_cntr;
            const char *t = plural ? dngettext(RETSIM_DOMAIN, key, plural, n) : dgettext(RETSIM_DOMAIN, key);
            if (t != key && t != plural)
                out = t;
            if (saved_language)
                setenv("LANGUAGE", saved_language, 1);
            else
                unsetenv("LANGUAGE");
            setlocale(LC_MESSAGES, saved_locale ? saved_locale : "C");
            ++_nl_msg_cat_cntr;
            free(saved_language);
            free(saved_locale);
        }
    }
    return out;
}

const char *tr(lang_id lang, const char *msgid)
{
    if (lang == LANG_EN || !*msgid) /* "" is the catalogue's header */
        return msgid;
    const char *t = lookup_zh(msgid, NULL, 0);
    return t ? t : msgid;
}

const char *trc(lang_id lang, const char *context, const char *msgid)
{
    if (lang == LANG_EN)
        return msgid;
    /* what pgettext does: the key is context EOT msgid */
    char key[1024];
    if (snprintf(key, sizeof key, "%s\004%s", context, msgid) >= (int)sizeof key)
        return msgid;
    const char *t = lookup_zh(key, NULL, 0);
    return t ? t : msgid;
}

const char *trn(lang_id lang, const char *singular, const char *plural, unsigned long n)
{
    if (lang == LANG_EN)
        return n == 1 ? singular : plural;
    const char *t = lookup_zh(singular, plural, n);
    return t ? t : n == 1 ? singular : plural;
}
