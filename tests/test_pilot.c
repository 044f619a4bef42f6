/* A pilot ([pilot], sim/pilot.h) and the simulated transaction log of
 * `retsim run --write-log` (issue 12, its first part: pilot logs with
 * known effects).
 *
 *   groups      the treatment group is a share `share` of the customers
 *               (within 4 standard errors), and the same in a world
 *               without the promotion (common random numbers);
 *   worlds      share 0 gives the control world's results (the scenario
 *               without the promotion), share 1 from day 0 the
 *               promotion's, bit for bit;
 *   start_day   before it every day-level curve is the control world's;
 *               after it the promotion shows;
 *   threads     1 and 2 threads give the same results, bit for bit;
 *   log         --write-log is read back by `retsim fit`, has one row per
 *               purchase of replication 0, and a group column iff [pilot];
 *   refusals    bad [pilot] keys and bad options exit 2.
 *
 * The promotion is the stamp card of scenarios/restaurant_stamp_card.ini
 * (no conversion hook: the groups among customers are the prospects'). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/basefile.h"
#include "../sim/metrics.h"
#include "../sim/pilot.h"
#include "util.h"

#define CONTROL "scenarios/restaurant.ini"
#define PROMO "scenarios/restaurant_stamp_card.ini"
static const uint64_t SEED = 20261207;

static scenario *load_with(const char *path, const char *a, const char *b, const char *c)
{
    const char *sets[3];
    int n = 0;
    if (a)
        sets[n++] = a;
    if (b)
        sets[n++] = b;
    if (c)
        sets[n++] = c;
    diag d = { 0 };
    scenario *sc = scen_load(path, sets, n, &d);
    cr_assert(sc, "%s: %s", path, d.msg);
    return sc;
}

/* ---- groups ---- */

typedef struct seen {
    uint64_t *id;
    int *group;
    size_t n, cap;
    long purchases;
} seen;

static void record(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)day;
    (void)bill;
    seen *s = ctx;
    s->purchases++;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->id = realloc(s->id, s->cap * sizeof *s->id);
        s->group = realloc(s->group, s->cap * sizeof *s->group);
        cr_assert(s->id && s->group, "out of memory");
    }
    s->id[s->n] = customer;
    s->group[s->n++] = group;
}

/* Replication rep's purchases: (customer, group) of each, in time order. */
static seen purchases_of(const scenario *sc, int rep)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    cr_assert(w && out, "out of memory");
    seen s = { 0 };
    engine_work_observe(w, record, &s);
    cr_assert_eq(engine_replicate(e, w, SEED, rep, out, &d), 0, "%s", d.msg);
    cr_assert_eq((double)s.purchases, out->metric[MET_VISITS], "observer saw %ld purchases, visits %g",
                 s.purchases, out->metric[MET_VISITS]);
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
    return s;
}

typedef struct id_group {
    uint64_t id;
    int group;
} id_group;

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = ((const id_group *)a)->id, y = ((const id_group *)b)->id;
    return (x > y) - (x < y);
}

/* The distinct customers of s, sorted by id, with their group; a customer
 * whose group changes between purchases fails the test. */
static id_group *customers_of(const seen *s, size_t *n)
{
    id_group *v = malloc(s->n * sizeof *v);
    cr_assert(v, "out of memory");
    for (size_t i = 0; i < s->n; i++)
        v[i] = (id_group){ s->id[i], s->group[i] };
    qsort(v, s->n, sizeof *v, cmp_id);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k > 0 && v[k - 1].id == v[i].id) {
            cr_assert_eq(v[k - 1].group, v[i].group, "customer %llx changed group",
                         (unsigned long long)v[i].id);
            continue;
        }
        v[k++] = v[i];
    }
    *n = k;
    return v;
}

Test(pilot, groups_are_the_share_and_the_same_without_the_promotion)
{
    scenario *with = load_with(PROMO, "pilot.share=0.3", "pilot.start_day=100", NULL);
    scenario *without = load_with(CONTROL, "pilot.share=0.3", "pilot.start_day=100", NULL);
    scenario *plain = tu_load(PROMO);
    seen a = purchases_of(with, 0), b = purchases_of(without, 0), p = purchases_of(plain, 0);
    size_t na, nb;
    id_group *ca = customers_of(&a, &na), *cb = customers_of(&b, &nb);
    double treated = 0;
    for (size_t i = 0; i < na; i++) {
        cr_assert(ca[i].group == PILOT_TREATMENT || ca[i].group == PILOT_CONTROL, "group %d",
                  ca[i].group);
        treated += ca[i].group == PILOT_TREATMENT;
    }
    double share = treated / (double)na, se = sqrt(0.3 * 0.7 / (double)na);
    cr_expect(fabs(share - 0.3) < 4 * se, "treated share %.4f of %zu customers, expected 0.3 (SE %.4f)",
              share, na, se);
    cr_log_info("pilot groups: %.0f of %zu customers treated (%.4f, SE %.4f)", treated, na, share, se);
    /* the same customer has the same group in the world without the promotion */
    size_t i = 0, j = 0, common = 0;
    while (i < na && j < nb) {
        if (ca[i].id < cb[j].id)
            i++;
        else if (ca[i].id > cb[j].id)
            j++;
        else {
            cr_expect_eq(ca[i].group, cb[j].group, "customer %llx: group %d with the promotion, %d without",
                         (unsigned long long)ca[i].id, ca[i].group, cb[j].group);
            common++;
            i++;
            j++;
        }
    }
    cr_expect(common > na / 2, "only %zu customers in common: the check would be vacuous", common);
    /* without [pilot] the observer says so */
    for (size_t k = 0; k < p.n; k++)
        cr_assert_eq(p.group[k], PILOT_NONE, "a scenario without [pilot] reports group %d", p.group[k]);
    free(ca);
    free(cb);
    free(a.id), free(a.group), free(b.id), free(b.group), free(p.id), free(p.group);
    scen_free(with);
    scen_free(without);
    scen_free(plain);
}

/* ---- the two worlds ---- */

Test(pilot, share_0_is_the_control_world_and_share_1_the_promotions)
{
    scenario *control = tu_load(CONTROL), *promo = tu_load(PROMO);
    scenario *none = load_with(PROMO, "pilot.share=0", "pilot.start_day=50", NULL);
    scenario *all = load_with(PROMO, "pilot.share=1", "pilot.start_day=0", NULL);
    run_result *rc = tu_run(control, 4, SEED, 2), *rp = tu_run(promo, 4, SEED, 2);
    run_result *rn = tu_run(none, 4, SEED, 2), *ra = tu_run(all, 4, SEED, 2);
    cr_assert(!tu_same_result_but(rc, rp, -1), "the promotion changes nothing: the check would be vacuous");
    cr_expect(tu_same_result_but(rn, rc, -1), "[pilot] share = 0 differs from the control world");
    cr_expect(tu_same_result_but(ra, rp, -1), "[pilot] share = 1 from day 0 differs from the promotion");
    run_result_free(rc), run_result_free(rp), run_result_free(rn), run_result_free(ra);
    scen_free(control), scen_free(promo), scen_free(none), scen_free(all);
}

/* A promotion with calendar hooks (the win-back's own events) on BG/NBD:
 * the same two identities. */
Test(pilot, share_0_and_1_with_calendar_events)
{
    tu_calendar = 1;  /* cdnow.ini alone would run customer by customer (tests/util.h) */
    scenario *control = tu_load("scenarios/cdnow.ini"), *promo = tu_load("scenarios/cdnow_winback.ini");
    scenario *none = load_with("scenarios/cdnow_winback.ini", "pilot.share=0", NULL, NULL);
    scenario *all = load_with("scenarios/cdnow_winback.ini", "pilot.share=1", "pilot.start_day=0", NULL);
    run_result *rc = tu_run(control, 2, SEED, 2), *rp = tu_run(promo, 2, SEED, 2);
    run_result *rn = tu_run(none, 2, SEED, 2), *ra = tu_run(all, 2, SEED, 2);
    cr_assert(!tu_same_result_but(rc, rp, -1), "the win-back changes nothing: the check would be vacuous");
    cr_expect(tu_same_result_but(rn, rc, -1), "[pilot] share = 0 differs from the control world");
    cr_expect(tu_same_result_but(ra, rp, -1), "[pilot] share = 1 from day 0 differs from the promotion");
    run_result_free(rc), run_result_free(rp), run_result_free(rn), run_result_free(ra);
    scen_free(control), scen_free(promo), scen_free(none), scen_free(all);
}

/* ---- the start day ---- */

static const int day_curves[] = { CUR_VISITS, CUR_REVENUE, CUR_COSTS, CUR_NEW_CUSTOMERS, CUR_ACTIVE,
                                  CUR_CUM_PROFIT };

static void check_start(const char *control_path, const char *promo_path, int start, int reps)
{
    char set[64];
    snprintf(set, sizeof set, "pilot.start_day=%d", start);
    tu_calendar = 1;  /* a control world without modules would run customer by customer (tests/util.h) */
    scenario *control = tu_load(control_path);
    scenario *pilot = load_with(promo_path, "pilot.share=0.5", set, NULL);
    run_result *rc = tu_run(control, reps, SEED, 2), *rp = tu_run(pilot, reps, SEED, 2);
    int later = 0;
    for (size_t k = 0; k < sizeof day_curves / sizeof *day_curves; k++) {
        int c = day_curves[k];
        for (int t = 0; t <= rc->scen[0].horizon; t++) {
            stat_summary a = stat_vec_get(rc->scen[0].curve[c], (size_t)t);
            stat_summary b = stat_vec_get(rp->scen[0].curve[c], (size_t)t);
            int same = !memcmp(&a.mean, &b.mean, sizeof a.mean) && !memcmp(&a.sd, &b.sd, sizeof a.sd);
            if (t < start)
                cr_expect(same, "%s: curve %s differs on day %d, before the pilot's start (%d): %.17g vs %.17g",
                          promo_path, curve_table[c].name, t, start, a.mean, b.mean);
            else
                later += !same;
        }
    }
    cr_expect(later > 0, "%s: the pilot changes nothing after its start day %d", promo_path, start);
    run_result_free(rc), run_result_free(rp);
    scen_free(control), scen_free(pilot);
}

Test(pilot, the_effect_starts_on_start_day)
{
    check_start(CONTROL, PROMO, 200, 4);
    /* win-back messages to the treated customers already on the books
     * when the pilot opens (pilot_opens), on a fitted base */
    check_start("scenarios/cdnow.ini", "scenarios/cdnow_winback.ini", 120, 2);
}

Test(pilot, stop_day_ends_the_promotion)
{
    scenario *stopped = load_with(PROMO, "pilot.share=0.5", "pilot.start_day=100", "pilot.stop_day=200");
    scenario *open = load_with(PROMO, "pilot.share=0.5", "pilot.start_day=100", NULL);
    run_result *rs = tu_run(stopped, 4, SEED, 2), *ro = tu_run(open, 4, SEED, 2);
    /* the same until day 200, then not */
    int before = 1, after = 0;
    for (int t = 0; t <= rs->scen[0].horizon; t++) {
        stat_summary a = stat_vec_get(rs->scen[0].curve[CUR_REVENUE], (size_t)t);
        stat_summary b = stat_vec_get(ro->scen[0].curve[CUR_REVENUE], (size_t)t);
        int same = !memcmp(&a.mean, &b.mean, sizeof a.mean);
        if (t < 200)
            before &= same;
        else
            after += !same;
    }
    cr_expect(before, "stop_day changes the days before it");
    cr_expect(after > 0, "stop_day changes nothing after it");
    run_result_free(rs), run_result_free(ro);
    scen_free(stopped), scen_free(open);
}

Test(pilot, one_and_two_threads_agree)
{
    scenario *sc = load_with(PROMO, "pilot.share=0.4", "pilot.start_day=150", NULL);
    run_result *one = tu_run(sc, 4, SEED, 1), *two = tu_run(sc, 4, SEED, 2);
    cr_expect(tu_same_result_but(one, two, -1), "1 and 2 threads differ with [pilot]");
    run_result_free(one), run_result_free(two);
    scen_free(sc);
}

/* ---- the log, through the command line ---- */

static long count_lines(const char *path, char *header, size_t cap)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s was not written", path);
    char line[512];
    long n = 0;
    header[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        if (n == 0)
            snprintf(header, cap, "%s", line);
        n++;
    }
    fclose(f);
    return n;
}

/* The log of a pilot of the CDNOW win-back (BG/NBD with Gamma-Gamma
 * spend: a log `retsim fit` can fit), fitted; then the fitted base itself
 * piloted: its existing customers are assigned too. */
Test(pilot, write_log_is_read_back_by_fit_and_a_fitted_base_is_piloted)
{
    char dir[] = "/tmp/retsim-pilot-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cwd[2048], ini[300], cmd[3000], log[400], header[512];
    cr_assert(getcwd(cwd, sizeof cwd));
    snprintf(ini, sizeof ini, "%s/pilot.ini", dir);
    FILE *f = fopen(ini, "w");
    cr_assert(f);
    fprintf(f, "[scenario]\nbase = %s/scenarios/cdnow_winback.ini\nname = pilot\n[pilot]\nshare = 0.5\n"
            "start_day = 100\n", cwd);
    fclose(f);
    /* the pilot: a group column, one row per purchase of replication 0 */
    snprintf(log, sizeof log, "%s/pilot_log.csv", dir);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 --threads 2 --seed %llu -q --out %s/run --write-log %s",
             tu_bin(), ini, (unsigned long long)SEED, dir, log);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    long rows = count_lines(log, header, sizeof header) - 1;
    cr_expect_str_eq(header, "customer,date,amount,group\n");
    scenario *sc = tu_load(ini);
    double *m = tu_per_replication(sc, 1, SEED, 1);
    cr_expect_eq((double)rows, m[MET_VISITS], "the log has %ld rows, replication 0 %g purchases", rows,
                 m[MET_VISITS]);
    cr_log_info("pilot log: %ld rows = replication 0's %g purchases", rows, m[MET_VISITS]);
    free(m);
    scen_free(sc);
    /* 1 thread, into the output folder: the same bytes */
    char log1[400];
    snprintf(log1, sizeof log1, "%s/run/pilot_log_1.csv", dir);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 --threads 1 --seed %llu -q --out %s/run --write-log %s",
             tu_bin(), ini, (unsigned long long)SEED, dir, log1);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", log, log1);
    cr_expect_eq(tu_system(cmd), 0, "the log differs between 1 and 2 threads");
    /* retsim fit reads it (the group column is ignored) */
    snprintf(cmd, sizeof cmd, "%s fit %s -q --param-uncertainty off --out %s/fit", tu_bin(), log, dir);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);

    /* the fitted base's log is dated from the day after as_of */
    char fitted[400];
    snprintf(fitted, sizeof fitted, "%s/fit/fitted.ini", dir);
    snprintf(log, sizeof log, "%s/base_log.csv", dir);
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 -q --out %s/base --write-log %s --set pilot.share=0.5",
             tu_bin(), fitted, dir, log);
    cr_assert_eq(tu_system(cmd), 0, "%s", cmd);
    f = fopen(log, "r");
    cr_assert(f);
    char line[512], id[64], date[16], group[32];
    cr_assert(fgets(line, sizeof line, f) && fgets(line, sizeof line, f));
    fclose(f);
    double amount;
    cr_assert_eq(sscanf(line, "%63[^,],%15[^,],%lf,%31s", id, date, &amount, group), 4, "row '%s'", line);
    scenario *base = tu_load(fitted);
    const base_params *bp = scen_get(base, &section_base);
    char day0[16];
    base_format_date(bp->as_of, 1, day0, sizeof day0);
    cr_expect(strcmp(date, day0) >= 0, "the first purchase %s is before day 0, %s", date, day0);
    cr_expect(!strcmp(group, "treatment") || !strcmp(group, "control"), "group '%s'", group);
    cr_expect(id[0] == 'c' && strlen(id) == 17, "customer id '%s'", id);
    /* --log-start would contradict as_of */
    snprintf(cmd, sizeof cmd, "%s run %s --reps 2 -q --out %s/base2 --write-log %s/l.csv --log-start "
             "2024-01-01 2>/dev/null", tu_bin(), fitted, dir, dir);
    cr_expect_eq(tu_system(cmd), 2, "%s", cmd);

    /* the fitted base piloted: its existing customers in both groups, the
     * two worlds at share 0 and 1, and nothing before start_day */
    scenario *promo = load_with(fitted, "winback.silent_days=60", NULL, NULL);
    scenario *none = load_with(fitted, "winback.silent_days=60", "pilot.share=0", NULL);
    scenario *all = load_with(fitted, "winback.silent_days=60", "pilot.share=1", "pilot.start_day=0");
    scenario *half = load_with(fitted, "winback.silent_days=60", "pilot.share=0.5", "pilot.start_day=90");
    run_result *rc = tu_run(base, 2, SEED, 2), *rp = tu_run(promo, 2, SEED, 2);
    run_result *rn = tu_run(none, 2, SEED, 2), *ra = tu_run(all, 2, SEED, 2), *rh = tu_run(half, 2, SEED, 2);
    cr_assert(!tu_same_result_but(rc, rp, -1), "the win-back changes nothing on the base: vacuous");
    cr_expect(tu_same_result_but(rn, rc, -1), "fitted base: share = 0 differs from the control world");
    cr_expect(tu_same_result_but(ra, rp, -1), "fitted base: share = 1 from day 0 differs from the promotion");
    int later = 0;
    for (int t = 0; t <= rc->scen[0].horizon; t++) {
        stat_summary a = stat_vec_get(rc->scen[0].curve[CUR_COSTS], (size_t)t);
        stat_summary b = stat_vec_get(rh->scen[0].curve[CUR_COSTS], (size_t)t);
        int same = !memcmp(&a.mean, &b.mean, sizeof a.mean);
        if (t < 90)
            cr_expect(same, "fitted base: costs differ on day %d, before the pilot's start", t);
        else
            later += !same;
    }
    cr_expect(later > 0, "fitted base: the pilot sends no win-back message after its start");
    seen s = purchases_of(half, 0);
    double base_treated = 0, base_n = 0;
    size_t n;
    id_group *cs = customers_of(&s, &n);
    for (size_t i = 0; i < n; i++)
        if (cs[i].id >> 63) {   /* an existing customer (sim/engine.c, BASE_ID_BIT) */
            base_n++;
            base_treated += cs[i].group == PILOT_TREATMENT;
        }
    cr_expect(base_n > 100 && fabs(base_treated / base_n - 0.5) < 4 * sqrt(0.25 / base_n),
              "existing customers treated: %.0f of %.0f", base_treated, base_n);
    free(cs), free(s.id), free(s.group);
    run_result_free(rc), run_result_free(rp), run_result_free(rn), run_result_free(ra), run_result_free(rh);
    scen_free(base), scen_free(promo), scen_free(none), scen_free(all), scen_free(half);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* ---- refusals ---- */

Test(pilot, bad_keys_and_options_exit_2)
{
    char dir[] = "/tmp/retsim-pilotbad-XXXXXX";
    cr_assert(mkdtemp(dir));
    char cmd[3000];
    const char *bad_sets[] = { "pilot.share=1.5", "pilot.share=-0.1", "pilot.start_day=-1",
                               "pilot.colour=red" };
    for (size_t i = 0; i < sizeof bad_sets / sizeof *bad_sets; i++) {
        snprintf(cmd, sizeof cmd, "%s run %s --reps 2 -q --out %s/o --set %s 2>/dev/null", tu_bin(), PROMO,
                 dir, bad_sets[i]);
        cr_expect_eq(tu_system(cmd), 2, "%s", cmd);
    }
    snprintf(cmd, sizeof cmd,
             "%s run %s --reps 2 -q --out %s/o --set pilot.start_day=300 --set pilot.stop_day=200 2>/dev/null",
             tu_bin(), PROMO, dir);
    cr_expect_eq(tu_system(cmd), 2, "%s", cmd);
    const char *bad_opts[] = {
        "--log-start 2024-01-01",                            /* without --write-log */
        "--write-log LOG --log-start 2024-02-30",            /* not a date */
        "--write-log LOG --log-start yesterday",
        "--write-log DIR",                                   /* a folder */
        "--write-log DIR/",
        "--write-log DIR/no/such/folder/log.csv",            /* a folder that is not there */
        "--write-log",                                       /* no value */
    };
    for (size_t i = 0; i < sizeof bad_opts / sizeof *bad_opts; i++) {
        char opt[600];
        snprintf(opt, sizeof opt, "%s", bad_opts[i]);
        char *p;
        char expanded[1200] = "";
        const char *rest = opt;
        while ((p = strstr(rest, "DIR")) || (p = strstr(rest, "LOG"))) {
            strncat(expanded, rest, (size_t)(p - rest));
            strncat(expanded, dir, sizeof expanded - strlen(expanded) - 1);
            if (!strncmp(p, "LOG", 3))
                strncat(expanded, "/log.csv", sizeof expanded - strlen(expanded) - 1);
            rest = p + 3;
        }
        strncat(expanded, rest, sizeof expanded - strlen(expanded) - 1);
        snprintf(cmd, sizeof cmd, "%s run %s --reps 2 -q --out %s/o %s 2>/dev/null", tu_bin(), PROMO, dir,
                 expanded);
        cr_expect_eq(tu_system(cmd), 2, "%s", cmd);
    }
    /* only run writes a log */
    snprintf(cmd, sizeof cmd, "%s compare %s %s --reps 2 -q --out %s/c --write-log %s/l.csv 2>/dev/null",
             tu_bin(), CONTROL, PROMO, dir, dir);
    cr_expect_eq(tu_system(cmd), 2, "%s", cmd);
    /* nothing was written by a refusal */
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", dir);
    cr_expect_eq(tu_system(cmd), 0, "a refused run left files in %s", dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    tu_system(cmd);
}

/* The applied line says the promotion reached only the treated share, from
 * its start day (and to its stop day): without it a pilot's run reads as if
 * every customer got the promotion. */
Test(pilot, the_applied_line_names_the_treated_share_and_days)
{
    const struct { const char *stop; const char *want; } cases[] = {
        { NULL, "(pilot: 50 % of customers, from day 100)" },
        { "pilot.stop_day=200", "(pilot: 50 % of customers, days 100 to 199)" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        scenario *sc = load_with(PROMO, "pilot.share=0.5", "pilot.start_day=100", cases[k].stop);
        diag d = { 0 };
        engine *e = engine_prepare(sc, &d);
        cr_assert(e, "%s", d.msg);
        const char *names[16];
        char desc[16][256];
        int np = engine_promotions(e, names, desc, 16, LANG_EN);
        int checked = 0;
        for (int i = 0; i < np; i++)
            if (!strcmp(names[i], "stamp_card")) {
                cr_expect(strstr(desc[i], cases[k].want), "applied '%s' lacks '%s'", desc[i], cases[k].want);
                checked++;
            }
        cr_assert_eq(checked, 1, "%s: no stamp card among the applied promotions", PROMO);
        engine_free(e);
        scen_free(sc);
    }
    /* without [pilot], nothing is added */
    scenario *sc = tu_load(PROMO);
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    const char *names[16];
    char desc[16][256];
    int np = engine_promotions(e, names, desc, 16, LANG_EN);
    cr_assert_gt(np, 0);
    for (int i = 0; i < np; i++)
        cr_expect(!strstr(desc[i], "pilot:"), "applied '%s' names a pilot without [pilot]", desc[i]);
    engine_free(e);
    scen_free(sc);
}
