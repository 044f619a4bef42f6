/* explain: the causal chain of a scenario in plain language (../shared/DOMAIN.md
 * section 1 and question 7.5), with the scenario's own numbers.
 *
 * explain computes nothing itself: the customer model explains its chain
 * through its explain() hook, which runs a typical customer through the
 * model's own functions (models/satisfaction.c), and each promotion explains
 * itself through its explain() hook or, where it has none, its describe()
 * line and a sentence for each point of the visit it acts on.  A model
 * without the hook gets its parameters listed.  What is left here is the
 * frame: the title, how customers arrive, then the business's standing
 * practices (recall, word of mouth) and the promotions, each explained by
 * its own module, and the layout: text
 * wrapped to 80 columns, or an HTML fragment for the report. */
#include "explain.h"
#include "../sim/text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/model.h"
#include "../sim/promotion.h"
#include "../sim/queue.h"
#include "../sim/sections.h"
#include "../sim/lang.h"

#define WRAP_COLUMNS 80
#define MAX_LISTED 16

/* ---- output: text or HTML ---- */



/* A heading: level 2 for the scenario, 3 for its parts. */
static void heading(FILE *f, int html, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void heading(FILE *f, int html, int level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_heading(f, html, level, buf);
}

/* ---- wrapping text to 80 columns, Chinese included ---- */

/* Two columns: CJK, full-width forms, and (to be safe in a Chinese terminal)
 * the ambiguous-width punctuation and signs a Chinese text uses: “ ” − ×. */
static int is_wide(unsigned cp)
{
    return cp >= 0x1100 || cp == 0x00D7;
}

/* Chinese punctuation that must not start a line, and brackets that must not end one. */
static int no_line_start(unsigned cp)
{
    static const unsigned list[] = { 0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF1F, 0xFF01,
                                     0xFF09, 0x300D, 0x300F, 0x201D, 0x2019, 0xFF05, ')',
                                     ',', '.', ';', ':', '%', 0 };
    for (int i = 0; list[i]; i++)
        if (cp == list[i])
            return 1;
    return 0;
}

static int no_line_end(unsigned cp)
{
    return cp == 0xFF08 || cp == 0x300C || cp == 0x300E || cp == 0x201C || cp == 0x2018;
}

static int char_width(unsigned cp)
{
    return is_wide(cp) ? 2 : 1;
}

/* Writes one line, wrapped at WRAP_COLUMNS: breaks at spaces or between
 * Chinese characters; continuation lines hang under "1. " or "- ". */
static void wrap_line(FILE *f, const char *s, size_t n)
{
    size_t indent = 0;
    while (indent < n && s[indent] == ' ')
        indent++;
    size_t hang = indent;
    if (indent + 2 < n && s[indent] >= '0' && s[indent] <= '9' && s[indent + 1] == '.'
        && s[indent + 2] == ' ')
        hang = indent + 3;
    else if (indent + 1 < n && s[indent] == '-' && s[indent + 1] == ' ')
        hang = indent + 2;
    else if (indent + 2 < n && s[indent] >= 'a' && s[indent] <= 'z' && s[indent + 1] == ')'
             && s[indent + 2] == ' ')
        hang = indent + 3;
    size_t pos = 0;
    int first = 1;
    while (pos < n) {
        int w = first ? 0 : (int)hang;
        size_t i = pos, cut = 0, next = 0;
        int found = 0;
        unsigned prev = 0;
        while (i < n) {
            int len = text_u8_len((unsigned char)s[i]);
            if (i + (size_t)len > n)
                len = (int)(n - i);
            unsigned cp = text_u8_code(s + i, len);
            int cw = char_width(cp);
            if (i > pos && (first ? i > indent : 1)) {
                /* keep "a - b", "x 0.4" and "= 3" on one line */
                int glued = i + 2 < n && s[i + 1] && strchr("-=x+", s[i + 1]) && s[i + 2] == ' ';
                glued |= prev == 'x' && i >= 2 && s[i - 2] == ' ';
                if (cp == ' ' && prev != ' ' && !glued) {
                    cut = i;
                    next = i + 1;
                    found = 1;
                } else if ((is_wide(cp) || is_wide(prev)) && prev != ' ' && !no_line_start(cp)
                           && !no_line_end(prev)) {
                    cut = i;
                    next = i;
                    found = 1;
                }
            }
            if (w + cw > WRAP_COLUMNS && i > pos) {
                if (!found) {
                    cut = i;
                    next = i;
                }
                break;
            }
            w += cw;
            prev = cp;
            i += (size_t)len;
        }
        if (!first)
            for (size_t k = 0; k < hang; k++)
                fputc(' ', f);
        if (i >= n) {
            fwrite(s + pos, 1, n - pos, f);
            fputc('\n', f);
            return;
        }
        size_t end = cut;
        while (end > pos && s[end - 1] == ' ')
            end--;
        fwrite(s + pos, 1, end - pos, f);
        fputc('\n', f);
        pos = next;
        while (pos < n && s[pos] == ' ')
            pos++;
        first = 0;
    }
}

static void wrap_text(FILE *f, const char *text, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || text[i] == '\n') {
            if (i > start)
                wrap_line(f, text + start, i - start);
            else if (i < n)
                fputc('\n', f);
            start = i + 1;
        }
}

/* ---- the parts ---- */

/* A model without an explain() hook: its parameters, as written or defaulted. */
static void list_parameters(FILE *f, const scenario *sc, const model_type *m, const void *mp,
                            lang_id lang, int html)
{
    text_paraf(f, html,
         tr(lang,
           "The %s customer model has no step-by-step explanation; here are the numbers it runs on "
           "(retsim keys says what each means). On average a customer spends %.4g a visit and comes "
           "back every %.4g days."),
         m->name, m->mean_bill(mp), m->mean_interval(mp));
    if (html)
        fputs("<ul>\n", f);
    for (int s = 0; m->sections[s]; s++) {
        const scen_section *sec = m->sections[s];
        const char *params = scen_get(sc, sec);
        for (const scen_key *k = sec->keys; k->name; k++) {
            char value[SCEN_TEXT_MAX + 32];
            const char *at = params + k->offset;
            switch (k->kind) {
            case KEY_REAL: {
                double x;
                memcpy(&x, at, sizeof x);
                if (isnan(x))
                    snprintf(value, sizeof value, "%s", tr(lang, "(not set)"));
                else
                    snprintf(value, sizeof value, "%g", x);
                break;
            }
            case KEY_INT:
            case KEY_BOOL:
            case KEY_CHOICE: {
                int x;
                memcpy(&x, at, sizeof x);
                if (k->kind == KEY_BOOL)
                    snprintf(value, sizeof value, "%s", x ? "true" : "false");
                else if (k->kind == KEY_CHOICE && k->choices)
                    snprintf(value, sizeof value, "%s", k->choices[x]);
                else
                    snprintf(value, sizeof value, "%d", x);
                break;
            }
            default:
                snprintf(value, sizeof value, "%.*s", SCEN_TEXT_MAX - 1, at);
            }
            char line[1024];
            snprintf(line, sizeof line, "[%s] %s = %s%s%s", sec->name, k->name, value,
                     *k->unit ? " " : "", k->unit);
            if (html) {
                fputs("<li>", f);
                text_escape_html(f, line);
                if (lang == LANG_EN && k->help) {
                    fputs(": ", f);
                    text_escape_html(f, k->help);
                }
                fputs("</li>\n", f);
            } else if (lang == LANG_EN && k->help) {
                fprintf(f, "- %s: %s\n", line, k->help);
            } else {
                fprintf(f, "- %s\n", line);
            }
        }
    }
    fputs(html ? "</ul>\n" : "\n", f);
}

static void explain_channels(FILE *f, const scenario *sc, lang_id lang, int html,
                             const char *currency)
{
    int n = scen_count(sc, &section_channel);
    if (n == 0)
        return;
    heading(f, html, 3, "%s", tr(lang, "How new customers arrive"));
    for (int i = 0; i < n; i++) {
        const char *label;
        const channel_params *c = scen_nth(sc, &section_channel, i, &label);
        if (c->path == PATH_REFERRAL && c->prospects_per_day == 0) {
            text_paraf(f, html,
                 trn(lang,
                   "- %s: friends sent by satisfied customers (word of mouth); %.0f %% of them buy, "
                   "after %d step.",
                   "- %s: friends sent by satisfied customers (word of mouth); %.0f %% of them buy, "
                   "after %d steps.", (unsigned long)c->funnel_steps),
                 label, 100 * c->conversion, c->funnel_steps);
            continue;
        }
        char cost[256] = "";
        if (c->cost_per_prospect > 0)
            snprintf(cost, sizeof cost,
                     tr(lang, ", at %g %s per prospect, bought or not"),
                     c->cost_per_prospect, currency);
        if (c->funnel_steps == 1)
            text_paraf(f, html,
                 tr(lang, "- %s: %g prospects a day; %.1f %% of them buy%s."),
                 label, c->prospects_per_day, 100 * c->conversion, cost);
        else
            text_paraf(f, html,
                 trn(lang, "- %s: %g prospects a day; %.1f %% of them buy, after %d step (%.0f %% go on "
                          "at each)%s.",
                     "- %s: %g prospects a day; %.1f %% of them buy, after %d steps (%.0f %% go on "
                     "at each)%s.", (unsigned long)c->funnel_steps),
                 label, c->prospects_per_day, 100 * c->conversion, c->funnel_steps,
                 100 * c->step_conversion, cost);
    }
}

/* The business's standing practices (recall, word of mouth): modules that
 * explain themselves, told with the business before the promotions. */
static void explain_standing(FILE *f, const engine *e, lang_id lang, int html)
{
    for (int i = 0; i < engine_promotion_count(e); i++) {
        const void *pp;
        const promo_type *pt = engine_promotion(e, i, &pp);
        if (pt->standing && pt->explain)
            pt->explain(pp, f, (int)lang, html);
    }
}

/* A promotion without its own explain(): describe() and a sentence per hook. */
static void explain_promo_generic(FILE *f, const promo_type *pt, const char *described,
                                  lang_id lang, int html)
{
    if (described && *described)
        text_paraf(f, html, tr(lang, "What was applied: %s."), described);
    else if (pt)
        text_paraf(f, html, "%s", pt->summary);
    if (!pt)
        return;
    if (pt->conversion)
        text_paraf(f, html, "%s",
             tr(lang, "Before the first visit, it changes how many prospects buy at all."));
    if (pt->at_till)
        text_paraf(f, html, "%s",
             tr(lang,
               "At the till, it changes what is paid (a discount, a prepaid balance, goods given), "
               "so the perceived cost, and with it the value and the satisfaction of the visit."));
    if (pt->after_visit)
        text_paraf(f, html, "%s",
             tr(lang,
               "After the visit, it changes the chance of coming back: the customer has something to "
               "come back for (a balance, a half-full card, a voucher)."));
    if (pt->referral)
        text_paraf(f, html, "%s",
             tr(lang,
               "It changes word of mouth: how many friends a satisfied customer brings, and what each "
               "costs."));
    if (pt->after_decision)
        text_paraf(f, html, "%s",
             tr(lang,
               "Once the customer model has decided whether and when the customer comes next, it may "
               "move that visit (bring it sooner, or win back a customer who would not have returned) "
               "and put dated messages of its own on the calendar."));
    if (pt->on_event)
        text_paraf(f, html, "%s",
             tr(lang,
               "On its own dates (a month opening, a campaign's first day, a long silence), it may "
               "message the customer, at a cost, and bring their next visit forward; it never puts a "
               "visit off."));
    if (pt->liability)
        text_paraf(f, html, "%s",
             tr(lang,
               "Money paid in advance and not yet spent is still owed to the customer at the end: a "
               "liability, not profit."));
    text_paraf(f, html, "%s",
         tr(lang,
           "What it costs is counted in the simulation's profit: a discount at its full amount, "
           "goods given at their cost."));
}

/* Each active promotion, explained by its own code with the parameters the
 * engine prepared. */
static int explain_promotions(FILE *f, const engine *e, lang_id lang, int html)
{
    int n = engine_promotion_count(e), promotions = 0;
    for (int i = 0; i < n; i++) {
        const void *pp;
        promotions += !engine_promotion(e, i, &pp)->standing;
    }
    heading(f, html, 3, "%s", tr(lang, "Promotions"));
    if (promotions == 0) {
        text_paraf(f, html, "%s",
             tr(lang, "No promotion is active: this is the business as it is."));
        return 0;
    }
    text_paraf(f, html, "%s",
         tr(lang,
           "The chain above is the customer without promotions. Each promotion below changes one "
           "link of it; retsim compare measures what that does to profit and retention."));
    for (int i = 0; i < n; i++) {
        const void *pp;
        const promo_type *pt = engine_promotion(e, i, &pp);
        if (pt->standing)
            continue;
        heading(f, html, 4, "%s", pt->name);
        if (pt->explain) {
            pt->explain(pp, f, (int)lang, html);
            continue;
        }
        char desc[256] = "";
        if (pt->describe)
            pt->describe(pp, desc, sizeof desc, lang);
        explain_promo_generic(f, pt, desc, lang, html);
    }
    return 0;
}

/* The currency as a Chinese reader says it. */
static const char *currency_word(const char *currency, lang_id lang)
{
    return lang_currency(lang, currency);
}

/* The queue ([capacity], sim/queue.h, docs/queue.md): what a day can
 * serve and when arrivals start to walk away (seed 003). */
static void explain_capacity(FILE *f, const scenario *sc, lang_id lang, int html)
{
    if (!scen_present(sc, &section_capacity))
        return;
    const capacity_params *c = scen_get(sc, &section_capacity);
    double per_day = c->servers * c->open_hours * 60.0 / c->service_minutes;
    heading(f, html, 3, "%s", tr(lang, "The queue"));
    text_paraf(f, html,
               tr(lang, "%d seats or chairs, %g minutes a service, %g busy hours a day: about %.0f "
                        "services a day at most. When a day's demand comes near that, customers wait "
                        "(M/M/c, Erlang C; docs/queue.md). Past 10 minutes some walk away: %.0f %% at "
                        "10 minutes, %.0f %% at 20, %.0f %% at 30 (seed 003: past 30 more leave than "
                        "join). Those who stay count the wait as a non-money cost of the visit, so a "
                        "promotion that draws a crowd pays for it in customers lost at the door and in "
                        "disappointed ones."),
               c->servers, c->service_minutes, c->open_hours, per_day, 100 * c->balk_at_10,
               100 * c->balk_at_20, 100 * c->balk_at_30);
}

static int write_explanation(FILE *f, const scenario *sc, const engine *e, lang_id lang, int html,
                             diag *d)
{
    const scenario_params *sp = scen_get(sc, &section_scenario);
    const economics_params *econ = scen_get(sc, &section_economics);
    const char *currency = currency_word(scen_currency(sc), lang);
    heading(f, html, 2, "%s", scen_name(sc));
    if (*sp->description)
        text_paraf(f, html, "%s", sp->description);

    const void *mp;
    const model_type *m = engine_model(e, &mp);
    model_explain_env env = { econ->gross_margin, econ->discount_rate, econ->cost_per_visit,
                              sp->horizon_days, currency };
    if (m->explain) {
        if (m->explain(mp, &env, f, (int)lang, html))
            return diag_set(d, DIAG_RUNTIME, "%s: the %s model could not write its explanation",
                            sc->path, m->name);
    } else {
        heading(f, html, 3, tr(lang, "The customer model: %s"), m->name);
        list_parameters(f, sc, m, mp, lang, html);
    }
    explain_channels(f, sc, lang, html, currency);
    explain_capacity(f, sc, lang, html);
    explain_standing(f, e, lang, html);
    return explain_promotions(f, e, lang, html);
}

void explain_wrap(FILE *f, const char *text)
{
    wrap_text(f, text, strlen(text));
}

int explain_write(FILE *f, const scenario *sc, const engine *e, lang_id lang, int html, diag *d)
{
    if (!e)
        return diag_set(d, DIAG_RUNTIME, "%s: explain needs the prepared scenario", sc->path);
    if (html) {
        fputs("<div class=\"explain\">\n", f);
        int status = write_explanation(f, sc, e, lang, 1, d);
        fputs("</div>\n", f);
        if (!status && ferror(f))
            status = diag_set(d, DIAG_RUNTIME, "writing the explanation: %s", strerror(errno));
        return status;
    }
    /* text: written whole, then wrapped to 80 columns */
    char *buf = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&buf, &n);
    if (!mem)
        return diag_set(d, DIAG_RUNTIME, "out of memory");
    int status = write_explanation(mem, sc, e, lang, 0, d);
    if (fclose(mem) && !status)
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
    if (!status) {
        /* one blank line at the end, not two */
        while (n > 1 && buf[n - 1] == '\n' && buf[n - 2] == '\n')
            n--;
        wrap_text(f, buf, n);
        fflush(f);
        if (ferror(f))
            status = diag_set(d, DIAG_RUNTIME, "writing the explanation: %s", strerror(errno));
    }
    free(buf);
    return status;
}
