/* retsim report: one self-contained report.html for an output directory of
 * run, compare or sweep. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "../present/figures.h"
#include "../sim/interrupt.h"
#include "../present/report.h"
#include "../sim/lang.h"

static const char *const report_synopsis[] = { "retsim report DIR [--lang en|zh]", NULL };
static const char *const report_examples[] = {
    "retsim run scenarios/clinic.ini --out out/clinic && retsim report out/clinic --lang zh", NULL
};
static const help_option report_options[] = {
    { "--lang L", N_("language of the page and its plots: en or zh (default: zh when LANGUAGE, LC_ALL, "
                  "LC_MESSAGES or LANG starts with zh, else en); the Chinese page is "
                  "DIR/report.zh.html, beside the English DIR/report.html"), 0 },
    { "-q, --quiet", N_("do not say where the report was written"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};
static const help_page report_help = {
    .synopsis = report_synopsis,
    .description = "Writes DIR/report.html (DIR/report.zh.html with --lang zh): one self-contained page (inline CSS and SVG plots, no network "
                   "needed) with the verdicts, the key metrics and their 95 % CIs, the plots, the "
                   "explanation of the scenario, and the exact scenario text and seed that reproduce it. "
                   "It prints cleanly and reads on a phone.\n\n"
                   "DIR is what `retsim run`, `retsim compare` or `retsim sweep` wrote (it holds "
                   "summary.json, compare.json or sweep.json); the same page comes from --report on those "
                   "commands.",
    .options = report_options,
    .examples = report_examples,
};

static int report_run(int argc, char **argv, diag *d)
{
    const char *dir = NULL;
    lang_id lang = lang_default(); /* --lang, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG */
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help_print(stdout, &report_help);
            return 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--lang") || !strncmp(a, "--lang=", 7)) {
            const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return diag_set(d, DIAG_USAGE, "--lang needs a value: en or zh");
            if (cli_parse_lang(v, &lang, d))
                return d->status;
        } else if (a[0] == '-' && a[1]) {
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim report --help)", a);
        } else if (dir) {
            return diag_set(d, DIAG_USAGE, "one directory at a time; unexpected '%s'", a);
        } else {
            dir = a;
        }
    }
    if (!dir)
        return diag_set(d, DIAG_USAGE, "which directory? usage: retsim report DIR [--lang en|zh] "
                                       "(DIR: the output of retsim run, compare or sweep, e.g. out/clinic)");
    /* report.html goes through a fresh temporary file renamed into place, and
     * its plots through a scratch folder: while they exist a signal only
     * stops the work at the next file or plot, which removes them (interrupt.h) */
    interrupt_enter();
    int status = report_write(dir, lang, d);
    interrupt_leave();
    if (status)
        return status;
    if (!quiet)
        printf(tr(lang, "wrote %s/%s\n"), dir, report_file_name(lang));
    return 0;
}

const command cmd_report = { "report", "one self-contained HTML page for a run, compare or sweep output",
                             report_run, &report_help };
