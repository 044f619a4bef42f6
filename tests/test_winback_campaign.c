/* Win-back after N silent days (models/promo_winback.c) and the dated
 * campaign (models/promo_campaign.c), on the satisfaction (restaurant) and
 * the BG/NBD (cdnow) baselines.  Effects are judged by the paired
 * difference over replications run on common random numbers, against its
 * standard error; counts and curves by closed checks. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/engine.h"
#include "../sim/metrics.h"
#include "../sim/stats.h"
#include "util.h"

/* A scenario on base_path with sections of its own (text): a labelled
 * section cannot be made by --set. */
static scenario *on_base(const char *base_path, const char *text)
{
    char *base = realpath(base_path, NULL), ini[8192];
    cr_assert(base, "%s", base_path);
    snprintf(ini, sizeof ini, "[scenario]\nbase = %s\n\n%s", base, text);
    free(base);
    return tu_scenario(ini);
}

/* cash in = revenue + liability in each of a few replications; with that,
 * whether the module paid for messages at all */
static void expect_money_identity(const scenario *sc, const char *what)
{
    double *r = tu_per_replication(sc, 2, 5, 1);
    for (int k = 0; k < 2; k++) {
        const double *m = r + k * MET_COUNT;
        cr_expect(fabs(m[MET_CASH_IN] - m[MET_REVENUE] - m[MET_LIABILITY_END]) <= 1e-6 * m[MET_CASH_IN],
                  "%s: cash %.2f != revenue %.2f + liability %.2f", what, m[MET_CASH_IN],
                  m[MET_REVENUE], m[MET_LIABILITY_END]);
        cr_expect(m[MET_TOUCH_COST] > 0, "%s: no message was paid for", what);
    }
    free(r);
}

static void expect_threads_agree(const scenario *sc, const char *what)
{
    run_result *one = tu_run(sc, 4, 8, 1), *two = tu_run(sc, 4, 8, 2);
    cr_expect(tu_same_result_but(one, two, -1), "%s: 1 and 2 threads differ", what);
    run_result_free(one);
    run_result_free(two);
}

/* ---- win-back ---- */

/* The shipped win-back moves repeat_rate (and visits) beyond 4 paired
 * standard errors against its baseline. */
static void winback_moves(const char *base_path, const char *variant_path)
{
    scenario *base = tu_load(base_path), *with = tu_load(variant_path);
    double diff, se, vdiff, vse;
    tu_paired(base, with, MET_REPEAT_RATE, 8, 17, &diff, &se);
    tu_paired(base, with, MET_VISITS, 8, 17, &vdiff, &vse);
    cr_expect(diff > 4 * se && se > 0, "%s: win-back moved repeat_rate by %+.4f (SE %.4f)",
              variant_path, diff, se);
    cr_expect(vdiff > 4 * vse && vse > 0, "%s: win-back moved visits by %+.1f (SE %.1f)",
              variant_path, vdiff, vse);
    fprintf(stderr, "%s: repeat_rate %+.4f (paired SE %.4f), visits %+.1f (SE %.1f)\n",
            variant_path, diff, se, vdiff, vse);
    expect_money_identity(with, variant_path);
    scen_free(base);
    scen_free(with);
}

Test(winback, moves_repeat_rate_on_satisfaction)
{
    winback_moves("scenarios/restaurant.ini", "scenarios/restaurant_winback.ini");
}

Test(winback, moves_repeat_rate_on_bgnbd)
{
    winback_moves("scenarios/cdnow.ini", "scenarios/cdnow_winback.ini");
}

Test(winback, identical_for_any_thread_count)
{
    scenario *sc = tu_load("scenarios/restaurant_winback.ini");
    expect_threads_agree(sc, "restaurant_winback");
    scen_free(sc);
}

/* The closed check: on a fixed-interval business (a monthly sBG
 * subscription: a renewal exactly every 30 days), a subscriber who renews
 * is never silent for 45 days; one who stops is, 45 days after the last
 * payment.  With at most one message a customer, the messages sent must be
 * exactly the customers whose purchases (as the engine's visit observer
 * saw them) show a silence longer than 45 days inside the horizon: a gap
 * between two purchases, or from the last one to the horizon.  Half of
 * the lapsed answer, so won-back customers come back and may lapse again:
 * still one message each. */
#define SUB_HORIZON 400
#define SUB_SILENT 45
static const char subscription[] =
    "[scenario]\nname = monthly\nhorizon_days = 400\n"
    "[customer]\nmodel = sbg\n"
    "[channel.sign_up]\nprospects_per_day = 4\nstep_conversion = 1\nstop_day = 250\n"
    "[sbg]\nalpha = 1\nbeta = 3\nperiod_days = 30\nprice = 10\n"
    "[winback]\nsilent_days = 45\nrespond_within_days = 10\nresponse = 0\nlapsed_response = 0.5\n"
    "cost_per_message = 1\nmax_messages = 1\n";

typedef struct purchase {
    uint64_t id;
    double t;
} purchase;

typedef struct purchase_log {
    purchase *p;
    size_t n, cap;
} purchase_log;

static void log_purchase(void *ctx, uint64_t customer, double day, double bill, int group)
{
    (void)group;
    (void)bill;
    purchase_log *log = ctx;
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 4096;
        log->p = realloc(log->p, log->cap * sizeof *log->p);
        cr_assert(log->p, "out of memory");
    }
    log->p[log->n++] = (purchase){ customer, day };
}

static int by_customer_then_day(const void *a, const void *b)
{
    const purchase *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->t > y->t) - (x->t < y->t);
}

/* Customers in the (sorted) log with a silence longer than SUB_SILENT days. */
static int customers_silent_long(purchase_log *log, int *customers)
{
    int silent = 0;
    *customers = 0;
    for (size_t i = 0; i < log->n;) {
        size_t j = i;
        int reached = 0;
        while (j + 1 < log->n && log->p[j + 1].id == log->p[i].id) {
            reached |= log->p[j + 1].t - log->p[j].t > SUB_SILENT;
            j++;
        }
        reached |= SUB_HORIZON - log->p[j].t > SUB_SILENT;
        silent += reached;
        (*customers)++;
        i = j + 1;
    }
    return silent;
}

/* Replication rep of sc, its purchases logged (sorted by customer, then
 * day) and its metrics copied to metric (MET_COUNT values). */
static void replicate_logged(const scenario *sc, int rep, purchase_log *log, double *metric)
{
    diag d = { 0 };
    engine *e = engine_prepare(sc, &d);
    cr_assert(e, "%s", d.msg);
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    cr_assert(w && out, "out of memory");
    log->n = 0;
    engine_work_observe(w, log_purchase, log);
    cr_assert(engine_replicate(e, w, 99, rep, out, &d) == 0, "%s", d.msg);
    memcpy(metric, out->metric, MET_COUNT * sizeof *metric);
    qsort(log->p, log->n, sizeof *log->p, by_customer_then_day);
    rep_free(out);
    engine_work_free(w);
    engine_free(e);
}

Test(winback, messages_equal_customers_silent_n_days)
{
    scenario *sc = tu_scenario(subscription);
    purchase_log log = { 0 };
    double m[MET_COUNT];
    for (int rep = 0; rep < 3; rep++) {
        replicate_logged(sc, rep, &log, m);
        int customers, silent = customers_silent_long(&log, &customers);
        double sent = m[MET_REMINDERS];
        cr_expect(customers == (int)m[MET_NEW_CUSTOMERS], "the log misses customers");
        cr_expect(silent > 100 && silent < customers, "%d of %d silent: the check would prove little",
                  silent, customers);
        cr_expect(sent == silent, "replication %d: %.0f messages, %d customers silent %d days", rep,
                  sent, silent, SUB_SILENT);
        cr_expect(m[MET_TOUCH_COST] == sent, "touch cost %.2f for %.0f messages at 1", m[MET_TOUCH_COST],
                  sent);
        cr_expect(m[MET_RECALLED] > 0.3 * sent && m[MET_RECALLED] < 0.7 * sent,
                  "%.0f of %.0f won back at lapsed_response 0.5", m[MET_RECALLED], sent);
    }
    free(log.p);
    scen_free(sc);
}

/* A message is decided on its day: with a repeat every 20 days, up to 3, a
 * subscriber who never answers (response 0) gets 3 messages 45, 65 and 85
 * days after the last payment, when they fall inside the horizon. */
Test(winback, repeats_while_silent_up_to_max_messages)
{
    /* the subscription with lapsed_response 0, at most 3 messages, every 20 days */
    char text[sizeof subscription + 128];
    memcpy(text, subscription, sizeof subscription);
    char *cut = strstr(text, "lapsed_response = 0.5");
    cr_assert(cut);
    snprintf(cut, sizeof text - (size_t)(cut - text),
             "lapsed_response = 0\ncost_per_message = 1\nmax_messages = 3\nrepeat_days = 20\n");
    scenario *sc = tu_scenario(text);
    purchase_log log = { 0 };
    double m[MET_COUNT];
    replicate_logged(sc, 0, &log, m);
    double expected = 0;
    for (size_t i = 0; i < log.n; i++)
        if (i + 1 == log.n || log.p[i + 1].id != log.p[i].id)  /* the last payment */
            for (int k = 0; k < 3; k++)
                expected += log.p[i].t + SUB_SILENT + 20 * k < SUB_HORIZON;
    cr_expect(m[MET_REMINDERS] == expected && expected > 0, "%.0f messages, expected %.0f",
              m[MET_REMINDERS], expected);
    free(log.p);
    scen_free(sc);
}

/* ---- the campaign ---- */

/* Curves c and k of results a and b on one day: v = { a's c, b's c, a's k, b's k }. */
static void curves_on(const run_result *a, const run_result *b, int c, int k, int day, double v[4])
{
    double se;
    tu_curve(a, c, day, &v[0], &se);
    tu_curve(b, c, day, &v[1], &se);
    tu_curve(a, k, day, &v[2], &se);
    tu_curve(b, k, day, &v[3], &se);
}

/* On BG/NBD a discount changes money only, not behaviour: with nobody
 * messaged, revenue and profit are the baseline's, bit for bit, on every
 * day outside the window (days 100 to 129) and (1 - 0.2) times them inside. */
Test(campaign, discount_only_inside_its_window_on_bgnbd)
{
    tu_calendar = 1;  /* cdnow.ini alone would run customer by customer (tests/util.h) */
    scenario *base = tu_load("scenarios/cdnow.ini");
    scenario *with = on_base("scenarios/cdnow.ini", "[campaign.spring]\nstart_day = 100\nstop_day = 130\n"
                                                    "discount = 0.2\nreach = 0\n");
    run_result *a = tu_run(base, 3, 4, 1), *b = tu_run(with, 3, 4, 1);
    int inside = 0;
    for (int day = 0; day < 546; day++) {
        double v[4];
        curves_on(a, b, CUR_REVENUE, CUR_PROFIT, day, v);
        double ra = v[0], rb = v[1], pa = v[2], pb = v[3];
        if (day >= 100 && day < 130) {
            cr_expect(fabs(rb - 0.8 * ra) <= 1e-9 * ra, "day %d: revenue %.6f, expected 0.8 x %.6f", day,
                      rb, ra);
            /* profit falls by the discount: 0.2 of the revenue */
            cr_expect(fabs((pa - pb) - 0.2 * ra) <= 1e-9 * ra, "day %d: profit fell by %.6f, not %.6f",
                      day, pa - pb, 0.2 * ra);
            inside += ra > 0;
        } else {
            cr_expect(ra == rb && pa == pb, "day %d, outside the window: revenue %.6f against %.6f",
                      day, rb, ra);
        }
    }
    cr_expect(inside == 30, "only %d days of the window had purchases", inside);
    run_result_free(a);
    run_result_free(b);
    scen_free(base);
    scen_free(with);
}

/* On the satisfaction model the discount also pleases, so later visits
 * move; before the campaign everything is the baseline's, to the bit, and
 * the window's days earn less per visit. */
Test(campaign, nothing_moves_before_it_on_satisfaction)
{
    scenario *base = tu_load("scenarios/restaurant.ini"), *with = tu_load("scenarios/restaurant_campaign.ini");
    run_result *a = tu_run(base, 2, 4, 1), *b = tu_run(with, 2, 4, 1);
    for (int day = 0; day < 400; day++) {
        double v[4];
        curves_on(a, b, CUR_REVENUE, CUR_VISITS, day, v);
        cr_expect(v[0] == v[1] && v[2] == v[3], "day %d, before the campaign: revenue %.2f against %.2f",
                  day, v[1], v[0]);
    }
    double rev_a = 0, rev_b = 0, vis_a = 0, vis_b = 0;
    for (int day = 400; day < 430; day++) {
        double v[4];
        curves_on(a, b, CUR_REVENUE, CUR_VISITS, day, v);
        rev_a += v[0];
        rev_b += v[1];
        vis_a += v[2];
        vis_b += v[3];
    }
    cr_expect(vis_b > vis_a, "the campaign brought no visit into its window: %.0f against %.0f", vis_b,
              vis_a);
    cr_expect(rev_b / vis_b < 0.9 * rev_a / vis_a, "15 %% off: %.1f a visit against %.1f", rev_b / vis_b,
              rev_a / vis_a);
    run_result_free(a);
    run_result_free(b);
    scen_free(base);
    scen_free(with);
}

/* The campaign's message and answer move visits on both baselines. */
Test(campaign, moves_visits_on_both_baselines)
{
    scenario *base = tu_load("scenarios/restaurant.ini"), *with = tu_load("scenarios/restaurant_campaign.ini");
    double diff, se;
    tu_paired(base, with, MET_REPEAT_RATE, 8, 17, &diff, &se);
    cr_expect(diff > 4 * se && se > 0, "restaurant_campaign moved repeat_rate by %+.4f (SE %.4f)", diff, se);
    fprintf(stderr, "restaurant_campaign: repeat_rate %+.4f (paired SE %.4f)\n", diff, se);
    expect_money_identity(with, "restaurant_campaign");
    scen_free(base);
    scen_free(with);
    base = tu_load("scenarios/cdnow.ini");
    with = on_base("scenarios/cdnow.ini", "[campaign.spring]\nstart_day = 120\nstop_day = 150\n"
                                          "voucher = 10\nresponse = 0.3\ncost_per_message = 0.2\n");
    tu_paired(base, with, MET_VISITS, 8, 17, &diff, &se);
    cr_expect(diff > 4 * se && se > 0, "a campaign on cdnow moved visits by %+.1f (SE %.1f)", diff, se);
    fprintf(stderr, "cdnow campaign: visits %+.1f (paired SE %.1f)\n", diff, se);
    expect_money_identity(with, "cdnow campaign with a voucher");
    double *r = tu_per_replication(with, 1, 5, 1);
    cr_expect(r[MET_DISCOUNTS] > 0, "no voucher was used");
    free(r);
    scen_free(base);
    scen_free(with);
}

/* Two campaigns at once ([campaign.LABEL] is repeatable), 1 and 2 threads. */
Test(campaign, two_campaigns_identical_for_any_thread_count)
{
    scenario *sc = on_base("scenarios/restaurant_campaign.ini",
                           "[campaign.autumn]\nstart_day = 600\nstop_day = 620\nvoucher = 50\n");
    expect_threads_agree(sc, "two campaigns");
    expect_money_identity(sc, "two campaigns");
    scen_free(sc);
}

/* ---- bad keys: exit 2, with the file, key, value and what is expected ---- */

static void expect_bad(const char *path, const char *set, const char *w1, const char *w2)
{
    diag d = { 0 };
    const char *sets[] = { set };
    scenario *sc = scen_load(path, sets, 1, &d);
    cr_expect(sc == NULL && d.status == DIAG_USAGE, "%s with %s was accepted", path, set);
    cr_expect(strstr(d.msg, w1) && strstr(d.msg, w2), "%s: '%s' or '%s' missing from: %s", set, w1, w2,
              d.msg);
    scen_free(sc);
}

Test(winback, bad_keys_are_refused)
{
    expect_bad("scenarios/restaurant_winback.ini", "winback.silent_days=0", "silent_days = 0",
               "allowed 1 to 3650 days");
    expect_bad("scenarios/restaurant_winback.ini", "winback.lapsed_response=1.5", "lapsed_response",
               "allowed 0 to 1");
    expect_bad("scenarios/restaurant_winback.ini", "winback.max_messages=1", "repeat_days = 45",
               "raise max_messages");
    expect_bad("scenarios/restaurant_winback.ini", "winback.silent_dayz=3", "silent_dayz",
               "silent_days");
    expect_bad("scenarios/restaurant_campaign.ini", "campaign.anniversary.stop_day=300",
               "stop_day = 300", "start_day = 400");
    expect_bad("scenarios/restaurant_campaign.ini", "campaign.anniversary.discount=1", "discount",
               "below 1");
    expect_bad("scenarios/restaurant_campaign.ini", "campaign.anniversary.audience=lapsed", "lapsed",
               "active_silent, not_lost, everyone");
    /* and through the command: status 2, the file and key named */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s run scenarios/restaurant_campaign.ini --set campaign.anniversary.voucher=50 "
             "--set campaign.anniversary.discount=0.1 --reps 2 --out /tmp/retsim-never-written "
             "2>/tmp/retsim-campaign-err.txt",
             tu_bin());
    cr_expect(tu_system(cmd) == 2, "a campaign with two offers did not exit 2");
    FILE *f = fopen("/tmp/retsim-campaign-err.txt", "r");
    char err[1024] = "";
    cr_assert(f);
    size_t n = fread(err, 1, sizeof err - 1, f);
    err[n] = '\0';
    fclose(f);
    remove("/tmp/retsim-campaign-err.txt");
    cr_expect(strstr(err, "restaurant_campaign.ini") && strstr(err, "one offer"), "stderr: %s", err);
}
