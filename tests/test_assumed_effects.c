/* Assumed effects are named where a result is read.
 *
 * A promotion's terms (a voucher's value, a card's N) are the business's to
 * set; how customers respond to them (a take-up, the share of churn a
 * balance removes, a win-back's response) is an assumption until a pilot
 * measures it.  Keys of the second kind carry KEY_EFFECT in their module's
 * key table, and every run and comparison prints them under the applied
 * promotion ("assumed effects (not measured ...): pull = 0.2 (default)"),
 * with summary.json's "assumed_effects" the same in English.
 *
 * Loops over the promotion registry in use, like tests/test_registry.c: a
 * promotion registered tomorrow with an effect key is checked without a
 * line here, and a loop that finds nothing to check fails. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../present/output.h"
#include "../sim/plugins.h"
#include "../sim/scenario.h"
#include "util.h"

static const char base_text[] = "[scenario]\nname = effects\nhorizon_days = 200\n"
                                "[channel.a]\nprospects_per_day = 2\nstep_conversion = 1\n";

/* The scenario text with sec's section added (its defaults, plus extra
 * lines), loaded without asserting: some promotions need other sections to
 * load alone (expectation management needs a promise), and say so. */
static scenario *with_section(const scen_section *sec, const char *extra, diag *d)
{
    char text[4096];
    snprintf(text, sizeof text, "%s[%s%s]\n%s", base_text, sec->name,
             sec->max_instances > 1 ? ".x" : "", extra ? extra : "");
    return tu_try_scenario(text, d);
}

/* What a run prints under "applied:" for the scenario (NULL: no engine). */
static char *applied_text(const scenario *sc)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    if (!e)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    out_print_applied(f, e, LANG_EN);
    fclose(f);
    engine_free(e);
    return buf;
}

static int effect_keys(const scen_section *sec)
{
    int n = 0;
    for (const scen_key *k = sec->keys; k->name; k++)
        n += (k->flags & KEY_EFFECT) != 0;
    return n;
}

Test(assumed_effects, every_effect_key_of_every_promotion_is_named_with_its_default)
{
    const promo_type *const *promos = sim_plugins_in_use()->promotions;
    int checked = 0, flagged = 0;
    for (int i = 0; promos[i]; i++) {
        const scen_section *sec = promos[i]->section;
        if (!effect_keys(sec))
            continue;
        flagged++;
        for (const scen_key *k = sec->keys; k->name; k++)
            cr_expect((k->flags & KEY_EFFECT) == 0 || k->kind == KEY_REAL,
                      "[%s] %s: an effect key must be a number (it may be uncertain)", sec->name, k->name);
        diag d = { 0 };
        scenario *sc = with_section(sec, NULL, &d);
        if (!sc)
            continue; /* needs other sections: the next test sets one such up */
        char *out = applied_text(sc);
        if (out && strstr(out, "applied:")) {
            cr_expect(strstr(out, "assumed effects (not measured"), "[%s]: no assumed-effects line in\n%s",
                      sec->name, out);
            for (const scen_key *k = sec->keys; k->name; k++) {
                if (!(k->flags & KEY_EFFECT))
                    continue;
                char want[160];
                snprintf(want, sizeof want, "%s = ", k->name);
                const char *at = strstr(out, want);
                cr_expect(at != NULL, "[%s] %s not named in\n%s", sec->name, k->name, out);
                cr_expect(at && strstr(at, "(default)"), "[%s] %s at its default not marked so in\n%s",
                          sec->name, k->name, out);
            }
            checked++;
        }
        free(out);
        scen_free(sc);
    }
    /* recall, referral, vouchers, stamp card, points, birthday, campaign,
       win-back, package, recharge, stored value, bundle, expectation
       management, churn reduction: a registry that lost its flags, or a loop
       that ran nothing, fails here */
    cr_log_info("assumed effects: %d of %d promotions with effect keys checked alone", checked, flagged);
    cr_assert_geq(flagged, 12, "only %d promotions have effect keys", flagged);
    cr_assert_geq(checked, 10, "only %d of %d promotions with effect keys could be checked alone", checked,
                  flagged);
}

static const scen_section *section_named(const char *name)
{
    const promo_type *const *promos = sim_plugins_in_use()->promotions;
    for (int i = 0; promos[i]; i++)
        if (!strcmp(promos[i]->section->name, name))
            return promos[i]->section;
    cr_assert_fail("no promotion [%s] in the registry", name);
    return NULL;
}

Test(assumed_effects, a_value_written_is_not_a_default_and_a_distribution_says_uncertain)
{
    const scen_section *sec = section_named("welcome_vouchers");
    diag d = { 0 };
    scenario *sc = with_section(sec, "pull = beta(2, 8)\nregistration = 0.6\n", &d);
    cr_assert(sc, "%s", d.msg);
    char *out = applied_text(sc);
    cr_assert(out);
    cr_expect(strstr(out, "registration = 0.6,") || strstr(out, "registration = 0.6\n"),
              "registration written, so no (default):\n%s", out);
    cr_expect(!strstr(out, "(default)"), "every effect key is written here:\n%s", out);
    /* beta(2, 8): mean 0.2, its 2.5 % and 97.5 % quantiles */
    cr_expect(strstr(out, "pull = 0.2 (uncertain: 95 % within 0.0281"), "no interval for pull in\n%s", out);
    free(out);
    scen_free(sc);
}

Test(assumed_effects, a_measured_effect_is_not_called_assumed)
{
    const scen_section *sec = section_named("measured_effect");
    cr_expect_eq(effect_keys(sec), 0, "[measured_effect] is what a pilot measured");
    diag d = { 0 };
    scenario *sc = with_section(sec, "rate_ratio = lognormal(0.1, 0.03)\n", &d);
    cr_assert(sc, "%s", d.msg);
    char *out = applied_text(sc);
    cr_assert(out && strstr(out, "applied:"), "measured effect not applied:\n%s", out ? out : "");
    cr_expect(!strstr(out, "assumed"), "a measured effect called assumed:\n%s", out);
    free(out);
    scen_free(sc);
}
