/* Retention ages the horizon cannot support are left out with a note,
 * never written as NaN, and the plots that use them still draw
 * (docs/metrics.md). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    cr_assert(s && fread(s, 1, (size_t)n, f) == (size_t)n, "cannot read %s", path);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* No "nan" in any spelling, no JSON null, no empty CSV cell. */
static void expect_no_undefined(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = slurp(path);
    cr_expect(strlen(text) > 0, "%s is empty", name);
    for (char *p = text; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    cr_expect(strstr(text, "nan") == NULL, "%s contains a NaN", name);
    cr_expect(strstr(text, "null") == NULL, "%s contains a null", name);
    if (strstr(name, ".csv")) {
        cr_expect(strstr(text, ",,") == NULL && strstr(text, ",\n") == NULL, "%s has an empty cell",
                  name);
    }
    free(text);
}

Test(retention_outputs, horizon_365_omits_retention_365_with_a_note)
{
    char dir[] = "/tmp/retsim-h365-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "%s run scenarios/clinic.ini --set scenario.horizon_days=365 --reps 4 --seed 3 "
             "--out %s/run > %s/console.txt", tu_bin(), dir, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s failed", cmd);
    static const char *const files[] = { "summary.json", "metrics.csv", "retention.csv",
                                         "observed_retention.csv", NULL };
    char run[1100];
    snprintf(run, sizeof run, "%s/run", dir);
    for (int i = 0; files[i]; i++)
        expect_no_undefined(run, files[i]);
    expect_no_undefined(dir, "console.txt");

    char path[1200];
    snprintf(path, sizeof path, "%s/summary.json", run);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "summary.json does not parse: %s", err.text);
    json_t *metrics = json_object_get(root, "metrics");
    json_t *omitted = json_object_get(root, "omitted_metrics");
    cr_expect(json_object_get(metrics, "retention_180"), "retention_180 is supported by 365 days");
    cr_expect(json_object_get(metrics, "clv_projected"), "clv_projected is missing");
    cr_expect(json_object_get(metrics, "retention_365") == NULL, "retention_365 should be omitted");
    const char *note = json_string_value(json_object_get(omitted, "retention_365"));
    cr_expect(note && strstr(note, "horizon"), "retention_365's note: %s", note ? note : "(none)");
    const char *ages = json_string_value(json_object_get(json_object_get(root, "retention_ages"),
                                                         "retention"));
    cr_expect(ages && strstr(ages, "omitted"), "retention_ages.retention: %s", ages ? ages : "(none)");
    json_decref(root);

    /* the console says why, in place of the number */
    snprintf(path, sizeof path, "%s/console.txt", dir);
    char *console = slurp(path);
    cr_expect(strstr(console, "retention at 365 days") && strstr(console, "omitted"),
              "the console does not explain the missing retention at 365 days:\n%s", console);
    free(console);

    /* retention.csv stops before age 365 and starts at 1 */
    snprintf(path, sizeof path, "%s/retention.csv", run);
    char *csv = slurp(path);
    cr_expect(strstr(csv, "\n0,1,0,1,1\n") != NULL, "retention.csv should start at 1 for age 0");
    cr_expect(strstr(csv, "\n364,") == NULL && strstr(csv, "\n365,") == NULL,
              "retention.csv carries ages the horizon cannot support");
    cr_expect(strstr(csv, "\n300,") != NULL, "retention.csv lacks age 300");
    free(csv);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(retention_outputs, sweep_with_a_365_day_horizon_draws_its_retention_plot)
{
    char dir[] = "/tmp/retsim-sw365-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "%s sweep scenarios/clinic.ini --set scenario.horizon_days=365 --param churn.mean=0.5:0.7:0.1 "
             "--reps 4 --seed 3 --out %s/sw > %s/console.txt 2>&1", tu_bin(), dir, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s failed", cmd);
    char path[1200];
    snprintf(path, sizeof path, "%s/console.txt", dir);
    char *console = slurp(path);
    cr_expect(strstr(console, "retention_180") != NULL,
              "the sweep should show the oldest supported age, retention_180:\n%s", console);
    cr_expect(strstr(console, "nan") == NULL, "NaN on the console:\n%s", console);
    free(console);
    if (tu_system("command -v gnuplot >/dev/null") == 0) {
        snprintf(cmd, sizeof cmd, "test -s %s/sw/sweep_retention.png", dir);
        cr_expect_eq(tu_system(cmd), 0, "sweep_retention.png was not drawn");
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}
