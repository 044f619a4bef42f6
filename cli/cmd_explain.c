/* retsim explain: the causal chain of a scenario in plain language, with its
 * own numbers (present/explain.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../sim/lang.h"
#include "cli.h"
#include "../sim/batch.h"
#include "commands.h"
#include "../sim/engine.h"
#include "../present/explain.h"
#include "../sim/scenario.h"

static const char *const explain_synopsis[] = {
    "retsim explain FILE.ini [--lang en|zh] [--set section.key=value]...", NULL
};
static const char *const explain_examples[] = { "retsim explain scenarios/restaurant_recharge.ini", NULL };
static const help_option explain_options[] = {
    { "--lang L", N_("language: en or zh (default: zh when LANGUAGE, LC_ALL, LC_MESSAGES or LANG starts "
                  "with zh, else en)"), 0 },
    { "--set S.K=V", N_("override key K of section S (repeatable)"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};
static const help_page explain_help = {
    .synopsis = explain_synopsis,
    .description = "Walks the causal chain of the scenario in plain language, with its own numbers: "
                   "perceived benefit and cost, value, expectation, satisfaction and where it sits on the "
                   "response curve (the satisfaction trap), stickiness after each purchase, the expected "
                   "number of visits and lifetime value of a typical customer, how customers arrive, then "
                   "what each active promotion changes in that chain and what it costs. Every number is "
                   "computed by the model's own code. Nothing is simulated and no file is written.",
    .options = explain_options,
    .examples = explain_examples,
};

static int explain_run(int argc, char **argv, diag *d)
{
    static const struct option opts[] = { { "lang", required_argument, 0, 'L' },
                                          { "set", required_argument, 0, 'S' },
                                          { "help", no_argument, 0, 'h' },
                                          { 0, 0, 0, 0 } };
    const char *sets[CLI_MAX_SETS];
    int nsets = 0, c;
    lang_id lang = lang_default(); /* --lang, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG */
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'L':
            if (cli_parse_lang(optarg, &lang, d))
                return d->status;
            break;
        case 'S':
            if (nsets == CLI_MAX_SETS)
                return diag_set(d, DIAG_USAGE, "at most %d --set options", CLI_MAX_SETS);
            sets[nsets++] = optarg;
            break;
        case 'h':
            help_print(stdout, &explain_help);
            return 0;
        case ':':
            return diag_set(d, DIAG_USAGE, "%s needs a value (see retsim explain --help)",
                            argv[optind - 1]);
        default:
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim explain --help)",
                            argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return diag_set(d, DIAG_USAGE, argc - optind == 0
                                           ? "explain needs a scenario: retsim explain FILE.ini"
                                           : "explain takes one scenario: retsim explain FILE.ini");
    batch b = { 0 };
    if (batch_add(&b, argv[optind], sets, nsets, NULL, d))
        return d->status;
    int status = explain_write(stdout, b.sc[0], b.e[0], lang, 0, d);
    batch_free(&b);
    return status;
}

const command cmd_explain = { "explain", "the causal chain of a scenario, in plain language",
                              explain_run, &explain_help };
