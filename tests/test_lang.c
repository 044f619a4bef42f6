/* The catalogue of words (sim/lang.h): tr() finds the Chinese of a msgid
 * whatever the process locale and environment, and leaves both as it found
 * them; English is the msgid itself; contexts and plurals; the language
 * from the environment. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/lang.h"
#include "../sim/metrics.h"
#include "../sim/scenario.h"

Test(lang, english_is_the_msgid)
{
    const char *id = "Plots";
    cr_assert(tr(LANG_EN, id) == id);
    cr_assert_str_eq(trn(LANG_EN, "at most %d card", "at most %d cards", 1), "at most %d card");
    cr_assert_str_eq(trn(LANG_EN, "at most %d card", "at most %d cards", 2), "at most %d cards");
    cr_assert_str_eq(lang_currency(LANG_EN, "yuan"), "yuan");
}

Test(lang, chinese_without_a_zh_locale)
{
    /* the "C" locale and an environment naming another language: the
     * lookup does not depend on either, and puts both back */
    setenv("LANGUAGE", "fr_FR", 1);
    setenv("LANG", "C", 1);
    cr_assert_not_null(lang_catalogue_dir(), "no catalogue found in %s", lang_catalogue_tried());
    cr_assert_str_eq(tr(LANG_ZH, "Plots"), "图表");
    cr_assert_str_eq(trc(LANG_ZH, "currency", "yuan"), "元");
    cr_assert_str_eq(lang_currency(LANG_ZH, "CNY"), "元");
    cr_assert_str_eq(lang_currency(LANG_ZH, "euro"), "euro");
    cr_assert_str_eq(trn(LANG_ZH, "at most %d card", "at most %d cards", 3), "每人最多 %d 张");
    cr_assert_str_eq(getenv("LANGUAGE"), "fr_FR");
    cr_assert_str_eq(setlocale(LC_MESSAGES, NULL), "C");
    /* a msgid the catalogue does not have: itself */
    const char *id = "no such message in the catalogue";
    cr_assert(tr(LANG_ZH, id) == id);
}

Test(lang, a_word_in_two_contexts)
{
    /* the lessons' plain words and the report's label of the same English */
    cr_assert_str_eq(metric_label(MET_PURCHASES_PER_CUSTOMER, LANG_ZH), "人均购买次数");
    cr_assert_str_eq(metric_plain(MET_PURCHASES_PER_CUSTOMER, LANG_ZH), "人均消费次数");
    cr_assert_str_eq(metric_label(MET_PURCHASES_PER_CUSTOMER, LANG_EN), "purchases per customer");
}

Test(lang, every_metric_has_a_label_and_a_chinese_one)
{
    for (int m = 0; m < MET_COUNT; m++) {
        cr_assert_not_null(metric_table[m].label, "%s has no label", metric_table[m].name);
        cr_assert_neq(strcmp(metric_label(m, LANG_ZH), metric_table[m].label), 0, "%s: label not translated",
                      metric_table[m].name);
        cr_assert_neq(strcmp(metric_meaning(m, LANG_ZH), metric_table[m].meaning), 0,
                      "%s: meaning not translated", metric_table[m].name);
    }
}

Test(lang, from_the_environment)
{
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "zh_CN.UTF-8", 1);
    cr_assert_eq(lang_default(), LANG_ZH);
    setenv("LANGUAGE", "en_GB:zh_CN", 1);
    cr_assert_eq(lang_default(), LANG_EN);
    unsetenv("LANGUAGE");
    setenv("LANG", "C.UTF-8", 1);
    cr_assert_eq(lang_default(), LANG_EN);
    unsetenv("LANG");
    cr_assert_eq(lang_default(), LANG_EN);
}

/* `retsim keys` and the range errors in Chinese: every registered section's
 * help, every key's help and every key's unit have a translation (a new
 * module's keys are covered the day it is registered). */
Test(lang, every_scenario_key_is_in_the_catalogue)
{
    cr_assert_not_null(lang_catalogue_dir(), "no catalogue found in %s", lang_catalogue_tried());
    const scen_section *const *all = scen_all_sections();
    int keys = 0;
    for (int i = 0; all[i]; i++) {
        const scen_section *s = all[i];
        cr_expect(strcmp(tr(LANG_ZH, s->help), s->help), "[%s]'s help is not translated: %s", s->name,
                  s->help);
        for (const scen_key *k = s->keys; k->name; k++, keys++) {
            cr_expect(strcmp(tr(LANG_ZH, k->help), k->help), "[%s] %s: help not translated: %s",
                      s->name, k->name, k->help);
            if (k->unit && *k->unit)
                cr_expect(strcmp(scen_unit(k->unit, LANG_ZH), k->unit),
                          "[%s] %s: unit '%s' not translated (add it to unit_msgids, sim/scenario.c)",
                          s->name, k->name, k->unit);
        }
    }
    cr_expect(keys > 100, "only %d keys: the registries are not in use", keys);
}
