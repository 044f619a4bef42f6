/* The lessons of `retsim lesson` (cli/cmd_lesson.c parses the options and
 * finds lessons.ini): reading a [lesson.N] section, asking its question,
 * running the comparison exactly as `retsim compare` does (paired, the same
 * batch, runner, compare table and writers), judging the answer by what
 * the simulation measured (not by a key written in advance: when the two
 * disagree the lesson says so), checking the lesson's `claims`, then
 * printing the takeaway, the causal chain of the variant (explain) and the
 * plots. */
#include "lesson.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/batch.h"
#include "../sim/text.h"
#include "compare.h"
#include "explain.h"
#include "figures.h"
#include "output.h"
#include "../sim/metrics.h"
#include "../sim/runner.h"
#include "../sim/lang.h"

#define LESSON_MAX_CHOICES 8
#define LESSON_MAX_SCEN 8
#define LESSON_MAX_METRICS 4
#define LESSON_MAX_SHOW 12
#define LESSON_MAX_PARAGRAPHS 4
#define LESSON_MAX_CLAIMS 16

typedef enum { JUDGE_RANGE, JUDGE_SIGN, JUDGE_PATTERN, JUDGE_BEST, JUDGE_WORST, JUDGE_KEY } judge_kind;

static const char *const judge_names[] = { "range", "sign", "pattern", "best", "worst", "key", NULL };

/* What a lesson's title and texts say the simulation shows, checked
 * against every run so a text can never teach the opposite of what was
 * measured: scenario k's metric goes up, down or stays the same (the
 * compare verdict), or its relative change lies in [low, high), or its
 * mean is above or below another scenario's. */
typedef struct lesson_claim {
    int scenario, metric;
    int is_range;
    int other;            /* >= 0: an ordering, scenario's mean above (sign 1) or below (-1) other's */
    int sign;
    compare_verdict_id verdict;
    double low, high;
    char text[96];        /* as written, for the message */
} lesson_claim;

struct lesson {
    int number;
    char dir[4096];
    const char *title, *story, *question, *takeaway[LESSON_MAX_PARAGRAPHS];
    int ntakeaway;
    char choice[LESSON_MAX_CHOICES][512];
    char letter[LESSON_MAX_CHOICES];
    int nchoices;
    char outcome[LESSON_MAX_CHOICES][160];
    char files[LESSON_MAX_SCEN][4200];
    int nfiles;
    int metric[LESSON_MAX_METRICS], nmetric;
    int show[LESSON_MAX_SHOW], nshow;
    judge_kind judge;
    int variant;          /* range and sign: the variant judged */
    int explain[LESSON_MAX_SCEN]; /* the scenarios explained */
    int nexplain;
    double material;      /* the lesson's --material; 0 = metric_table's */
    lesson_claim claim[LESSON_MAX_CLAIMS];
    int nclaims;
    char key;
};

/* One lesson's run, from the question to the printed result. */
struct lesson_session {
    const lesson *ls;
    run_opts ro;
    batch *b;
    compare_table *t;
    char (*subdirs)[160]; /* each scenario's run folder, under the output folder */
    run_result *res;
    int answer;           /* the choice answered, -1 for none */
};

/* ---- words a trainee reads ---- */

static const char *currency_word(const char *currency, lang_id lang)
{
    return lang_currency(lang, currency);
}

static void format_value(char *buf, size_t cap, int m, double x, const char *currency,
                         lang_id lang)
{
    const char *unit = metric_table[m].unit;
    if (isnan(x))
        snprintf(buf, cap, "n/a");
    else if (!strcmp(unit, "share"))
        snprintf(buf, cap, tr(lang, "%.1f %%"), 100 * x);
    else if (!strcmp(unit, "currency"))
        snprintf(buf, cap, "%.0f %s", x, currency);
    else
        snprintf(buf, cap, fabs(x) >= 100 ? "%.0f" : "%.1f", x);
}

/* ---- reading lessons.ini ---- */

lesson *lesson_new(void)
{
    return calloc(1, sizeof(lesson));
}

void lesson_free(lesson *ls)
{
    free(ls);
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The lesson numbers in the file, sorted; returns how many. */
int lesson_numbers(dictionary *ini, int *out, int max)
{
    int n = 0;
    for (int i = 0; i < iniparser_getnsec(ini); i++) {
        const char *name = iniparser_getsecname(ini, i);
        char *end;
        if (!name || strncmp(name, "lesson.", 7))
            continue;
        long v = strtol(name + 7, &end, 10);
        if (*end || end == name + 7 || v < 1 || v > 1000000 || n == max)
            continue;
        out[n++] = (int)v;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static const char *get(dictionary *ini, int number, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "lesson.%d:%s", number, key);
    const char *v = iniparser_getstring(ini, k, NULL);
    return v && *v ? v : NULL;
}

/* key_zh, falling back to key_en */
static const char *get_text(dictionary *ini, int number, const char *key, lang_id lang)
{
    char k[96];
    snprintf(k, sizeof k, "%s_%s", key, lang_code(lang));
    const char *v = get(ini, number, k);
    if (!v && lang == LANG_ZH) {
        snprintf(k, sizeof k, "%s_en", key);
        v = get(ini, number, k);
    }
    return v;
}

/* Splits text at sep into at most max trimmed parts of cap bytes. */
static int split(const char *text, char sep, char parts[][512], int max)
{
    int n = 0;
    const char *p = text;
    while (n < max) {
        const char *q = strchr(p, sep);
        size_t len = q ? (size_t)(q - p) : strlen(p);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), p);
        snprintf(parts[n], 512, "%s", text_trim(buf));
        if (*parts[n])
            n++;
        if (!q)
            break;
        p = q + 1;
    }
    return n;
}

static int metric_list(const char *text, int *out, int max, const char *where, diag *d)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *tok = strtok(buf, " \t,"); tok; tok = strtok(NULL, " \t,")) {
        if (n == max) {
            diag_set(d, DIAG_USAGE, "%s: at most %d metrics", where, max);
            return -1;
        }
        diag md = { 0 };
        int m = metric_index(tok, &md);
        if (m < 0) {
            diag_set(d, DIAG_USAGE, "%s: %s", where, md.msg);
            return -1;
        }
        out[n++] = m;
    }
    return n;
}

/* claims = METRIC[@K]:WORD ..., WORD up, down, same, LOW..HIGH (percent)
 * or above@J / below@J. */
static int read_claims(const char *text, lesson *ls, const char *where, diag *d)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok(buf, " \t,"); tok; tok = strtok(NULL, " \t,")) {
        if (ls->nclaims == LESSON_MAX_CLAIMS)
            return diag_set(d, DIAG_USAGE, "%s: at most %d claims", where, LESSON_MAX_CLAIMS);
        lesson_claim *c = &ls->claim[ls->nclaims];
        memset(c, 0, sizeof *c);
        snprintf(c->text, sizeof c->text, "%s", tok);
        char *colon = strchr(tok, ':');
        if (!colon)
            return diag_set(d, DIAG_USAGE, "%s: claim '%s': expected METRIC:up, METRIC@K:down, "
                                           "METRIC:same or METRIC:LOW..HIGH", where, c->text);
        *colon = '\0';
        const char *word = colon + 1;
        char *at = strchr(tok, '@');
        c->scenario = ls->variant;
        c->other = -1;
        if (at) {
            *at = '\0';
            char *end;
            long k = strtol(at + 1, &end, 10);
            if (*end || end == at + 1 || k < 1 || k >= ls->nfiles)
                return diag_set(d, DIAG_USAGE, "%s: claim '%s': @K must be a variant, 1 to %d", where,
                                c->text, ls->nfiles - 1);
            c->scenario = (int)k;
        }
        diag md = { 0 };
        if ((c->metric = metric_index(tok, &md)) < 0)
            return diag_set(d, DIAG_USAGE, "%s: claim '%s': %s", where, c->text, md.msg);
        const char *dots = strstr(word, "..");
        if (!strcmp(word, "up"))
            c->verdict = VERDICT_UP;
        else if (!strcmp(word, "down"))
            c->verdict = VERDICT_DOWN;
        else if (!strcmp(word, "same"))
            c->verdict = VERDICT_NONE;
        else if (!strncmp(word, "above@", 6) || !strncmp(word, "below@", 6)) {
            char *end;
            long j = strtol(word + 6, &end, 10);
            if (*end || !word[6] || j < 0 || j >= ls->nfiles || j == c->scenario)
                return diag_set(d, DIAG_USAGE, "%s: claim '%s': above@J and below@J need another "
                                               "scenario J, 0 (the base) to %d", where, c->text,
                                ls->nfiles - 1);
            c->other = (int)j;
            c->sign = word[0] == 'a' ? 1 : -1;
        } else if (dots) {
            char lo[64], *end;
            snprintf(lo, sizeof lo, "%.*s", (int)(dots - word < 63 ? dots - word : 63), word);
            c->low = strtod(lo, &end) / 100;
            int bad = !*lo || *end;
            c->high = strtod(dots + 2, &end) / 100;
            bad |= !dots[2] || *end || !(c->low < c->high);
            if (bad)
                return diag_set(d, DIAG_USAGE, "%s: claim '%s': a range is LOW..HIGH in percent of "
                                               "the base, LOW below HIGH (e.g. 0..20, -inf..10)",
                                where, c->text);
            c->is_range = 1;
        } else {
            return diag_set(d, DIAG_USAGE, "%s: claim '%s': expected up, down, same, LOW..HIGH, "
                                           "above@J or below@J after the colon", where, c->text);
        }
        ls->nclaims++;
    }
    if (ls->nclaims == 0)
        return diag_set(d, DIAG_USAGE, "%s: claims names no claim", where);
    return 0;
}

int lesson_read(dictionary *ini, const char *dir, int number, lang_id lang, lesson *ls,
                       diag *d)
{
    char where[4300];
    snprintf(where, sizeof where, "%s/%s [lesson.%d]", dir, LESSON_FILE, number);
    memset(ls, 0, sizeof *ls);
    ls->number = number;
    snprintf(ls->dir, sizeof ls->dir, "%s", dir);
    ls->title = get_text(ini, number, "title", lang);
    ls->story = get_text(ini, number, "story", lang);
    ls->question = get_text(ini, number, "question", lang);
    const char *choices = get_text(ini, number, "choices", lang);
    if (!ls->title || !ls->question || !choices)
        return diag_set(d, DIAG_USAGE, "%s: title_en, question_en and choices_en are required", where);
    for (int i = 0; i < LESSON_MAX_PARAGRAPHS; i++) {
        char key[32];
        if (i == 0)
            snprintf(key, sizeof key, "takeaway");
        else
            snprintf(key, sizeof key, "takeaway_%s_%d", lang_code(lang), i + 1);
        const char *t = i == 0 ? get_text(ini, number, key, lang) : get(ini, number, key);
        if (!t && i > 0 && lang == LANG_ZH) {
            snprintf(key, sizeof key, "takeaway_en_%d", i + 1);
            t = get(ini, number, key);
        }
        if (t)
            ls->takeaway[ls->ntakeaway++] = t;
    }
    ls->nchoices = split(choices, '|', ls->choice, LESSON_MAX_CHOICES);
    if (ls->nchoices < 2)
        return diag_set(d, DIAG_USAGE, "%s: choices need at least two, separated by '|'", where);
    for (int i = 0; i < ls->nchoices; i++) {
        ls->letter[i] = (char)tolower((unsigned char)ls->choice[i][0]);
        if (!isalnum((unsigned char)ls->letter[i]))
            return diag_set(d, DIAG_USAGE, "%s: choice '%s' must open with its letter, e.g. 'a) ...'",
                            where, ls->choice[i]);
        for (int j = 0; j < i; j++)
            if (ls->letter[j] == ls->letter[i])
                return diag_set(d, DIAG_USAGE, "%s: two choices open with '%c'", where,
                                ls->letter[i]);
    }
    /* the scenarios */
    const char *base = get(ini, number, "base");
    const char *variants = get(ini, number, "variants");
    if (!base || !variants)
        return diag_set(d, DIAG_USAGE, "%s: base and variants are required", where);
    snprintf(ls->files[ls->nfiles++], sizeof ls->files[0], "%s/%s", dir, base);
    char vbuf[1024];
    snprintf(vbuf, sizeof vbuf, "%s", variants);
    for (char *tok = strtok(vbuf, " \t,"); tok; tok = strtok(NULL, " \t,")) {
        if (ls->nfiles == LESSON_MAX_SCEN)
            return diag_set(d, DIAG_USAGE, "%s: at most %d variants", where, LESSON_MAX_SCEN - 1);
        snprintf(ls->files[ls->nfiles++], sizeof ls->files[0], "%s/%s", dir, tok);
    }
    if (ls->nfiles < 2)
        return diag_set(d, DIAG_USAGE, "%s: variants names no scenario", where);
    /* what answers the question */
    const char *metric = get(ini, number, "metric");
    if (!metric)
        return diag_set(d, DIAG_USAGE, "%s: metric is required", where);
    if ((ls->nmetric = metric_list(metric, ls->metric, LESSON_MAX_METRICS, where, d)) < 0)
        return d->status;
    const char *show = get(ini, number, "show");
    if (show && (ls->nshow = metric_list(show, ls->show, LESSON_MAX_SHOW, where, d)) < 0)
        return d->status;
    const char *judge = get(ini, number, "judge");
    ls->judge = JUDGE_KEY;
    if (judge) {
        int found = -1;
        for (int i = 0; judge_names[i]; i++)
            if (!strcmp(judge, judge_names[i]))
                found = i;
        if (found < 0)
            return diag_set(d, DIAG_USAGE, "%s: judge = %s: expected range, sign, pattern, best, worst or key",
                            where, judge);
        ls->judge = (judge_kind)found;
    }
    const char *key = get(ini, number, "answer_key");
    if (key) {
        ls->key = (char)tolower((unsigned char)key[0]);
        if (!memchr(ls->letter, ls->key, (size_t)ls->nchoices))
            return diag_set(d, DIAG_USAGE, "%s: answer_key = %s is not one of the choices", where, key);
    } else if (ls->judge == JUDGE_KEY) {
        return diag_set(d, DIAG_USAGE, "%s: judge = key needs answer_key", where);
    }
    if (ls->judge != JUDGE_KEY) {
        const char *outcomes = get(ini, number, "outcomes");
        if (!outcomes)
            return diag_set(d, DIAG_USAGE, "%s: judge = %s needs outcomes, one per choice", where,
                            judge_names[ls->judge]);
        char parts[LESSON_MAX_CHOICES][512];
        int n = split(outcomes, '|', parts, LESSON_MAX_CHOICES);
        if (n != ls->nchoices)
            return diag_set(d, DIAG_USAGE, "%s: %d outcomes for %d choices", where, n, ls->nchoices);
        for (int i = 0; i < n; i++) {
            if (strlen(parts[i]) >= sizeof ls->outcome[i])
                return diag_set(d, DIAG_USAGE, "%s: outcome %d is longer than %zu characters", where,
                                i + 1, sizeof ls->outcome[i] - 1);
            memcpy(ls->outcome[i], parts[i], strlen(parts[i]) + 1);
        }
    }
    const char *v = get(ini, number, "variant");
    ls->variant = v ? atoi(v) : 1;
    if (ls->variant < 1 || ls->variant >= ls->nfiles)
        return diag_set(d, DIAG_USAGE, "%s: variant = %s: expected 1 to %d", where, v, ls->nfiles - 1);
    const char *ex = get(ini, number, "explain");
    if (!ex) {
        ls->explain[ls->nexplain++] = 1;
    } else {
        char ebuf[256];
        snprintf(ebuf, sizeof ebuf, "%s", ex);
        for (char *tok = strtok(ebuf, " \t,"); tok && ls->nexplain < LESSON_MAX_SCEN;
             tok = strtok(NULL, " \t,")) {
            char *end;
            long k = strtol(tok, &end, 10);
            if (*end || k < 0 || k >= ls->nfiles)
                return diag_set(d, DIAG_USAGE, "%s: explain = %s: expected scenario numbers 0 to %d",
                                where, ex, ls->nfiles - 1);
            ls->explain[ls->nexplain++] = (int)k;
        }
    }
    if (get(ini, number, "negligible"))
        return diag_set(d, DIAG_USAGE, "%s: negligible is gone: verdicts follow compare's materiality; "
                                       "set material = 2%% to change it", where);
    const char *material = get(ini, number, "material");
    if (material) {
        diag md = { 0 };
        if (compare_parse_material(material, &ls->material, &md))
            return diag_set(d, DIAG_USAGE, "%s: material = %s: %s", where, material, md.msg);
    }
    const char *claims = get(ini, number, "claims");
    if (!claims)
        return diag_set(d, DIAG_USAGE, "%s: claims is required: what the title and texts say the "
                                       "simulation shows, e.g. claims = profit:down", where);
    return read_claims(claims, ls, where, d);
}

/* ---- judging ---- */

/* up, down or same: compare's verdict (the one `retsim compare` prints
 * above the lesson's table), "same" for no material change. */
static const char *change_word(const compare_table *t, int k, int m)
{
    compare_verdict_id v = compare_verdict(t, k, m);
    return v == VERDICT_UP ? "up" : v == VERDICT_DOWN ? "down" : v == VERDICT_NONE ? "same" : "n/a";
}

/* The claims this run contradicts: writes them into why (one per line) and
 * returns how many. */
static int failed_claims(const lesson *ls, const compare_table *t, lang_id lang, char *why, size_t cap)
{
    int bad = 0;
    size_t used = 0;
    why[0] = '\0';
    for (int i = 0; i < ls->nclaims; i++) {
        const lesson_claim *c = &ls->claim[i];
        char measured[96];
        int ok;
        if (c->other >= 0) {
            double x = t->value[c->scenario][c->metric].mean, y = t->value[c->other][c->metric].mean;
            ok = c->sign > 0 ? x > y : x < y;
            snprintf(measured, sizeof measured, "%.6g against %.6g", x, y);
        } else if (c->is_range) {
            double rel, lo, hi;
            compare_relative(t, c->scenario, c->metric, &rel, &lo, &hi);
            ok = !isnan(rel) && rel >= c->low && rel < c->high;
            snprintf(measured, sizeof measured, isnan(rel) ? "n/a" : "%+.1f %%", 100 * rel);
        } else {
            compare_verdict_id v = compare_verdict(t, c->scenario, c->metric);
            ok = v == c->verdict;
            snprintf(measured, sizeof measured, "%s", compare_verdict_word(v, lang));
        }
        if (ok)
            continue;
        bad++;
        if (used < cap)
            used += (size_t)snprintf(why + used, cap - used,
                                     tr(lang, "  the text says %s; this run measured %s\n"),
                                     c->text, measured);
    }
    return bad;
}

/* The choice the measurement makes right, or -1; what describes it. */
static int measured_choice(const lesson *ls, const compare_table *t, char *what, size_t cap)
{
    int m = ls->metric[0];
    what[0] = '\0';
    switch (ls->judge) {
    case JUDGE_KEY:
        return (int)((const char *)memchr(ls->letter, ls->key, (size_t)ls->nchoices) - ls->letter);
    case JUDGE_RANGE: {
        double rel, lo, hi;
        compare_relative(t, ls->variant, m, &rel, &lo, &hi);
        snprintf(what, cap, "%+.1f %%", 100 * rel);
        for (int i = 0; i < ls->nchoices; i++) {
            double a, b;
            if (sscanf(ls->outcome[i], "%lf %lf", &a, &b) == 2 && rel >= a && rel < b)
                return i;
        }
        return -1;
    }
    case JUDGE_SIGN:
    case JUDGE_PATTERN: {
        int from = ls->judge == JUDGE_SIGN ? ls->variant : 1;
        int to = ls->judge == JUDGE_SIGN ? ls->variant : t->nscen - 1;
        int nm = ls->judge == JUDGE_SIGN ? 1 : ls->nmetric;
        size_t used = 0;
        for (int k = from; k <= to; k++)
            for (int j = 0; j < nm; j++)
                used += (size_t)snprintf(what + used, used < cap ? cap - used : 0, "%s%s",
                                         used ? " " : "", change_word(t, k, ls->metric[j]));
        for (int i = 0; i < ls->nchoices; i++) {
            /* compare word by word, whatever the spacing */
            char a[160], b[512];
            snprintf(a, sizeof a, "%s", ls->outcome[i]);
            snprintf(b, sizeof b, "%s", what);
            char *sa, *sb;
            char *x = strtok_r(a, " \t", &sa), *y = strtok_r(b, " \t", &sb);
            while (x && y && !strcmp(x, y)) {
                x = strtok_r(NULL, " \t", &sa);
                y = strtok_r(NULL, " \t", &sb);
            }
            if (!x && !y)
                return i;
        }
        return -1;
    }
    case JUDGE_BEST:
    case JUDGE_WORST: {
        int pick = 0;
        for (int k = 1; k < t->nscen; k++) {
            double x = t->value[k][m].mean, y = t->value[pick][m].mean;
            if (ls->judge == JUDGE_BEST ? x > y : x < y)
                pick = k;
        }
        snprintf(what, cap, "%d", pick);
        for (int i = 0; i < ls->nchoices; i++)
            if (atoi(ls->outcome[i]) == pick && isdigit((unsigned char)ls->outcome[i][0]))
                return i;
        return -1;
    }
    }
    return -1;
}

/* ---- printing ---- */

static void print_metric(const batch *b, const compare_table *t, int m,
                         const char *currency, lang_id lang)
{
    printf(tr(lang, "%s (%s):\n"), metric_plain(m, lang), metric_table[m].name);
    for (int k = 0; k < t->nscen; k++) {
        char value[64];
        format_value(value, sizeof value, m, t->value[k][m].mean, currency, lang);
        printf("  %-26s %14s", scen_name(b->sc[k]), value);
        if (k > 0) {
            const stat_summary *dd = &t->diff[k][m];
            double rel, lo, hi;
            compare_relative(t, k, m, &rel, &lo, &hi);
            if (!strcmp(metric_table[m].unit, "share"))
                printf(tr(lang, "  %+.1f pp [%+.1f, %+.1f]"),
                       100 * dd->mean, 100 * dd->ci_low, 100 * dd->ci_high);
            else if (!isnan(rel) && fabs(rel) <= 2)
                printf(tr(lang, "  %+.1f %% [%+.1f %%, %+.1f %%]"),
                       100 * rel, 100 * lo, 100 * hi);
            else if (!isnan(dd->mean)) {
                /* nothing in the base to be relative to (or a level near 0, such as
                 * satisfaction, where a relative change means little): the difference */
                char a[64], lo_s[64], hi_s[64];
                format_value(a, sizeof a, m, dd->mean, currency, lang);
                format_value(lo_s, sizeof lo_s, m, dd->ci_low, currency, lang);
                format_value(hi_s, sizeof hi_s, m, dd->ci_high, currency, lang);
                printf("  %s%s [%s, %s]", dd->mean >= 0 ? "+" : "", a, lo_s, hi_s);
            }
            printf("  %s", compare_verdict_word(compare_verdict(t, k, m), lang));
        }
        putchar('\n');
    }
}

static void print_lesson_head(const lesson *ls, lang_id lang)
{
    char buf[4096];
    snprintf(buf, sizeof buf, tr(lang, "Lesson %d: %s"), ls->number, ls->title);
    explain_wrap(stdout, buf);
    putchar('\n');
    if (ls->story) {
        explain_wrap(stdout, ls->story);
        putchar('\n');
    }
    snprintf(buf, sizeof buf, tr(lang, "Question: %s"), ls->question);
    explain_wrap(stdout, buf);
    putchar('\n');
    for (int i = 0; i < ls->nchoices; i++) {
        /* "  a) ..." hangs under its text */
        snprintf(buf, sizeof buf, "  %s", ls->choice[i]);
        explain_wrap(stdout, buf);
    }
    putchar('\n');
}

static int choice_index(const lesson *ls, char c)
{
    c = (char)tolower((unsigned char)c);
    for (int i = 0; i < ls->nchoices; i++)
        if (ls->letter[i] == c)
            return i;
    return -1;
}

static void letters_list(const lesson *ls, char *buf, size_t cap)
{
    size_t used = 0;
    for (int i = 0; i < ls->nchoices && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%c", i ? ", " : "", ls->letter[i]);
}

/* --answer, or a line typed at a terminal; -1 for no answer. */
static int ask(const lesson *ls, const char *given, lang_id lang, diag *d, int *status)
{
    char letters[64];
    letters_list(ls, letters, sizeof letters);
    *status = 0;
    if (given) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", given);
        char *a = text_trim(tmp);
        int i = strlen(a) == 1 || (strlen(a) == 2 && a[1] == ')') ? choice_index(ls, a[0]) : -1;
        if (i < 0)
            *status = diag_set(d, DIAG_USAGE, "--answer %s: lesson %d's choices are %s", given,
                               ls->number, letters);
        return i;
    }
    if (!isatty(STDIN_FILENO)) {
        printf("%s\n\n", tr(lang, "(No answer given: standard input is not a terminal and there is no "
                                 "--answer. Running the lesson without judging.)"));
        return -1;
    }
    for (int tries = 0; tries < 3; tries++) {
        printf(tr(lang, "Your answer (%s): "), letters);
        fflush(stdout);
        char line[256];
        if (!fgets(line, sizeof line, stdin))
            break;
        char *a = text_trim(line);
        if (!*a)
            break;
        int i = (strlen(a) == 1 || (strlen(a) == 2 && a[1] == ')')) ? choice_index(ls, a[0]) : -1;
        if (i >= 0) {
            putchar('\n');
            return i;
        }
        printf(tr(lang, "Please type one of %s.\n"), letters);
    }
    printf("\n%s\n\n", tr(lang, "(No answer: running the lesson without judging.)"));
    return -1;
}

static void print_judgement(const lesson *ls, const batch *b, const compare_table *t, int answer,
                            lang_id lang)
{
    char what[512];
    int right = measured_choice(ls, t, what, sizeof what);
    int m = ls->metric[0];
    printf("%s\n", tr(lang, "THE ANSWER"));
    switch (ls->judge) {
    case JUDGE_RANGE:
        printf(tr(lang, "Measured: %s changed by %s in %s.\n"),
               metric_plain(m, lang), what, scen_name(b->sc[ls->variant]));
        break;
    case JUDGE_SIGN:
    case JUDGE_PATTERN: {
        char rel_text[64], pp_text[64];
        compare_material_text(rel_text, sizeof rel_text, MET_PROFIT, t->material, lang);
        compare_material_text(pp_text, sizeof pp_text, MET_REPEAT_RATE, t->material, lang);
        printf(tr(lang, "Measured (\"no material change\": the 95 %% CI holds 0, or the change is under "
                       "%s; shares under %s):"),
               rel_text, pp_text);
        int from = ls->judge == JUDGE_SIGN ? ls->variant : 1;
        int to = ls->judge == JUDGE_SIGN ? ls->variant : t->nscen - 1;
        int nm = ls->judge == JUDGE_SIGN ? 1 : ls->nmetric;
        for (int k = from; k <= to; k++)
            for (int j = 0; j < nm; j++)
                printf(tr(lang, "\n  %s, %s: %s"), scen_name(b->sc[k]),
                       metric_table[ls->metric[j]].name,
                       compare_verdict_word(compare_verdict(t, k, ls->metric[j]), lang));
        putchar('\n');
        break;
    }
    case JUDGE_BEST:
    case JUDGE_WORST:
        printf(tr(lang, "Measured: %s is %s in %s.\n"),
               metric_plain(m, lang),
               ls->judge == JUDGE_BEST ? tr(lang, "highest") : tr(lang, "lowest"),
               scen_name(b->sc[atoi(what)]));
        break;
    case JUDGE_KEY:
        break;
    }
    if (right < 0) {
        printf("%s\n", tr(lang, "The measurement matches none of the choices, so no answer can be judged; "
                               "see the numbers above (more replications, --reps, narrow them)."));
    } else {
        printf(tr(lang, "The simulation's answer: %s\n"), ls->choice[right]);
        if (answer >= 0)
            printf(answer == right ? tr(lang, "Your answer, %c: right.\n")
                                   : tr(lang, "Your answer, %c: not right.\n"),
                   ls->letter[answer]);
    }
    if (answer < 0)
        printf("%s\n", tr(lang, "(No answer was given, so none was judged.)"));
    if (ls->key && ls->judge != JUDGE_KEY && right >= 0 && ls->letter[right] != ls->key)
        printf(tr(lang,
                 "Note: the lesson expected %c, but this run measured %c. The measurement counts; with few "
                 "replications the answer can change (try more with --reps), or the scenario no longer "
                 "shows what the lesson says.\n"),
               ls->key, ls->letter[right]);
    putchar('\n');
}

static void print_plots(const char *outdir, const batch *b, const char subdirs[][160], lang_id lang)
{
    static const struct {
        const char *file, *what;
    } plots[] = {
        { "retention.png", N_("retention by customer age, base against variants") },
        { "profit.png", N_("cumulative profit") },
        { "customers.png", N_("active customers") },
        { "profit_difference.png", N_("profit gained against the base, day by day") },
    };
    printf("%s\n", tr(lang, "THE PLOTS"));
    int any = 0;
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", outdir, plots[i].file);
        if (!file_exists(path))
            continue;
        printf("  %s  %s\n", path, tr(lang, plots[i].what));
        any = 1;
    }
    if (!any)
        printf("  %s\n", tr(lang, "(no pictures: gnuplot is missing; the CSV files and .gp scripts are there)"));
    printf(tr(lang, "  and each scenario's own run in %s/%s/ ... %s/%s/\n"),
           outdir, subdirs[0], outdir, subdirs[b->n - 1]);
    putchar('\n');
}

int lesson_list(dictionary *ini, const char *dir, lang_id lang, diag *d)
{
    int numbers[LESSON_MAX];
    int n = lesson_numbers(ini, numbers, LESSON_MAX);
    if (n == 0)
        return diag_set(d, DIAG_USAGE, "%s/%s holds no [lesson.N] section", dir, LESSON_FILE);
    printf("%s\n\n", tr(lang, "Lessons (retsim lesson N to take one):"));
    for (int i = 0; i < n; i++) {
        const char *title = get_text(ini, numbers[i], "title", lang);
        printf("  %2d  %s\n", numbers[i], title ? title : "?");
    }
    return 0;
}

/* ---- the run ---- */

int lesson_start(const lesson *ls, const run_opts *ro, double material, int answer_given,
                 const char *answer_text, lang_id lang, lesson_session **out, diag *d)
{
    lesson_session *s = *out = calloc(1, sizeof *s);
    batch *b = s ? s->b = calloc(1, sizeof *b) : NULL;
    compare_table *t = s ? s->t = calloc(1, sizeof *t) : NULL;
    char(*subdirs)[160] = s ? s->subdirs = calloc(LESSON_MAX_SCEN, 160) : NULL;
    int status = 0;
    if (!b || !t || !subdirs)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    s->ls = ls;
    s->ro = *ro;
    for (int k = 0; k < ls->nfiles; k++)
        if ((status = batch_add(b, ls->files[k], NULL, 0, NULL, d)))
            return status;
    for (int k = 1; k < b->n; k++)
        if (engine_horizon(b->e[k]) != engine_horizon(b->e[0])) {
            return diag_set(d, DIAG_USAGE, "lesson %d: %s runs %d days but the base %s runs %d",
                            ls->number, b->sc[k]->path, engine_horizon(b->e[k]), b->sc[0]->path,
                            engine_horizon(b->e[0]));
        }
    /* an answer that is not a choice is refused before anything runs */
    int answer = s->answer = -1;
    if (answer_given) {
        if ((answer = ask(ls, answer_text, lang, d, &status)) < 0 && status)
            return status;
    }
    print_lesson_head(ls, lang);
    if (!answer_given)
        answer = ask(ls, NULL, lang, d, &status);
    else
        printf(tr(lang, "Your answer: %c\n\n"), ls->letter[answer]);

    printf(tr(lang, "Simulating %d scenarios, %d replications each, on the same customers...\n\n"),
           b->n, ro->reps);
    fflush(stdout);
    s->answer = answer;
    if ((status = sim_run(b->e, b->n, ro, &s->res, d)))
        return status;
    compare_from_paired(t, s->res);
    t->seed = ro->seed;
    t->material = material > 0 ? material : ls->material;
    for (int k = 0; k < b->n; k++) {
        char safe[120];
        batch_safe_name(scen_name(b->sc[k]), safe, sizeof safe);
        snprintf(subdirs[k], 160, "%d_%s", k, safe);
    }
    return 0;
}

int lesson_write(const lesson_session *s, const char *dir, lang_id lang, diag *d)
{
    const batch *b = s->b;
    const compare_table *t = s->t;
    int status;
    for (int k = 0; k < b->n; k++) {
        char sub[4400];
        snprintf(sub, sizeof sub, "%s/%s", dir, s->subdirs[k]);
        if ((status = out_write_run(sub, b->sc[k], b->e[k], &s->ro, s->res, k, lang, d)))
            return status;
    }
    return compare_write(dir, b, t, (const char(*)[160])s->subdirs, s->res, lang, d);
}

int lesson_print_result(const lesson_session *s, const char *out, lang_id lang, diag *d)
{
    const lesson *ls = s->ls;
    const batch *b = s->b;
    const compare_table *t = s->t;
    int status;
    printf("%s\n", tr(lang, "THE RESULT"));
    if (lang == LANG_EN) {
        compare_print_verdicts(stdout, b, t, LANG_EN);
        putchar('\n');
    }
    printf(tr(lang, "Base first, then each variant with its change against the base (95 %% CI):\n\n"));
    const char *cur = currency_word(scen_currency(b->sc[0]), lang);
    int shown[MET_COUNT] = { 0 };
    for (int j = 0; j < ls->nmetric; j++) {
        print_metric(b, t, ls->metric[j], cur, lang);
        shown[ls->metric[j]] = 1;
    }
    for (int j = 0; j < ls->nshow; j++)
        if (!shown[ls->show[j]]) {
            print_metric(b, t, ls->show[j], cur, lang);
            shown[ls->show[j]] = 1;
        }
    putchar('\n');
    print_judgement(ls, b, t, s->answer, lang);

    printf("%s\n", tr(lang, "THE TAKEAWAY"));
    char why[2048];
    if (failed_claims(ls, t, lang, why, sizeof why)) {
        /* a text that contradicts the measurement would teach the opposite
         * of what the trainee just saw: say so instead of printing it */
        printf("%s\n%s\n",
               tr(lang, "Withheld: this lesson's title and takeaway say what this run did not measure "
                       "(lessons.ini claims):"),
               why);
        printf("%s\n\n", tr(lang, "With few replications a verdict can change (try more with --reps); "
                                 "otherwise the lesson's text is wrong and must be fixed."));
    } else {
        for (int i = 0; i < ls->ntakeaway; i++) {
            explain_wrap(stdout, ls->takeaway[i]);
            putchar('\n');
        }
    }
    fflush(stdout);

    for (int i = 0; i < ls->nexplain; i++) {
        int k = ls->explain[i];
        printf(tr(lang, "WHY: THE CAUSAL CHAIN OF %s\n\n"),
               scen_name(b->sc[k]));
        if ((status = explain_write(stdout, b->sc[k], b->e[k], lang, 0, d)))
            return status;
        putchar('\n');
    }
    print_plots(out, b, (const char(*)[160])s->subdirs, lang);
    return 0;
}

void lesson_session_free(lesson_session *s)
{
    if (!s)
        return;
    run_result_free(s->res);
    if (s->b)
        batch_free(s->b);
    free(s->b);
    free(s->t);
    free(s->subdirs);
    free(s);
}
