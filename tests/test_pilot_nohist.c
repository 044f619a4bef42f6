/* retsim pilot with no purchase history before the start (issue 12, bad
 * input): a welcome offer tried on new customers only.  Fewer than 2
 * customers per group bought before the start, so the estimate falls back
 * to the raw difference over the customers who arrived since the start
 * (no CUPED, no balance, no purchase model), says so, and refuses
 * --rollout; with fewer than 2 new customers in a group too: exit 2.
 *
 * The log is small enough to check by hand: one control customer bought
 * before the start (2024-02-01); since it, treated newcomers bought 3, 1
 * and 2 times (mean 2, variance 1), control newcomers 1, 1, 2 and 2 (mean
 * 1.5, variance 1/3), every purchase 10.00. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static char dir[64];

static void write_log(const char *path, int treated)
{
    static const char *const rows[] = {
        "OLD,2024-01-10,10.00,control", "OLD,2024-02-10,10.00,control",
        "T1,2024-02-01,10.00,treatment", "T1,2024-02-05,10.00,treatment", "T1,2024-02-09,10.00,treatment",
        "T2,2024-02-03,10.00,treatment",
        "T3,2024-02-02,10.00,treatment", "T3,2024-02-12,10.00,treatment",
        "C1,2024-02-04,10.00,control", "C2,2024-02-06,10.00,control",
        "C3,2024-02-01,10.00,control", "C3,2024-02-15,10.00,control",
        "C4,2024-02-07,10.00,control", "C4,2024-02-20,10.00,control", NULL
    };
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "customer,date,amount,group\n");
    for (int k = 0; rows[k]; k++)
        if (treated || (!strstr(rows[k], "T2") && !strstr(rows[k], "T3")))
            fprintf(f, "%s\n", rows[k]);
    fclose(f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s missing", path);
    char *s = calloc(1, 65536);
    cr_assert(s);
    size_t n = fread(s, 1, 65535, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

Test(pilot_nohist, new_customers_compared_raw_with_a_warning)
{
    snprintf(dir, sizeof dir, "/tmp/retsim-nohist-XXXXXX");
    cr_assert(mkdtemp(dir));
    char csv[200], cmd[1200], path[300];
    snprintf(csv, sizeof csv, "%s/welcome.csv", dir);
    write_log(csv, 1);
    snprintf(cmd, sizeof cmd, "%s pilot %s --group group --start 2024-02-01 --out %s/out > %s/stdout.txt",
             tu_bin(), csv, dir, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/stdout.txt", dir);
    char *text = slurp(path);
    cr_expect(strstr(text, "warning: no purchase history before the start"), "%s", text);
    cr_expect(!strstr(text, "CUPED,"), "a CUPED line printed: %s", text);
    free(text);
    snprintf(path, sizeof path, "%s/out/balance.csv", dir);
    cr_expect(access(path, F_OK) != 0, "balance.csv written without a pre-period");
    const char *files[] = { "effect.csv", "levers.csv", "pilot_weekly.csv", "summary.json", NULL };
    for (int k = 0; files[k]; k++) {
        snprintf(path, sizeof path, "%s/out/%s", dir, files[k]);
        char *s = slurp(path);
        cr_expect(!strstr(s, "nan") && !strstr(s, "NaN"), "%s has a NaN:\n%s", files[k], s);
        if (!strcmp(files[k], "effect.csv"))
            cr_expect(!strstr(s, "cuped"), "effect.csv has CUPED rows:\n%s", s);
        free(s);
    }
    snprintf(path, sizeof path, "%s/out/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert(root, "%s: %s", path, err.text);
    cr_expect(json_is_true(json_object_get(root, "no_history")));
    json_t *pe = json_object_get(json_object_get(root, "effect"), "purchases_per_customer");
    json_t *raw = json_object_get(pe, "raw");
    cr_expect(json_is_null(json_object_get(pe, "cuped")));
    double diff = json_real_value(json_object_get(raw, "diff"));
    double se = json_real_value(json_object_get(raw, "se"));
    double hi = json_real_value(json_object_get(raw, "ci_high"));
    /* by hand: 2 - 1.5; Welch SE sqrt(1/3 + (1/3)/4) = sqrt(5/12); degrees
     * of freedom (5/12)^2 / ((1/3)^2/2 + (1/12)^2/3) = 3, t(0.975, 3) =
     * 3.182446305 */
    cr_expect(fabs(diff - 0.5) < 1e-9, "difference %g, expected 0.5", diff);
    cr_expect(fabs(se - sqrt(5.0 / 12)) < 1e-9, "SE %g, expected %g", se, sqrt(5.0 / 12));
    cr_expect(fabs(hi - diff - 3.182446305 * sqrt(5.0 / 12)) < 1e-6, "half-width %g", hi - diff);
    cr_expect_eq(json_integer_value(json_object_get(raw, "n_t")), 3);
    cr_expect_eq(json_integer_value(json_object_get(raw, "n_c")), 4);   /* OLD is not new */
    json_t *rev = json_object_get(json_object_get(json_object_get(root, "effect"), "revenue_per_customer"), "raw");
    cr_expect(fabs(json_real_value(json_object_get(rev, "diff")) - 5) < 1e-9);
    /* the rate lever: ln(2 / 1.5), delta-method SE hypot(sqrt(1/3)/2, sqrt(1/12)/1.5) */
    json_t *rate = json_object_get(json_object_get(json_object_get(root, "model"), "levers"), "purchase_rate");
    cr_expect(json_is_true(json_object_get(rate, "estimated")));
    cr_expect(fabs(json_real_value(json_object_get(rate, "log_ratio")) - log(2 / 1.5)) < 1e-9);
    cr_expect(fabs(json_real_value(json_object_get(rate, "se")) - hypot(sqrt(1.0 / 3) / 2, sqrt(1.0 / 12) / 1.5))
              < 1e-9);
    json_t *drop = json_object_get(json_object_get(json_object_get(root, "model"), "levers"), "dropout");
    cr_expect(json_is_false(json_object_get(drop, "estimated")));
    json_decref(root);
    /* --rollout: refused, nothing written */
    snprintf(cmd, sizeof cmd, "%s pilot %s --group group --start 2024-02-01 --rollout -q --out %s/ro 2>/dev/null",
             tu_bin(), csv, dir);
    cr_expect_eq(tu_system(cmd), 2, "%s", cmd);
    snprintf(path, sizeof path, "%s/ro", dir);
    cr_expect(access(path, F_OK) != 0, "%s was written", path);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

Test(pilot_nohist, too_few_new_customers_too_exits_2)
{
    snprintf(dir, sizeof dir, "/tmp/retsim-nohist-XXXXXX");
    cr_assert(mkdtemp(dir));
    char csv[200], cmd[1200], path[300];
    snprintf(csv, sizeof csv, "%s/one_treated.csv", dir);
    write_log(csv, 0);   /* T1 alone in the treatment group */
    snprintf(cmd, sizeof cmd, "%s pilot %s --group group --start 2024-02-01 -q --out %s/out 2> %s/err.txt",
             tu_bin(), csv, dir, dir);
    cr_expect_eq(tu_system(cmd), 2, "%s", cmd);
    snprintf(path, sizeof path, "%s/out", dir);
    cr_expect(access(path, F_OK) != 0, "%s was written", path);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *err = slurp(path);
    cr_expect(strstr(err, "treatment group 1 new customer(s)"), "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}
