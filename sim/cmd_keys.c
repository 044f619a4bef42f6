/* retsim keys: the scenario reference, from the same tables the loader
 * validates against. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "scenario.h"

static void keys_usage(void)
{
    printf("usage: retsim keys [--markdown]\n"
           "\n"
           "Lists every scenario section and key with its type, default, allowed\n"
           "range and unit. --markdown prints docs/scenarios.md.\n");
}

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
            keys_usage();
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
                           keys_run, keys_usage };
