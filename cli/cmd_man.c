/* retsim man: the manual page, as man(7) roff, rendered from the tables
 * that --help, `retsim --help` and `retsim keys` print (the command list,
 * each command's help_page, the scenario key tables, the exit statuses), so
 * the man page cannot say something the program does not.  docs/retsim.1 is
 * this output; make check-docs fails when it is stale. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../sim/lang.h"
#include "commands.h"
#include "../present/output.h"
#include "../sim/scenario.h"

static const char *const man_synopsis[] = { "retsim man", NULL };
static const help_option man_options[] = { { "-h, --help", N_("this help"), 0 }, { NULL, NULL, 0 } };
static const help_page man_help = {
    .synopsis = man_synopsis,
    .description = "Prints this manual page as roff (man(7) macros) on standard output; "
                   "`retsim man | man -l -` reads it before retsim is installed. docs/retsim.1 is its "
                   "output, installed as `man retsim` by `make install`.",
    .options = man_options,
};

static const char overview[] =
    "retsim simulates a business's customers one visit at a time: how each customer perceives a visit "
    "(benefit, cost, expectation), how satisfied they leave, whether and when they come back, what they "
    "tell others, and what a promotion (vouchers, stamp cards, prepaid recharge, reminders, bundles, "
    "programmes) changes in that chain. A scenario is an INI file (see SCENARIO KEYS); every command "
    "that simulates repeats the simulation many times (replications) and reports each metric with its "
    "95 % confidence interval. The same seed gives the same output, whatever the number of threads.\n\n"
    "`retsim compare` answers a what-if question: it runs a base scenario and its variants on the same "
    "simulated customers (common random numbers), so the difference it reports is the promotion's, not "
    "the luck of the draw.";

static const char keys_intro[] =
    "A scenario is an INI file. Sections and keys are case-insensitive; a section left out takes its "
    "defaults. Money is in the scenario's currency, time in days, probabilities and shares as fractions "
    "(5 % is 0.05). Every value typed is checked against the range below; an unknown key, a value out "
    "of range or two keys that contradict each other is an error (exit status 2) naming the file, the "
    "line, the value and what was expected. `retsim keys` prints the same list; docs/scenarios.md is it "
    "as Markdown.";

static const struct {
    const char *name, *text;
} environment[] = {
    { "RETSIM_DATADIR", "the data directory (the lessons and example scenarios) instead of the one "
                        "compiled in; see FILES" },
    { "RETSIM_LESSONS", "the directory holding lessons.ini, for `retsim lesson` (--lessons overrides "
                        "it)" },
    { "LANGUAGE, LC_ALL, LC_MESSAGES, LANG", "the first one set chooses the language when --lang is not "
                                            "given: zh when it starts with zh, else en" },
    { "RETSIM_LOCALEDIR", "the directory holding zh_CN/LC_MESSAGES/retsim.mo, the Chinese catalogue, "
                          "instead of the places listed in FILES" },
    { "TMPDIR", "where `retsim report` draws its plots before embedding them (default /tmp)" },
    { "PATH", "searched for gnuplot, which draws the plots; without it retsim warns once and writes the "
              "CSV files and .gp scripts without pictures" },
    { NULL, NULL }
};

static const struct {
    const char *name, *text;
} files[] = {
    { "PREFIX/share/retsim/scenarios/",
      "the example scenarios (clinic.ini, restaurant.ini, ...), installed by `make install` with "
      "PREFIX /usr/local unless given; `retsim --version` prints the data directory compiled in" },
    { "PREFIX/share/retsim/scenarios/lessons/lessons.ini",
      "the lessons of `retsim lesson` and the scenarios they compare (relative to lessons.ini, some "
      "building on the example scenarios through base = ../NAME.ini). retsim looks for "
      "scenarios/lessons/lessons.ini under the current directory first (the source tree), then under "
      "the data directory ($RETSIM_DATADIR, else the one compiled in), then, unless RETSIM_DATADIR is "
      "set, under ../share/retsim and the directory of the executable" },
    { "PREFIX/share/locale/zh_CN/LC_MESSAGES/retsim.mo",
      "the Chinese catalogue of retsim's words (GNU gettext, from po/zh_CN.po). retsim looks for it in "
      "build/locale next to the executable (the source tree), then ../share/locale next to it, then "
      "the PREFIX compiled in; RETSIM_LOCALEDIR overrides; without it --lang zh writes English and says "
      "so" },
    { "out/NAME/", "the default output directory of a command on NAME.ini (each command's --help says "
                   "what it writes there); an output is written as NAME.tmp and renamed when complete" },
    { "DIR/report.html, DIR/report.zh.html", "the report in English and in Chinese (--lang zh); one does "
                                            "not overwrite the other" },
    { NULL, NULL }
};

static void roff_tagged(FILE *f, const char *tag, const char *text)
{
    fputs(".TP\n\\fB", f);
    /* a tag is a name or path: escaped as text, no option hyphens */
    for (const char *p = tag; *p; p++)
        if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-')
            fputs("\\-", f);
        else
            fputc(*p, f);
    fputs("\\fR\n", f);
    help_roff_text(f, text);
}

static void write_keys(FILE *f)
{
    const scen_section *const *all = scen_all_sections();
    fputs(".SH \"SCENARIO KEYS\"\n", f);
    help_roff_text(f, keys_intro);
    for (int i = 0; all[i]; i++) {
        const scen_section *s = all[i];
        if (s->max_instances > 1)
            fprintf(f, ".SS \"[%s.NAME] (up to %d)\"\n", s->name, s->max_instances);
        else
            fprintf(f, ".SS \"[%s]\"\n", s->name);
        help_roff_text(f, s->help);
        for (const scen_key *k = s->keys; k->name; k++) {
            char range[256], def[64], text[2048];
            scen_key_range(k, range, sizeof range);
            scen_key_default(k, def, sizeof def);
            snprintf(text, sizeof text, "%s (default %s; allowed %s%s%s). %s", scen_key_type(k), def, range,
                     k->unit && *k->unit ? "; " : "", k->unit ? k->unit : "", k->help);
            fputs(".TP\n", f);
            fprintf(f, "\\fB%s\\fR\n", k->name);
            help_roff_text(f, text);
        }
    }
}

static void write_man(FILE *f)
{
    const command *const *cmds = retsim_commands;
    fputs(".\\\" Generated by `retsim man` from the help and key tables; do not edit (make man).\n", f);
    fprintf(f, ".TH RETSIM 1 \"\" \"retsim %s\" \"User Commands\"\n", RETSIM_VERSION);
    /* no hyphenation: file names and keys (report.html, step_conversion)
     * must read as typed */
    fputs(".nh\n", f);
    fputs(".SH NAME\nretsim \\- try a retention idea on a simulated copy of your customers\n", f);

    fputs(".SH SYNOPSIS\n", f);
    for (int i = 0; cmds[i]; i++)
        for (int j = 0; cmds[i]->help->synopsis[j]; j++) {
            const char *line = cmds[i]->help->synopsis[j];
            const char *rest = line + strlen("retsim ") + strlen(cmds[i]->name);
            fprintf(f, "\\fBretsim %s\\fR%s", cmds[i]->name, *rest ? " " : "\n");
            if (*rest)
                help_roff_flags(f, rest + 1);
            fputs(".br\n", f);
        }
    fputs("\\fBretsim\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n", f);

    fputs(".SH DESCRIPTION\n", f);
    help_roff_text(f, overview);

    fputs(".SH COMMANDS\n", f);
    help_roff_text(f, "Each command takes -h or --help, which prints the part of this page below.");
    for (int i = 0; cmds[i]; i++)
        help_print_roff(f, cmds[i]->name, cmds[i]->summary, cmds[i]->help);

    write_keys(f);

    fputs(".SH \"EXIT STATUS\"\n", f);
    for (int i = 0; retsim_exit_statuses[i].code; i++)
        roff_tagged(f, retsim_exit_statuses[i].code, retsim_exit_statuses[i].meaning);

    fputs(".SH ENVIRONMENT\n", f);
    for (int i = 0; environment[i].name; i++)
        roff_tagged(f, environment[i].name, environment[i].text);

    fputs(".SH FILES\n", f);
    for (int i = 0; files[i].name; i++)
        roff_tagged(f, files[i].name, files[i].text);

    fputs(".SH EXAMPLES\n", f);
    for (int i = 0; cmds[i]; i++) {
        const char *const *ex = cmds[i]->help->examples;
        for (int j = 0; ex && ex[j]; j++) {
            fputs(".PP\n.RS 4\n.EX\n", f);
            help_roff_text(f, ex[j]);
            fputs(".EE\n.RE\n", f);
        }
    }
    fputs(".SH \"SEE ALSO\"\n\\fBgnuplot\\fR(1); docs/scenarios.md and docs/whatif.md in the source tree.\n", f);
}

static int man_run(int argc, char **argv, diag *d)
{
    static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            help_print(stdout, &man_help);
            return 0;
        }
        return diag_set(d, DIAG_USAGE, "unknown option '%s' (see retsim man --help)", argv[optind - 1]);
    }
    if (optind < argc)
        return diag_set(d, DIAG_USAGE, "unexpected argument '%s'", argv[optind]);
    write_man(stdout);
    if (fflush(stdout) != 0 || ferror(stdout))
        return diag_set(d, DIAG_RUNTIME, "cannot write the manual page to standard output");
    return 0;
}

const command cmd_man = { "man", "print the manual page (roff): retsim man | man -l -", man_run, &man_help };
