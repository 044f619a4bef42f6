/* lang: the language a user reads retsim in, and the one catalogue of its
 * words.
 *
 * Every user-visible string is written in English in the code and looked
 * up through GNU gettext (libintl, part of glibc) in po/zh_CN.po, compiled
 * to retsim.mo.  The language is an argument, not the process locale: one
 * process may write report.html and report.zh.html, and a fresh Debian
 * machine has no zh_CN locale generated (docs/i18n.md says how the lookup
 * works without one). */
#ifndef RETSIM_LANG_H
#define RETSIM_LANG_H

typedef enum { LANG_EN = 0, LANG_ZH = 1 } lang_id;

/* The language of a code, "en" or "zh" (*out set, 0), or -1 for any other.
 * (The engine library's error path, sim/diag.c, writes through tr(): so
 * this knows nothing of diag; cli_parse_lang reports a bad --lang.) */
int lang_from_code(const char *code, lang_id *out);

/* The language's code, as --lang and lessons.ini's KEY_en / KEY_zh write it
 * ("en", "zh"), and its BCP 47 tag for an HTML page ("en", "zh-CN"). */
const char *lang_code(lang_id lang);
const char *lang_tag(lang_id lang);

/* The language when no --lang is given: the first of LANGUAGE, LC_ALL,
 * LC_MESSAGES and LANG that is set and not empty, LANG_ZH when it starts
 * with "zh", LANG_EN otherwise (so LANG=C.UTF-8 or none reads English). */
lang_id lang_default(void);

/* The process's UI language: the one error messages (diag_set) and warnings
 * on stderr are written in.  LANG_EN until set: main() sets it to
 * lang_default() before any command runs, and cli_parse_lang() to a
 * command's --lang. */
lang_id lang_ui(void);
void lang_set_ui(lang_id lang);

/* msgid (English) in language lang: msgid itself for LANG_EN, the catalogue's
 * translation for LANG_ZH (msgid when the catalogue has none or is not
 * found; the first miss of the catalogue is said once on stderr).  The
 * result is a static string: it lives as long as the process. */
const char *tr(lang_id lang, const char *msgid) __attribute__((format_arg(2)));
/* The same with a context, for an English word translated two ways
 * (msgctxt in the catalogue). */
const char *trc(lang_id lang, const char *context, const char *msgid) __attribute__((format_arg(3)));
/* The plural form for n: singular or plural in English, the catalogue's
 * form for n in the other language. */
const char *trn(lang_id lang, const char *singular, const char *plural, unsigned long n)
    __attribute__((format_arg(3)));

/* Marks a string for the catalogue where it is stored (a table), to be
 * looked up with tr() where it is shown; NC_ the same with a context, for
 * trc().  The xgettext keywords are in the Makefile (XGETTEXT_KEYWORDS). */
#define N_(msgid) (msgid)
#define NC_(context, msgid) (msgid)

/* A currency as the language names it: yuan, CNY, RMB and rmb are 元 in
 * Chinese; any other currency as the scenario writes it. */
const char *lang_currency(lang_id lang, const char *currency);

/* The directory holding zh_CN/LC_MESSAGES/retsim.mo that tr() uses, or NULL
 * when none was found (the places tried are in lang_catalogue_tried()). */
const char *lang_catalogue_dir(void);
const char *lang_catalogue_tried(void);

#endif
