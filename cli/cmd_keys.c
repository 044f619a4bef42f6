/* retsim keys: the scenario reference, from the same tables the loader
 * validates against. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../sim/lang.h"
#include "commands.h"
#include "../sim/scenario.h"

static const char *const keys_synopsis[] = { "retsim keys [--markdown]", NULL };
static const help_option keys_options[] = {
    { "--markdown", N_("print the reference as Markdown (docs/scenarios.md is this output)"), 0 },
    { "-h, --help", N_("this help"), 0 },
    { NULL, NULL, 0 }
};
static const help_page keys_help = {
    .synopsis = keys_synopsis,
    .description = "Lists every scenario section and key with its type, default, allowed range and unit, "
                   "from the same tables the scenario loader validates against (SCENARIO KEYS in "
                   "`man retsim` is the same list).",
    .options = keys_options,
};

static int keys_run(int argc, char **argv, diag *d)
{
    static const struct option opts[] = { { "markdown", no_argument, 0, 'm' },
                                          { "help", no_argument, 0, 'h' },
                                          { 0, 0, 0, 0 } };
    int markdown = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+mh", opts, NULL)) != -1) {
        if (c == 'm')
            markdown = 1;
        else if (c == 'h') {
            help_print(stdout, &keys_help);
            return 0;
        } else
            return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim keys --help)",
                            argv[optind - 1]);
    }
    if (optind < argc)
        return diag_set(d, DIAG_USAGE, "unexpected argument '%s'", argv[optind]);
    scen_write_reference(stdout, markdown);
    return 0;
}

const command cmd_keys = { "keys", "list every scenario key (the scenario reference)",
                           keys_run, &keys_help };
