#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "figures.h"
#include "../sim/basefile.h"
#include "../sim/interrupt.h"
#include "../sim/promotion.h"
#include "../sim/sections.h"
#include "../sim/uncertain.h"



int out_mkdirs(const char *dir, diag *d)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return diag_set(d, DIAG_USAGE, "output directory name too long: %s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) && errno != EEXIST)
            return diag_set(d, DIAG_RUNTIME, "cannot create directory %s: %s", path,
                            strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST)
        return diag_set(d, DIAG_RUNTIME, "cannot create directory %s: %s", path,
                        strerror(errno));
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode))
        return diag_set(d, DIAG_RUNTIME, "%s exists and is not a directory", path);
    return 0;
}

/* A fresh name: dir/name.XXXXXX.tmp, opened with O_CREAT|O_EXCL|O_NOFOLLOW so
 * that nothing planted there (a file, or a symbolic link to one elsewhere)
 * is ever opened, let alone overwritten: a name that exists is skipped. */
FILE *out_open(const char *dir, const char *name, char *tmp, size_t cap, diag *d)
{
    static unsigned long long counter;
    if (interrupt_pending()) {
        diag_set(d, DIAG_RUNTIME, "interrupted");
        return NULL;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    unsigned long long x = ((unsigned long long)getpid() << 32) ^ (unsigned long long)now.tv_nsec
                           ^ ((unsigned long long)now.tv_sec << 20);
    for (int attempt = 0; attempt < 100; attempt++) {
        /* splitmix64 step: well spread letters from a counter */
        unsigned long long z = (x += 0x9E3779B97F4A7C15ULL + ++counter);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        char suffix[7];
        for (int i = 0; i < 6; i++, z /= 36)
            suffix[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[z % 36];
        suffix[6] = '\0';
        if (snprintf(tmp, cap, "%s/%s.%s.tmp", dir, name, suffix) >= (int)cap) {
            diag_set(d, DIAG_RUNTIME, "cannot write %s/%s: path too long", dir, name);
            return NULL;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
        if (!f) {
            diag_set(d, DIAG_RUNTIME, "cannot write %s/%s: %s", dir, name, strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlink(tmp);
            }
        }
        return f;
    }
    diag_set(d, DIAG_RUNTIME, "cannot write %s/%s: no free temporary name", dir, name);
    return NULL;
}

int out_commit(FILE *f, const char *tmp, const char *dir, const char *name, diag *d)
{
    char final[4200];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    int failed = ferror(f);
    failed |= fflush(f) != 0;
    failed |= fsync(fileno(f)) != 0 && errno != EINVAL;
    failed |= fclose(f) != 0;
    int err = errno;
    if (!failed && interrupt_pending()) {
        unlink(tmp);
        return diag_set(d, DIAG_RUNTIME, "interrupted");
    }
    if (failed || rename(tmp, final)) {
        if (!failed)
            err = errno;
        unlink(tmp);
        return diag_set(d, DIAG_RUNTIME, "cannot write %s: %s", final, strerror(err));
    }
    return 0;
}

/* ---- CSV ---- */

void out_csv_number(FILE *f, double x)
{
    if (isnan(x))
        fputs(",", f);
    else
        fprintf(f, ",%.10g", x);
}

void out_csv_summary(FILE *f, const stat_summary *s)
{
    out_csv_number(f, s->mean);
    out_csv_number(f, s->sd);
    out_csv_number(f, s->ci_low);
    out_csv_number(f, s->ci_high);
}

json_t *out_json_number(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

int out_applied_effects(const engine *e, const char *name, char *buf, size_t cap, lang_id lang)
{
    buf[0] = '\0';
    for (int i = 0; i < engine_promotion_count(e); i++) {
        const void *params;
        const promo_type *pt = engine_promotion(e, i, &params);
        if (!strcmp(pt->name, name))
            return scen_effects_text(engine_scenario(e), pt->section, buf, cap, lang);
    }
    return 0;
}

void out_print_applied(FILE *f, const engine *e, lang_id lang)
{
    const char *names[16];
    char desc[16][256], effects[1024];
    int np = engine_promotions(e, names, desc, 16, lang);
    for (int i = 0; i < np; i++) {
        fprintf(f, "  %s %s\n", tr(lang, "applied:"), desc[i]);
        if (out_applied_effects(e, names[i], effects, sizeof effects, lang))
            fprintf(f, "    %s %s\n",
                    tr(lang, "assumed effects (not measured; retsim pilot measures them):"), effects);
    }
}

json_t *out_json_promotions(const engine *e)
{
    const char *names[16];
    char desc[16][256], effects[1024];
    int np = engine_promotions(e, names, desc, 16, LANG_EN);
    json_t *promos = json_array();
    for (int i = 0; i < np; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(names[i]));
        json_object_set_new(p, "applied", json_string(desc[i]));
        if (out_applied_effects(e, names[i], effects, sizeof effects, LANG_EN))
            json_object_set_new(p, "assumed_effects", json_string(effects));
        json_array_append_new(promos, p);
    }
    return promos;
}

int out_json_commit(json_t *root, const char *dir, const char *name, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, name, tmp, sizeof tmp, d);
    if (!f) {
        json_decref(root);
        return d->status;
    }
    /* 17 digits: every double reads back exactly */
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc) {
        fclose(f);
        unlink(tmp);
        return diag_set(d, DIAG_RUNTIME, "cannot write %s/%s", dir, name);
    }
    return out_commit(f, tmp, dir, name, d);
}

/* day (or age) column plus mean, sd, ci_low, ci_high of each curve; with
 * as_of (a fitted base's day 0, [base]), each day's date after the day */
static int write_curves(const char *dir, const char *name, const char *xname,
                        const scen_stats *s, const curve_id *ids, int n, int from,
                        const char *as_of, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, name, tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs(xname, f);
    if (as_of)
        fputs(",date", f);
    for (int i = 0; i < n; i++) {
        const char *c = curve_table[ids[i]].name;
        fprintf(f, ",%s_mean,%s_sd,%s_ci_low,%s_ci_high", c, c, c, c);
    }
    fputc('\n', f);
    for (int t = from; t <= s->horizon; t++) {
        fprintf(f, "%d", t);
        if (as_of) {
            char date[32];
            base_format_date(as_of, t + 1, date, sizeof date);
            fprintf(f, ",%s", date);
        }
        for (int i = 0; i < n; i++) {
            stat_summary st = stat_vec_get(s->curve[ids[i]], (size_t)t);
            /* a flow per day (unit ".../day") has no day H: the horizon ends
             * as it begins, so its 0 there would draw a false drop */
            const char *unit = curve_table[ids[i]].unit;
            size_t ul = strlen(unit);
            if (t == s->horizon && ul >= 4 && !strcmp(unit + ul - 4, "/day"))
                st.mean = st.sd = st.ci_low = st.ci_high = NAN;
            out_csv_summary(f, &st);
        }
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, name, d);
}

/* Replications behind s: profit has a value in every one. */
static long replications(const scen_stats *s)
{
    return stat_vec_get(s->metric, MET_PROFIT).n;
}

/* A by-age point is kept when every replication supports it: a mean over
 * the few replications whose customers happen to reach an age would be a
 * mean over a different sample from the ages before it. */
static int by_age_written(const scen_stats *s, curve_id c, int t)
{
    stat_summary st = stat_vec_get(s->curve[c], (size_t)t);
    return !isnan(st.ci_low) && st.n == replications(s);
}

/* A by-age curve's file: the ages the horizon supports (docs/metrics.md);
 * how far it goes and why no further is in summary.json's retention_ages. */
static int write_by_age(const char *dir, const char *name, const scen_stats *s, curve_id c,
                        diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, name, tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    const char *n = curve_table[c].name;
    fprintf(f, "age_days,%s_mean,%s_sd,%s_ci_low,%s_ci_high\n", n, n, n, n);
    for (int t = 0; t <= s->horizon; t++) {
        if (!by_age_written(s, c, t))
            break;
        stat_summary st = stat_vec_get(s->curve[c], (size_t)t);
        fprintf(f, "%d", t);
        out_csv_summary(f, &st);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, name, d);
}

/* The last age of a by-age curve that retention.csv carries, or -1. */
static int by_age_last(const scen_stats *s, curve_id c)
{
    int t = 0;
    while (t <= s->horizon && by_age_written(s, c, t))
        t++;
    return t - 1;
}

/* A metric with no value (or no interval) is left out of metrics.csv and
 * summary.json's metrics, and named with the reason in omitted_metrics; a
 * retention metric also when some replication cannot support its age. */
static int metric_written(const scen_stats *s, metric_id m, const stat_summary *st)
{
    if (metric_retention_age(m) > 0 && st->n != replications(s))
        return 0;
    return !isnan(st->mean) && !isnan(st->ci_low);
}

/* Why metric m is left out: no customer won within the horizon (a closed
 * fitted base), or the metric's own reason. */
static const char *omitted_note(const scen_stats *s, metric_id m, char *buf, size_t cap)
{
    if (metric_of_new_customers(m) && !(stat_vec_get(s->metric, MET_NEW_CUSTOMERS).mean > 0))
        return metric_no_new_customers_note(buf, cap);
    return metric_omitted_note(m, s->horizon, buf, cap);
}


/* With parameter draws, metrics.csv and summary.json add to each metric
 * the share of its interval's variance from the parameters and the
 * half-width of the Monte Carlo part alone (sim/stats.c); without, the
 * files are as they always were. */
static int write_metrics_csv(const char *dir, const scen_stats *s, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "metrics.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    int drawn = s->uncertain == 1;
    fputs(drawn ? "metric,unit,mean,sd,ci_low,ci_high,replications,param_share,mc_halfwidth\n"
                : "metric,unit,mean,sd,ci_low,ci_high,replications\n", f);
    for (int m = 0; m < MET_COUNT; m++) {
        stat_summary st = stat_vec_get(s->metric, (size_t)m);
        if (!metric_written(s, (metric_id)m, &st))
            continue;
        fprintf(f, "%s,%s", metric_table[m].name, metric_table[m].unit);
        out_csv_summary(f, &st);
        fprintf(f, ",%ld", st.n);
        if (drawn) {
            out_csv_number(f, st.param_share);
            out_csv_number(f, st.mc_halfwidth);
        }
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "metrics.csv", d);
}

static int write_funnel_csv(const char *dir, const scen_stats *s, diag *d)
{
    static const metric_id steps[] = { MET_PROSPECTS, MET_NEW_CUSTOMERS, MET_FUNNEL_2ND,
                                       MET_FUNNEL_3RD, MET_FUNNEL_5TH };
    static const char *const labels[] = { "prospects", "1st purchase", "2nd purchase",
                                          "3rd purchase", "5th purchase" };
    char tmp[4200];
    FILE *f = out_open(dir, "funnel.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("step,mean,sd,ci_low,ci_high\n", f);
    for (int i = 0; i < 5; i++) {
        stat_summary st = stat_vec_get(s->metric, (size_t)steps[i]);
        fprintf(f, "%s", labels[i]);
        out_csv_summary(f, &st);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "funnel.csv", d);
}

static int write_rfm_csv(const char *dir, const scen_stats *s, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "rfm.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("recency,frequency,mean,sd,ci_low,ci_high\n", f);
    for (int r = 0; r < RFM_RECENCY; r++)
        for (int q = 0; q < RFM_FREQUENCY; q++) {
            stat_summary st = stat_vec_get(s->rfm, (size_t)(r * RFM_FREQUENCY + q));
            fprintf(f, "%s,%s", rfm_recency_names[r], rfm_frequency_names[q]);
            out_csv_summary(f, &st);
            fputc('\n', f);
        }
    return out_commit(f, tmp, dir, "rfm.csv", d);
}

static int write_clv_csv(const char *dir, const scen_stats *s, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "clv.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("quantile,mean,sd,ci_low,ci_high\n", f);
    for (int q = 0; q < CLV_QUANTILES; q++) {
        stat_summary st = stat_vec_get(s->clv_quantile, (size_t)q);
        fprintf(f, "%g", clv_quantile_levels[q]);
        out_csv_summary(f, &st);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "clv.csv", d);
}

/* Customers by number of purchases within the horizon (1, 2, ..., 7+): the
 * mean over replications and its 95 % CI.  The columns match fit's
 * frequency.csv (data against model), so the two can be read side by side;
 * the bins add up to new_customers. */
static int write_frequency_csv(const char *dir, const scen_stats *s, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "frequency.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("purchases,customers,ci_low,ci_high\n", f);
    for (int b = 0; b < FREQ_BINS; b++) {
        stat_summary st = stat_vec_get(s->frequency, (size_t)b);
        fprintf(f, "%s", frequency_bin_names[b]);
        out_csv_number(f, st.mean);
        out_csv_number(f, st.ci_low);
        out_csv_number(f, st.ci_high);
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "frequency.csv", d);
}

/* A matrix: first column the cohort, header the months since; mean shares. */
static int write_cohorts_csv(const char *dir, const scen_stats *s, diag *d)
{
    int months = (int)ceil(s->horizon / (365.25 / 12.0));
    if (months > COHORT_MONTHS)
        months = COHORT_MONTHS;
    char tmp[4200];
    FILE *f = out_open(dir, "cohorts.csv", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    fputs("cohort_month", f);
    for (int b = 0; b < months; b++)
        fprintf(f, ",%d", b);
    fputc('\n', f);
    for (int a = 0; a < months; a++) {
        fprintf(f, "%d", a);
        for (int b = 0; b < months; b++) {
            stat_summary st = stat_vec_get(s->cohort, (size_t)(a * COHORT_MONTHS + b));
            if (isnan(st.mean))
                fputs(",NaN", f);
            else
                fprintf(f, ",%.6g", st.mean);
        }
        fputc('\n', f);
    }
    return out_commit(f, tmp, dir, "cohorts.csv", d);
}

/* ---- JSON ---- */

static json_t *summary_json(const stat_summary *st, const char *unit)
{
    json_t *o = json_object();
    json_object_set_new(o, "mean", out_json_number(st->mean));
    json_object_set_new(o, "sd", out_json_number(st->sd));
    json_object_set_new(o, "ci_low", out_json_number(st->ci_low));
    json_object_set_new(o, "ci_high", out_json_number(st->ci_high));
    if (unit)
        json_object_set_new(o, "unit", json_string(unit));
    if (st->uncertain) {
        json_object_set_new(o, "param_share", out_json_number(st->param_share));
        json_object_set_new(o, "mc_halfwidth", out_json_number(st->mc_halfwidth));
        json_object_set_new(o, "param_sd", out_json_number(st->param_sd));
        json_object_set_new(o, "process_sd", out_json_number(st->process_sd));
    }
    return o;
}

json_t *out_json_uncertainty(const scenario *sc, const run_result *res, int k)
{
    const scen_stats *s = &res->scen[k];
    if (!s->uncertain)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "drawn", json_boolean(s->uncertain == 1));
    if (s->uncertain == 1) {
        json_object_set_new(o, "draws", json_integer(res->draws));
        json_object_set_new(o, "replications_per_draw", json_integer(2));
        if (res->reps != res->reps_asked)
            json_object_set_new(o, "replications_asked", json_integer(res->reps_asked));
        json_object_set_new(o, "interval",
            json_string("the 95 % interval of each expected value carries the parameters' "
                        "uncertainty and the Monte Carlo noise: mean +/- t * sqrt(sigma_param^2 + "
                        "MSB / n), sigma_param^2 = max(0, (MSB - MSW) / 2) from a one-way analysis "
                        "of variance over the pairs of replications sharing a draw; param_share is "
                        "sigma_param^2 over the whole, mc_halfwidth the interval without it "
                        "(docs/whatif.md)"));
    } else {
        json_object_set_new(o, "note", json_string("--param-uncertainty off: every uncertain key "
                                                   "at its point value (its distribution's mean), "
                                                   "the draws file ignored; the intervals are Monte "
                                                   "Carlo noise only"));
    }
    json_t *keys = json_object();
    for (int i = 0; i < sc->ninst; i++) {
        const scen_instance *in = &sc->inst[i];
        for (int j = 0; in->dist && in->section->keys[j].name; j++) {
            if (in->dist[j].kind == DIST_NONE)
                continue;
            char name[400], text[160];
            if (in->label[0])
                snprintf(name, sizeof name, "%s.%s.%s", in->section->name, in->label,
                         in->section->keys[j].name);
            else
                snprintf(name, sizeof name, "%s.%s", in->section->name, in->section->keys[j].name);
            scen_dist_format(&in->dist[j], text, sizeof text);
            json_object_set_new(keys, name, json_string(text));
        }
    }
    json_object_set_new(o, "keys", keys);
    if (sc->draws) {
        json_t *f = json_object();
        json_object_set_new(f, "file", json_string(sc->draws_path));
        json_object_set_new(f, "rows", json_integer(sc->draws->nrows));
        json_t *cols = json_array();
        for (int c = 0; c < sc->draws->ncols; c++) {
            const scen_instance *in = &sc->inst[sc->draws->inst[c]];
            char name[400];
            if (in->label[0])
                snprintf(name, sizeof name, "%s.%s.%s", in->section->name, in->label,
                         sc->draws->key[c]->name);
            else
                snprintf(name, sizeof name, "%s.%s", in->section->name, sc->draws->key[c]->name);
            json_array_append_new(cols, json_string(name));
        }
        json_object_set_new(f, "columns", cols);
        const uncertainty_params *u = scen_get(sc, &section_uncertainty);
        if (u && scen_is_set(sc, &section_uncertainty, NULL, "method"))
            json_object_set_new(f, "method", json_string(uncertainty_method_names[u->method]));
        json_object_set_new(o, "draws_file", f);
    }
    return o;
}

static int write_summary_json(const char *dir, const scenario *sc, const engine *e,
                              const run_opts *o, const run_result *res, int k, diag *d)
{
    const scen_stats *s = &res->scen[k];
    json_t *root = json_object();
    json_object_set_new(root, "retsim_version", json_string(RETSIM_VERSION));
    json_object_set_new(root, "scenario", json_string(scen_name(sc)));
    json_object_set_new(root, "file", json_string(sc->path));
    json_object_set_new(root, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(root, "replications", json_integer(res->reps));
    json_object_set_new(root, "threads", json_integer(res->threads));
    json_object_set_new(root, "horizon_days", json_integer(s->horizon));
    /* what observed_retention.csv means: a customer silent this long is lost */
    json_object_set_new(root, "lost_after_days",
                        json_integer(((const lifecycle_params *)scen_get(sc, &section_lifecycle))->lost_after));
    if (scen_present(sc, &section_base)) {
        const base_params *bp = scen_get(sc, &section_base);
        char end[32];
        base_format_date(bp->as_of, s->horizon, end, sizeof end);
        char start[32];
        base_format_date(bp->as_of, 1, start, sizeof start);
        json_object_set_new(root, "as_of", json_string(bp->as_of));
        json_object_set_new(root, "first_day", json_string(start));
        json_object_set_new(root, "last_day", json_string(end));
    }
    json_object_set_new(root, "currency", json_string(scen_currency(sc)));
    json_object_set_new(root, "confidence", json_real(0.95));
    json_object_set_new(root, "promotions", out_json_promotions(e));
    json_t *unc = out_json_uncertainty(sc, res, k);
    if (unc)
        json_object_set_new(root, "parameter_uncertainty", unc);
    json_t *metrics = json_object(), *omitted = json_object();
    for (int m = 0; m < MET_COUNT; m++) {
        stat_summary st = stat_vec_get(s->metric, (size_t)m);
        char note[400];
        if (metric_written(s, (metric_id)m, &st))
            json_object_set_new(metrics, metric_table[m].name, summary_json(&st, metric_table[m].unit));
        else if (!(metric_table[m].optional && isnan(st.mean)))  /* a mechanism left out */
            json_object_set_new(omitted, metric_table[m].name,
                                json_string(omitted_note(s, (metric_id)m, note, sizeof note)));
    }
    json_object_set_new(root, "metrics", metrics);
    json_object_set_new(root, "omitted_metrics", omitted);
    /* how far the by-age curves go, and why no further */
    json_t *ages = json_object();
    static const curve_id by_age[] = { CUR_RETENTION, CUR_OBSERVED_RETENTION };
    for (int i = 0; i < 2; i++) {
        int last = by_age_last(s, by_age[i]);
        char note[300];
        char judged[120] = "";
        if (by_age[i] == CUR_OBSERVED_RETENTION)
            snprintf(judged, sizeof judged, " (a purchase is judged %d days after it: [lifecycle] lost_after)",
                     ((const lifecycle_params *)scen_get(sc, &section_lifecycle))->lost_after);
        if (last < s->horizon)
            snprintf(note, sizeof note, "ages 0 to %d days; older ages omitted: no customer is "
                     "followed that far within the %d-day horizon%s", last, s->horizon, judged);
        else
            snprintf(note, sizeof note, "ages 0 to %d days", last);
        json_object_set_new(ages, curve_table[by_age[i]].name, json_string(note));
    }
    json_object_set_new(root, "retention_ages", ages);
    json_t *clv = json_object();
    for (int q = 0; q < CLV_QUANTILES; q++) {
        char key[16];
        snprintf(key, sizeof key, "p%02.0f", clv_quantile_levels[q] * 100);
        stat_summary st = stat_vec_get(s->clv_quantile, (size_t)q);
        json_object_set_new(clv, key, summary_json(&st, NULL));
    }
    json_object_set_new(root, "clv_quantiles", clv);
    json_t *rfm = json_object();
    for (int r = 0; r < RFM_RECENCY; r++) {
        json_t *row = json_object();
        for (int q = 0; q < RFM_FREQUENCY; q++) {
            stat_summary st = stat_vec_get(s->rfm, (size_t)(r * RFM_FREQUENCY + q));
            json_object_set_new(row, rfm_frequency_names[q], summary_json(&st, NULL));
        }
        json_object_set_new(rfm, rfm_recency_names[r], row);
    }
    json_object_set_new(root, "rfm_at_horizon", rfm);
    return out_json_commit(root, dir, "summary.json", d);
}

int out_write_scenario(const char *dir, const scenario *sc, diag *d)
{
    char tmp[4200];
    FILE *f = out_open(dir, "scenario.ini", tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    scen_write_resolved(f, sc);
    return out_commit(f, tmp, dir, "scenario.ini", d);
}

int out_write_run(const char *dir, const scenario *sc, const engine *e, const run_opts *o,
                  const run_result *res, int k, lang_id lang, diag *d)
{
    const scen_stats *s = &res->scen[k];
    /* a fitted base's outputs are dated from its as-of date */
    const base_params *bp = scen_get(sc, &section_base);
    const char *as_of = scen_present(sc, &section_base) ? bp->as_of : NULL;
    static const curve_id profit[] = { CUR_REVENUE, CUR_COSTS, CUR_PROFIT, CUR_CUM_REVENUE,
                                       CUR_CUM_PROFIT, CUR_CUM_PROFIT_NPV };
    static const curve_id active[] = { CUR_ACTIVE, CUR_SILENT, CUR_DORMANT, CUR_NEW_CUSTOMERS,
                                       CUR_VISITS };
    if (out_mkdirs(dir, d)
        || write_summary_json(dir, sc, e, o, res, k, d)
        || write_metrics_csv(dir, s, d)
        || write_by_age(dir, "retention.csv", s, CUR_RETENTION, d)
        || write_by_age(dir, "observed_retention.csv", s, CUR_OBSERVED_RETENTION, d)
        || write_curves(dir, "profit.csv", "day", s, profit, 6, 0, as_of, d)
        || write_curves(dir, "active.csv", "day", s, active, 5, 0, as_of, d)
        || write_funnel_csv(dir, s, d)
        || write_rfm_csv(dir, s, d)
        || write_clv_csv(dir, s, d)
        || write_cohorts_csv(dir, s, d)
        || write_frequency_csv(dir, s, d))
        return d->status;
    if (out_write_scenario(dir, sc, d))
        return d->status;
    return figures_run(dir, scen_name(sc), scen_currency(sc),
                       ((const lifecycle_params *)scen_get(sc, &section_lifecycle))->lost_after, lang,
                       PLOT_PNG, d);
}

void out_print_uncertainty(FILE *f, const run_result *res, int k, lang_id lang)
{
    const scen_stats *s = &res->scen[k];
    if (s->uncertain < 0) {
        fprintf(f, "  %s\n", tr(lang, "(parameter uncertainty off: every uncertain key at its point "
                                      "value; intervals are Monte Carlo noise only)"));
        return;
    }
    if (s->uncertain == 0 && !(k > 0 && s->diff_uncertain))
        return;
    if (res->reps != res->reps_asked)
        fprintf(f, tr(lang, "  (%d replications, rounded up from %d: pairs share a parameter draw, and at least 2 draws)\n"),
                res->reps, res->reps_asked);
    if (s->uncertain != 1)
        return;
    stat_summary p = stat_vec_get(s->metric, MET_PROFIT);
    double half = p.ci_high - p.mean;
    /* the part of the width that is there because of the parameters */
    double share = half > 0 && !isnan(p.mc_halfwidth) ? 1 - p.mc_halfwidth / half : 0;
    if (share < 0)
        share = 0;
    fprintf(f, tr(lang, "  (intervals include parameter uncertainty, %d draws: %.0f %% of the width "
                        "of profit's)\n"), res->draws, 100 * share);
}

/* label, then spaces to 28 terminal columns: a CJK character (three bytes
 * of UTF-8 here) takes two columns, which printf's %-28s cannot know */
static void print_label(FILE *f, const char *label)
{
    int cols = 0;
    for (const unsigned char *c = (const unsigned char *)label; *c; c++)
        if ((*c & 0xC0) != 0x80)
            cols += *c >= 0xE0 ? 2 : 1;
    fprintf(f, "  %s%*s", label, cols < 28 ? 28 - cols : 0, "");
}

static void print_metric(FILE *f, const scen_stats *s, metric_id m, const char *label,
                         const char *unit, int percent, lang_id lang)
{
    stat_summary st = stat_vec_get(s->metric, (size_t)m);
    print_label(f, tr(lang, label));
    if (!metric_written(s, (metric_id)m, &st)) {
        char note[400];
        fprintf(f, " %s\n", omitted_note(s, m, note, sizeof note));
        return;
    }
    double k = percent ? 100.0 : 1.0;
    const char *u = percent ? "%" : lang_currency(lang, unit);
    fprintf(f, tr(lang, " %12.*f %-5s 95%% CI [%.*f, %.*f]\n"), percent ? 1 : 0,
            st.mean * k, u, percent ? 1 : 0, st.ci_low * k, percent ? 1 : 0, st.ci_high * k);
}

void out_print_summary(FILE *f, const scenario *sc, const engine *e, const run_result *res, int k,
                       lang_id lang)
{
    const scen_stats *s = &res->scen[k];
    const char *cur = scen_currency(sc);
    fprintf(f, tr(lang, "%s: %d replications over %d days\n"), scen_name(sc), res->reps, s->horizon);
    out_print_applied(f, e, lang);
    out_print_uncertainty(f, res, k, lang);
    print_metric(f, s, MET_PROFIT, N_("profit"), cur, 0, lang);
    print_metric(f, s, MET_REVENUE, N_("revenue"), cur, 0, lang);
    print_metric(f, s, MET_NEW_CUSTOMERS, N_("new customers"), "", 0, lang);
    if (!isnan(stat_vec_get(s->metric, MET_BASE_CUSTOMERS).mean)) {
        /* a fitted base: its customers first, the new ones' metrics only if any came */
        print_metric(f, s, MET_BASE_CUSTOMERS, N_("existing customers"), "", 0, lang);
        print_metric(f, s, MET_BASE_ALIVE_START, N_("still customers today"), "", 1, lang);
        print_metric(f, s, MET_BASE_RETURNING, N_("existing buying again"), "", 1, lang);
        print_metric(f, s, MET_BASE_PURCHASES, N_("purchases by existing"), "", 0, lang);
        print_metric(f, s, MET_BASE_REVENUE, N_("revenue from existing"), cur, 0, lang);
        print_metric(f, s, MET_BASE_ALIVE_END, N_("still customers at the end"), "", 1, lang);
        if (!(stat_vec_get(s->metric, MET_NEW_CUSTOMERS).mean > 0))
            return;
    }
    print_metric(f, s, MET_RETENTION_90, N_("retention at 90 days"), "", 1, lang);
    print_metric(f, s, MET_RETENTION_365, N_("retention at 365 days"), "", 1, lang);
    print_metric(f, s, MET_REPEAT_RATE, N_("customers buying twice"), "", 1, lang);
    print_metric(f, s, MET_CLV, N_("lifetime value, realised"), cur, 0, lang);
    print_metric(f, s, MET_CLV_PROJECTED, N_("lifetime value, projected"), cur, 0, lang);
    stat_summary liab = stat_vec_get(s->metric, MET_LIABILITY_END);
    if (liab.mean > 0)
        print_metric(f, s, MET_LIABILITY_END, N_("owed to customers at the end"), cur, 0, lang);
}
