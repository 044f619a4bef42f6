/* retsim run: one scenario, many replications, curves and a summary. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/dates.h"
#include "../sim/dist.h"
#include "../sim/basefile.h"
#include "../sim/batch.h"
#include "../sim/interrupt.h"
#include "../sim/pilot.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "../present/output.h"
#include "../present/report.h"
#include "../sim/lang.h"

static const char *const run_synopsis[] = { "retsim run FILE.ini [options]", NULL };
static const char *const run_examples[] = { "retsim run scenarios/clinic.ini --reps 200 --seed 7", NULL };
static const help_page run_help = {
    .synopsis = run_synopsis,
    /* xgettext:no-c-format */
    .description = N_("Simulates the customer base FILE.ini describes, many times over, and writes retention "
                   "and profit curves with 95 % confidence bands."),
    .shared = cli_help_options,
    .shared_mask = CLI_PRECISION | CLI_REPORT | CLI_PARAM_UNCERTAINTY | CLI_WRITE_LOG,
    .writes = N_("writes (default DIR: out/NAME for NAME.ini): summary.json, metrics.csv, retention.csv "
              "(survival by age), observed_retention.csv (the business's view), profit.csv, active.csv, "
              "funnel.csv, rfm.csv, clv.csv, cohorts.csv, frequency.csv, scenario.ini (the resolved "
              "scenario) and the plots retention.png, profit.png, customers.png, cohorts.png, "
              "frequency.png (with .gp scripts); metrics: docs/metrics.md"),
    .examples = run_examples,
    .note = N_("Scenario keys: `retsim keys`, docs/scenarios.md, or SCENARIO KEYS in `man retsim`."),
};

/* ---- --write-log: the simulated transaction log of replication 0 ----
 *
 * The purchases of the run's first replication (the same one whatever the
 * thread count: a replication's result depends only on (scenario, seed,
 * replication)), simulated again on this thread after the run, in time
 * order, as a log `retsim fit` reads: customer,date,amount, plus group
 * (treatment/control) when the scenario has [pilot], so that a pilot with
 * known effects can be measured from it (issue 12).  Customer ids are c and
 * the engine's 64-bit id in hex: stable for a (scenario, seed).  Dates
 * count from [base] as_of + 1 (day 0 of a fitted base), else from
 * --log-start (default LOG_START_DEFAULT) as day 0.  amount is the bill,
 * what was served before any discount, with 2 decimals. */

#define LOG_START_DEFAULT "2024-01-01"

typedef struct log_sink {
    FILE *f;
    long day0;                  /* days since 1970-01-01 of the simulation's day 0 */
    long rows;
} log_sink;

static void log_purchase(void *ctx, uint64_t customer, double day, double bill, int group)
{
    log_sink *s = ctx;
    char date[16];
    date_format(s->day0 + (long)floor(day), date, sizeof date);
    fprintf(s->f, "c%016llx,%s,%.2f", (unsigned long long)customer, date, bill);
    if (group != PILOT_NONE)
        fputs(group == PILOT_TREATMENT ? ",treatment" : ",control", s->f);
    fputc('\n', s->f);
    s->rows++;
}

/* Where the log goes: its folder and file name.  inside: 1 when the folder
 * is the output folder itself (then it is written into the output's
 * temporary folder, and appears with the outputs, whole). */
typedef struct log_target {
    char dir[4096];
    char name[1024];
    int inside;
} log_target;

static void trim_slashes(char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
}

/* Checks --write-log and --log-start before any work (DIAG_USAGE). */
static int log_check(const cli_opts *o, const char *outdir, log_target *t, diag *d)
{
    if (o->log_start && !o->write_log)
        return diag_set(d, DIAG_USAGE, "--log-start %s: it dates the log of --write-log FILE, which is missing",
                        o->log_start);
    if (o->log_start && base_parse_date(o->log_start) < 0)
        return diag_set(d, DIAG_USAGE, "--log-start '%s' is not a date: expected YYYY-MM-DD, e.g. %s",
                        o->log_start, LOG_START_DEFAULT);
    if (!o->write_log)
        return 0;
    const char *path = o->write_log;
    size_t len = strlen(path);
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    struct stat st;
    if (path[len - 1] == '/' || !strcmp(name, ".") || !strcmp(name, "..")
        || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return diag_set(d, DIAG_USAGE, "--write-log %s names a folder: give a file name, e.g. %s/log.csv",
                        path, path);
    if (strlen(name) >= sizeof t->name || len >= sizeof t->dir)
        return diag_set(d, DIAG_USAGE, "--write-log %s: the name is too long", path);
    snprintf(t->name, sizeof t->name, "%s", name);
    if (!slash)
        snprintf(t->dir, sizeof t->dir, ".");
    else if (slash == path)
        snprintf(t->dir, sizeof t->dir, "/");
    else
        snprintf(t->dir, sizeof t->dir, "%.*s", (int)(slash - path), path);
    trim_slashes(t->dir);
    char out[4096];
    snprintf(out, sizeof out, "%s", outdir);
    trim_slashes(out);
    t->inside = !strcmp(t->dir, out);
    /* the same folder spelled otherwise (./out/x, a link): inside too; a
     * folder within the output folder would go with it when a rerun
     * replaces the output whole, so it is refused */
    char real_dir[PATH_MAX], real_out[PATH_MAX];
    if (!t->inside && realpath(t->dir, real_dir) && realpath(out, real_out)) {
        size_t n = strlen(real_out);
        t->inside = !strcmp(real_dir, real_out);
        if (!t->inside && !strncmp(real_dir, real_out, n) && real_dir[n] == '/')
            return diag_set(d, DIAG_USAGE,
                            "--write-log %s: the folder %s is inside the output folder %s, which a "
                            "run replaces whole; write the log into %s itself or elsewhere",
                            path, t->dir, outdir, outdir);
    }
    if (t->inside)
        return 0;
    if (stat(t->dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return diag_set(d, DIAG_USAGE,
                        "--write-log %s: the folder %s does not exist; create it first, or write the "
                        "log into the output folder (--write-log %s/%s)",
                        path, t->dir, outdir, t->name);
    if (access(t->dir, W_OK | X_OK) != 0)
        return diag_set(d, DIAG_USAGE, "--write-log %s: the folder %s is not writable", path, t->dir);
    return 0;
}

/* Simulates replication 0 of scenario sc (engine e) into a new temporary
 * file of dir (*f, tmp: committed or removed by the caller). */
static int log_write(const scenario *sc, const engine *e, const cli_opts *o, const log_target *t,
                     FILE **fp, char *tmp, size_t cap, diag *d)
{
    const base_params *b = scen_get(sc, &section_base);
    long day0 = scen_present(sc, &section_base) ? base_parse_date(b->as_of) + 1
                : base_parse_date(o->log_start ? o->log_start : LOG_START_DEFAULT);
    FILE *f = out_open(t->dir, t->name, tmp, cap, d);
    if (!f)
        return d->status;
    *fp = f;
    fputs(scen_present(sc, &section_pilot) ? "customer,date,amount,group\n" : "customer,date,amount\n", f);
    /* replication 0 as the run made it: on parameter draw 0 when the
     * scenario's uncertain keys were drawn (sim/runner.c) */
    scenario *drawn = NULL;
    engine *de = NULL;
    if (!o->run.param_uncertainty_off && scen_uncertain_count(sc) > 0) {
        if (!(drawn = scen_draw(sc, o->run.seed, 0, d)) || !(de = engine_prepare_replica(e, drawn, d))) {
            scen_free(drawn);
            return d->status;
        }
        e = de;
    }
    engine_work *w = engine_work_alloc(e);
    rep_result *out = rep_alloc(engine_horizon(e));
    int status = 0;
    if (!w || !out)
        status = diag_set(d, DIAG_RUNTIME, "out of memory writing the log");
    log_sink sink = { f, day0, 0 };
    if (!status) {
        engine_work_observe(w, log_purchase, &sink);
        status = engine_replicate(e, w, o->run.seed, 0, out, d);
    }
    if (!status && ferror(f))
        status = diag_set(d, DIAG_RUNTIME, "cannot write %s/%s", t->dir, t->name);
    rep_free(out);
    engine_work_free(w);
    engine_free(de);
    scen_free(drawn);
    return status;
}

static int run_run(int argc, char **argv, diag *d)
{
    cli_opts o;
    if (cli_parse("run", argc, argv, CLI_PRECISION | CLI_REPORT | CLI_PARAM_UNCERTAINTY | CLI_WRITE_LOG, &o, d))
        return d->status;
    if (o.help) {
        help_print(stdout, &run_help);
        return 0;
    }
    if (o.nfiles == 0)
        return diag_set(d, DIAG_USAGE, "which scenario? usage: retsim run FILE.ini "
                                       "(e.g. retsim run scenarios/clinic.ini)");
    if (o.nfiles > 1)
        return diag_set(d, DIAG_USAGE, "one scenario at a time; unexpected '%s' "
                                       "(to compare scenarios: retsim compare BASE.ini VARIANT.ini)",
                        o.files[1]);
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.files[0], outbuf, sizeof outbuf);
        outdir = outbuf;
    }
    if (outdir_check(outdir, o.force, d)) /* before the work, not after */
        return d->status;
    log_target lt = { 0 };
    if (log_check(&o, outdir, &lt, d))
        return d->status;
    batch b = { 0 };
    if (batch_add(&b, o.files[0], o.sets, o.nsets, NULL, d))
        return d->status;
    if (o.log_start && scen_present(b.sc[0], &section_base)) {
        diag_set(d, DIAG_USAGE, "--log-start %s: %s starts from a fitted base, whose log starts the day "
                                "after [base] as_of; leave --log-start out",
                 o.log_start, o.files[0]);
        batch_free(&b);
        return d->status;
    }
    batch_advise(&b, stderr);
    run_result *res = NULL;
    int status = sim_run(b.e, 1, &o.run, &res, d);
    if (!status && !dist_is_root()) { /* under MPI rank 0 writes and prints (sim/dist.h) */
        run_result_free(res);
        batch_free(&b);
        return 0;
    }
    outdir_txn *od = NULL;
    if (!status && !(od = outdir_begin(outdir, o.force, d)))
        status = d->status;
    if (!status)
        status = out_write_run(od->path, b.sc[0], b.e[0], &o.run, res, 0, (lang_id)o.lang, d);
    if (!status && o.report)
        status = report_write(od->path, (lang_id)o.lang, d);
    /* the log: inside the output folder, one more of its files; elsewhere
     * a temporary file beside it, renamed into place once the outputs are */
    FILE *logf = NULL;
    char logtmp[8192];
    if (o.write_log)
        interrupt_enter();
    if (!status && o.write_log) {
        if (lt.inside)
            snprintf(lt.dir, sizeof lt.dir, "%s", od->path);
        status = log_write(b.sc[0], b.e[0], &o, &lt, &logf, logtmp, sizeof logtmp, d);
        if (!status && lt.inside) {
            status = out_commit(logf, logtmp, lt.dir, lt.name, d);
            logf = NULL;
        }
    }
    /* the numbers first: the plots may still be drawing in the background
     * (present/figures.h); the folder is put in place once they are done */
    int shown = 0;
    if (!status && !o.quiet) {
        out_print_summary(stdout, b.sc[0], b.e[0], res, 0, (lang_id)o.lang);
        if (o.precision > 0)
            printf(tr((lang_id)o.lang, "  precision %g %s after %d replications\n"), o.precision,
                   res->precision_reached ? tr((lang_id)o.lang, "reached") : tr((lang_id)o.lang, "NOT reached (cap)"),
                   res->reps);
        fflush(stdout);
        shown = 1;
    }
    if (status)
        outdir_abort(od);
    else
        status = outdir_commit(od, d);
    if (logf) {
        if (!status)
            status = out_commit(logf, logtmp, lt.dir, lt.name, d);
        else {
            fclose(logf);
            unlink(logtmp);
        }
    }
    if (o.write_log)
        interrupt_leave();
    if (!status && shown) {
        printf(tr((lang_id)o.lang, "  wrote %s/ (summary.json, CSV files, plots)\n"), outdir);
        if (o.write_log)
            printf(tr((lang_id)o.lang, "  wrote %s (the purchases of replication 0)\n"), o.write_log);
    }
    run_result_free(res);
    batch_free(&b);
    return status;
}

const command cmd_run = { "run", "simulate a scenario: retention and profit with confidence bands",
                          run_run, &run_help, 1 };
