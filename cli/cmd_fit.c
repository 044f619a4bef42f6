/* retsim fit: a baseline scenario from the business's own transactions.
 *
 * Reads a till or CRM export, describes it (RFM, cohorts, the stickiness
 * curve), fits the BG/NBD purchase process and Gamma-Gamma spend by maximum
 * likelihood, scores every customer (probability still alive, expected
 * purchases and value), lists those slipping away, checks the fit against a
 * holdout, and writes fitted.ini: a scenario that every what-if can start
 * from.  With --survivors it fits the shifted-beta-geometric model to
 * contractual cohorts instead. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../fit/bgbb.h"
#include "../fit/btyd.h"
#include "../present/describe.h"
#include "../fit/translog.h"
#include "cli.h"
#include "commands.h"
#include "outdir.h"
#include "../present/fit_forward.h"
#include "../present/fit_report.h"
#include "../sim/input.h"

/* The recall list's defaults (see write_recall_lists in
 * present/fit_report.c for the definitions).
 * Below 0.3, seven in ten such customers have already left for good: a
 * call mostly reaches someone who is gone, so they are listed apart.
 * Above 0.7, seven in ten are still customers who will buy again without
 * being asked: a call mostly interrupts someone who was coming back.  The
 * band between is where the outcome is in doubt and a nudge can matter.
 * 100 rows: a week or two of calls for one person, a list to act on. */
#define RECALL_ALIVE_FLOOR 0.3
#define RECALL_ALIVE_CEILING 0.7
#define RECALL_TOP 100

static const char *const fit_synopsis[] = {
    "retsim fit FILE.csv [options]", "retsim fit --survivors FILE.csv [--out DIR]", NULL
};
static const char *const fit_examples[] = {
    "retsim fit transactions.csv --holdout-from 2024-07-01 && retsim run out/transactions_fit/fitted.ini",
    NULL
};
static const help_option fit_options[] = {
    { "--customer COL", "customer id column (default: detected, e.g. id, customer, 客户编号)", 0 },
    { "--date COL", "purchase date column (default: detected)", 0 },
    { "--amount COL", "amount column (default: detected)", 0 },
    { "--date-format FMT", "e.g. %Y-%m-%d, %d/%m/%Y (default: detected)", 0 },
    { "--holdout-from D", "fit on purchases before date D, check predictions on the rest (also by "
                          "simulating the forward baseline over them)", 0 },
    { "--as-of D", "the day the forward baseline starts from (default: the log's last day; not before "
                   "its last purchase, not in the future)", 0 },
    { "--model M", "the purchase model of the forward baseline: bgnbd, mbgnbd, pareto_nbd (default: "
                   "the best by holdout error, else by BIC)", 0 },
    { "--horizon-days N", "days the forward baseline projects (default 365; with a holdout, its length)", 0 },
    { "--param-uncertainty U", "hessian: write param_draws.csv, the fit's sampling distribution (the "
                               "asymptotic normal), for the forward run's intervals; bootstrap: refits on "
                               "customers resampled with replacement instead; off: none (default hessian)", 0 },
    { "--bootstrap N", "refits of --param-uncertainty bootstrap (default 100)", 0 },
    { "--period P", "day, week, month or year: the time unit of the fit (default week; a table of "
                    "opportunities: year, the days between two)", 0 },
    { "--max-bad S", "refuse when more than this share of rows is unreadable (default 5%)", 0 },
    { "--max-input-size S", "largest transaction file read (default 2G; e.g. 8G)", 0 },
    { "--survivors FILE", "fit the shifted-beta-geometric model to FILE, contractual cohorts, instead of "
                          "a transaction export", 0 },
    { "--alive-floor P", "recall list: customers with P(alive) below P are already gone, listed apart in "
                         "gone.csv (default 0.3)", 0 },
    { "--alive-ceiling P", "recall list: customers with P(alive) above P are still buying, not worth a "
                           "call (default 0.7)", 0 },
    { "--top N", "recall list: at most N customers, most value at stake first (default 100)", 0 },
    { "-o, --out DIR", "output directory (default out/NAME_fit; replaced whole when complete)", 0 },
    { "--force", "also write into a folder that is not a retsim output (its files are kept)", 0 },
    { "-q, --quiet", "no summary on stdout", 0 },
    { "-h, --help", "this help", 0 },
    { NULL, NULL, 0 }
};
static const help_page fit_help = {
    .synopsis = fit_synopsis,
    .description = "Turns a transaction export (one row per purchase: customer, date, amount) into a "
                   "baseline scenario. Describes the data, fits the BG/NBD purchase model and Gamma-Gamma "
                   "spend by maximum likelihood, scores each customer and lists those slipping away. With "
                   "--survivors, fits the shifted-beta-geometric model to contractual cohorts (a CSV: "
                   "period, then customers still subscribed per cohort).",
    .options = fit_options,
    .writes = "writes: summary.json, customers.csv, at_risk.csv (the recall list), gone.csv, "
              "rfm.csv, cohorts.csv/.png, interpurchase.csv, stickiness.csv/.png, tracking.csv/.png, "
              "frequency.csv/.png (customers by repeat purchases, data against the fit), holdout.csv/.png "
              "(with --holdout-from), holdout_by_frequency.csv/.png (the forward baseline simulated over "
              "the holdout), models.csv (every purchase model compared), customers_base.csv (every "
              "customer as they stand on the as-of date), param_draws.csv, replay.ini (the history "
              "re-simulated) and fitted.ini (the forward baseline: retsim run DIR/fitted.ini)",
    .examples = fit_examples,
};

static int parse_fit_opts(int argc, char **argv, fit_opts *o, int *help, diag *d)
{
    static const struct option opts[] = {
        { "customer", required_argument, 0, 'C' }, { "date", required_argument, 0, 'D' },
        { "amount", required_argument, 0, 'A' },   { "date-format", required_argument, 0, 'F' },
        { "holdout-from", required_argument, 0, 'H' }, { "period", required_argument, 0, 'P' },
        { "max-bad", required_argument, 0, 'B' }, { "out", required_argument, 0, 'o' },
        { "survivors", required_argument, 0, 'S' }, { "quiet", no_argument, 0, 'q' },
        { "alive-floor", required_argument, 0, 'L' }, { "alive-ceiling", required_argument, 0, 'U' },
        { "top", required_argument, 0, 'N' },
        { "help", no_argument, 0, 'h' }, { "force", no_argument, 0, 'f' },
        { "max-input-size", required_argument, 0, 'Z' }, { "as-of", required_argument, 0, 'T' },
        { "model", required_argument, 0, 'M' }, { "horizon-days", required_argument, 0, 'Y' },
        { "param-uncertainty", required_argument, 0, 'u' }, { "bootstrap", required_argument, 0, 'b' },
        { 0, 0, 0, 0 }
    };
    memset(o, 0, sizeof *o);
    input_set_max_bytes(0);
    o->period_days = 7;
    o->period_name = "week";
    o->log.max_bad_share = 0.05;
    o->alive_floor = RECALL_ALIVE_FLOOR;
    o->alive_ceiling = RECALL_ALIVE_CEILING;
    o->top = RECALL_TOP;
    o->horizon_days = 365;
    o->param_uncertainty = "hessian";
    o->bootstrap = 100;
    *help = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'C': o->log.customer_col = optarg; break;
        case 'D': o->log.date_col = optarg; break;
        case 'A': o->log.amount_col = optarg; break;
        case 'F': o->log.date_format = optarg; break;
        case 'H': o->holdout_from = optarg; break;
        case 'o': o->out = optarg; break;
        case 'S': o->survivors = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case 'h': *help = 1; return 0;
        case 'P':
            if (!strcmp(optarg, "day"))
                o->period_days = 1;
            else if (!strcmp(optarg, "week"))
                o->period_days = 7;
            else if (!strcmp(optarg, "month"))
                o->period_days = 365.25 / 12;
            else if (!strcmp(optarg, "year"))
                o->period_days = 365;
            else
                return diag_set(d, DIAG_USAGE, "--period %s: expected day, week, month or year", optarg);
            o->period_name = optarg;
            o->period_set = 1;
            break;
        case 'B': {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            int pct = *end == '%';
            if (pct)
                end++;
            if (*end || errno || !(v >= 0) || (pct ? v > 100 : v > 1))
                return diag_set(d, DIAG_USAGE, "--max-bad %s: expected a share such as 0.05 or 5%%",
                                optarg);
            o->log.max_bad_share = pct ? v / 100 : v;
            break;
        }
        case 'L':
        case 'U': {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(v >= 0 && v <= 1))
                return diag_set(d, DIAG_USAGE, "%s %s: expected a probability between 0 and 1, e.g. %g",
                                c == 'L' ? "--alive-floor" : "--alive-ceiling", optarg,
                                c == 'L' ? RECALL_ALIVE_FLOOR : RECALL_ALIVE_CEILING);
            *(c == 'L' ? &o->alive_floor : &o->alive_ceiling) = v;
            break;
        }
        case 'N': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 1 || v > 100000000)
                return diag_set(d, DIAG_USAGE,
                                "--top %s: expected a whole number of customers, 1 or more (default %d)",
                                optarg, RECALL_TOP);
            o->top = (int)v;
            break;
        }
        case 'T': o->as_of = optarg; break;
        case 'M': o->model = optarg; break;
        case 'u':
            if (strcmp(optarg, "hessian") && strcmp(optarg, "bootstrap") && strcmp(optarg, "off"))
                return diag_set(d, DIAG_USAGE, "--param-uncertainty %s: expected hessian, bootstrap or off",
                                optarg);
            o->param_uncertainty = optarg;
            break;
        case 'b': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 20 || v > 10000)
                return diag_set(d, DIAG_USAGE,
                                "--bootstrap %s: expected a whole number of refits from 20 to 10000 (default 100)",
                                optarg);
            o->bootstrap = (int)v;
            break;
        }
        case 'Y': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 1 || v > 3650)
                return diag_set(d, DIAG_USAGE,
                                "--horizon-days %s: expected a whole number of days from 1 to 3650 "
                                "(default 365)",
                                optarg);
            o->horizon_days = (int)v;
            o->horizon_set = 1;
            break;
        }
        case 'Z':
            if (input_max_size_option(optarg, d))
                return d->status;
            break;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim fit --help)", argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim fit --help)",
                            argv[optind - 1]);
        }
    }
    if (!(o->alive_floor < o->alive_ceiling))
        return diag_set(d, DIAG_USAGE,
                        "--alive-floor %g must be below --alive-ceiling %g: customers between the two "
                        "make the recall list",
                        o->alive_floor, o->alive_ceiling);
    if (o->as_of && o->holdout_from)
        return diag_set(d, DIAG_USAGE,
                        "--as-of and --holdout-from: give one; with a holdout the forward baseline "
                        "starts on the day before it");
    if (o->survivors) {
        if (optind < argc)
            return diag_set(d, DIAG_USAGE, "with --survivors, no transaction file: unexpected '%s'",
                            argv[optind]);
        return 0;
    }
    if (optind >= argc)
        return diag_set(d, DIAG_USAGE, "which file? usage: retsim fit FILE.csv (one row per purchase: "
                                       "customer, date, amount)");
    if (optind + 1 < argc)
        return diag_set(d, DIAG_USAGE, "one file at a time; unexpected '%s'", argv[optind + 1]);
    o->file = argv[optind];
    return 0;
}

/* ---- transaction mode ---- */

typedef struct report_job {
    const char *dir;
    fit_state *s;
    recall_totals *rt;
} report_job;

static int write_report_files(void *ctx, diag *d)
{
    report_job *j = ctx;
    return fit_report_write_files(j->dir, j->s, j->rt, d);
}

static int fit_transactions(const fit_opts *o, const char *outdir, diag *d)
{
    fit_state s = { 0 };
    s.o = o;
    int status = 0;
    recall_totals rt = { 0 };
    s.log = translog_read(o->file, &o->log, d);
    if (!s.log)
        return d->status;
    s.cal_end = s.log->max_day;
    if (o->as_of) {
        int day;
        const char *fmt = o->log.date_format ? o->log.date_format : "%Y-%m-%d";
        if (translog_parse_date(o->as_of, fmt, &day)) {
            status = diag_set(d, DIAG_USAGE, "--as-of %s: expected a date like 1998-06-30 (format %s)",
                              o->as_of, fmt);
            goto done;
        }
        if (day < s.log->max_day) {
            int y, m, dd;
            translog_civil_from_days(s.log->max_day, &y, &m, &dd);
            status = diag_set(d, DIAG_USAGE,
                              "--as-of %s is before the log's last purchase (%04d-%02d-%02d): the baseline "
                              "would ignore what the log already knows; give a later date, or use "
                              "--holdout-from to fit on the earlier purchases and check the later ones",
                              o->as_of, y, m, dd);
            goto done;
        }
        if ((long)day > (long)(time(NULL) / 86400)) {
            status = diag_set(d, DIAG_USAGE,
                              "--as-of %s is in the future: the customers can only be known as they stand "
                              "today or earlier",
                              o->as_of);
            goto done;
        }
        s.cal_end = day;
    }
    if (o->holdout_from) {
        int day;
        const char *fmt = o->log.date_format ? o->log.date_format : "%Y-%m-%d";
        if (translog_parse_date(o->holdout_from, fmt, &day)) {
            status = diag_set(d, DIAG_USAGE, "--holdout-from %s: expected a date like 1997-10-01 (format %s)",
                              o->holdout_from, fmt);
            goto done;
        }
        if (day <= s.log->min_day || day > s.log->max_day) {
            status = diag_set(d, DIAG_USAGE,
                              "--holdout-from %s is outside the data's span: it must fall after the first "
                              "day and on or before the last",
                              o->holdout_from);
            goto done;
        }
        s.cal_end = day - 1;
        s.holdout_days = s.log->max_day - s.cal_end;
    }
    s.horizon_periods = (s.holdout_days ? s.holdout_days : s.log->max_day - s.log->min_day + 1)
                        / o->period_days;
    s.cs = calloc((size_t)s.log->ncust, sizeof *s.cs);
    if (!s.cs) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    describe_summarise(s.log, s.cal_end, o->period_days, s.cs);
    cust_summary *fit_cs = malloc((size_t)s.log->ncust * sizeof *fit_cs);
    if (!fit_cs) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    for (int i = 0; i < s.log->ncust; i++)
        if (s.cs[i].T > 0)
            fit_cs[s.n++] = s.cs[i];
    /* every purchase model, the forward baseline's chosen among them, and
     * Gamma-Gamma; the recall list and the other scores stay BG/NBD's
     * (fit_report.c) */
    s.fit_cs = fit_cs;
    status = fit_forward_models(&s, fit_cs, s.n, d);
    if (!status) {
        for (int i = 0; i < s.nfits; i++)
            if (!strcmp(s.fits[i].type->name, "bgnbd"))
                purchase_fit_to_bgnbd(&s.fits[i], &s.bg);
    }
    if (status) {
        free(fit_cs);
        goto done;
    }
    /* new customers of the forward baseline: first purchases a day over
     * the last FIT_RECENT_DAYS days up to the as-of date */
    int recent = 0;
    for (int i = 0; i < s.log->ncust; i++) {
        int d0 = s.log->day[s.log->first[i]];
        recent += d0 <= s.cal_end && d0 > s.cal_end - FIT_RECENT_DAYS;
    }
    s.new_per_day = recent / (double)FIT_RECENT_DAYS;
    /* all fitted: only now is anything written, into a folder put in place whole */
    outdir_txn *od = outdir_begin(outdir, o->force, d);
    if (!od) {
        status = d->status;
        goto done;
    }
    status = fit_forward_write(od->path, &s, d);
    /* the report's files are written while the holdout is simulated */
    report_job job = { od->path, &s, &rt };
    const fit_side_job side = { write_report_files, &job };
    if (!status)
        status = fit_forward_holdout(od->path, &s, &side, d);
    if (!status)
        status = fit_report_write_summary(od->path, &s, &rt, d);
    free(fit_cs);
    s.fit_cs = NULL;
    if (status || (status = outdir_commit(od, d)))
        goto done;
    if (!o->quiet) {
        fit_report_print(&s, &rt);
        fit_forward_print(&s);
        fit_report_print_wrote(outdir);
    }
done:
    free(s.cs);
    translog_free(s.log);
    return status;
}

/* ---- a compressed table of discrete opportunities: BG/BB ---- */

/* A table (fit/bgbb.h) names frequency, recency and periods in its header;
 * a transaction log names a customer, a date and an amount. */
static int is_opportunity_table(const char *path)
{
    /* opened as every reader opens a user's file (sim/input.h): a FIFO or a
     * device is not read here, and translog_read then says what it is */
    diag ignored = { 0 };
    int fd = input_open(path, INPUT_TRANSACTIONS, "transaction log", &ignored);
    if (fd < 0)
        return 0;
    char line[1024] = "";
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    int ok = n > 0;
    line[ok ? n : 0] = '\0';
    char *eol = strpbrk(line, "\r\n");
    if (eol)
        *eol = '\0';
    for (char *p = line; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    return ok && strstr(line, "frequency") && strstr(line, "recency") && strstr(line, "periods");
}

static int fit_table(const fit_opts *o, const char *outdir, diag *d)
{
    if (o->model && strcmp(o->model, "bgbb"))
        return diag_set(d, DIAG_USAGE,
                        "--model %s: %s is a compressed table of discrete opportunities (frequency, recency, "
                        "periods), which only BG/BB fits; leave --model out or give a log of purchases",
                        o->model, o->file);
    if (o->holdout_from)
        return diag_set(d, DIAG_USAGE,
                        "--holdout-from: %s is a table of counts without dates; a holdout needs the purchases",
                        o->file);
    if (!strcmp(o->param_uncertainty, "bootstrap"))
        return diag_set(d, DIAG_USAGE,
                        "--param-uncertainty bootstrap: not for a table of opportunities (BG/BB); use "
                        "hessian (the default) or off");
    long as_of = time(NULL) / 86400;
    if (o->as_of) {
        int day;
        if (translog_parse_date(o->as_of, o->log.date_format ? o->log.date_format : "%Y-%m-%d", &day))
            return diag_set(d, DIAG_USAGE, "--as-of %s: expected a date like 2001-12-31", o->as_of);
        if (day > as_of)
            return diag_set(d, DIAG_USAGE,
                            "--as-of %s is in the future: the customers can only be known as they stand "
                            "today or earlier",
                            o->as_of);
        as_of = day;
    }
    bgbb_row *rows = NULL;
    int nrows = 0;
    if (bgbb_read_table(o->file, &rows, &nrows, d))
        return d->status;
    bgbb_fit f;
    int status = bgbb_fit_run(rows, nrows, &f, d);
    if (!status) {
        fit_opts oo = *o;
        if (!o->period_set)
            oo.period_days = 365;    /* a table's opportunities are usually yearly */
        /* opportunities come a whole period after the last one: five of them
         * by default (the horizon's last day included) */
        if (!o->horizon_set)
            oo.horizon_days = (int)fmin(3650, 5 * oo.period_days + 1);
        outdir_txn *od = outdir_begin(outdir, o->force, d);
        if (!od)
            status = d->status;
        else if (!(status = fit_forward_write_bgbb(od->path, &oo, rows, nrows, &f, as_of, d)))
            status = outdir_commit(od, d);
        if (!status && !o->quiet)
            fit_forward_print_bgbb(&oo, &f, nrows, outdir);
    }
    free(rows);
    return status;
}

/* ---- survivors mode ---- */

static int fit_survivors(const fit_opts *o, const char *outdir, diag *d)
{
    surv_table *t;
    sbg_fit fits[SURV_MAX_COHORTS];
    if (survivors_fit(o->survivors, &t, fits, d))
        return d->status;
    /* written into a temporary folder put in place whole (outdir.h); an
     * early return leaves it to main, which removes it */
    int status;
    outdir_txn *od = outdir_begin(outdir, o->force, d);
    if (!od)
        status = d->status;
    else if (!(status = fit_report_write_survivors(od->path, o->survivors, t, fits, d)))
        status = outdir_commit(od, d);
    if (!status && !o->quiet)
        fit_report_print_survivors(t, fits, outdir);
    free(t);
    return status;
}

static int fit_run(int argc, char **argv, diag *d)
{
    fit_opts o;
    int help;
    if (parse_fit_opts(argc, argv, &o, &help, d))
        return d->status;
    if (help) {
        help_print(stdout, &fit_help);
        return 0;
    }
    char outbuf[4096];
    const char *outdir = o.out;
    if (!outdir) {
        cli_default_out(o.survivors ? o.survivors : o.file, outbuf, sizeof outbuf);
        strncat(outbuf, "_fit", sizeof outbuf - strlen(outbuf) - 1);
        outdir = outbuf;
    }
    if (outdir_check(outdir, o.force, d)) /* before the work, not after */
        return d->status;
    if (o.survivors)
        return fit_survivors(&o, outdir, d);
    return is_opportunity_table(o.file) ? fit_table(&o, outdir, d) : fit_transactions(&o, outdir, d);
}

const command cmd_fit = { "fit", "fit a baseline to a transaction log; list customers at risk",
                          fit_run, &fit_help };
