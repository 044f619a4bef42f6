/* cli: the options the simulation commands share, parsed once.
 * Every number typed is checked (range, junk, sign) with a message naming
 * the option, the value and what was expected. */
#ifndef RETSIM_CLI_H
#define RETSIM_CLI_H

#include "../sim/diag.h"
#include "../sim/lang.h"
#include "help.h"
#include "../sim/runner.h"

#define CLI_MAX_SETS SCEN_MAX_SETS
#define CLI_MAX_FILES 32

/* which options a command takes */
enum {
    CLI_PRECISION = 1,
    CLI_INDEPENDENT = 2,
    CLI_PARAM = 4,
    CLI_DELTA = 8,
    CLI_METRIC = 16,
    CLI_REPORT = 32,      /* --report and --lang */
    CLI_MATERIAL = 64,    /* --material X%: the verdicts' threshold */
    CLI_PARAM_UNCERTAINTY = 128, /* --param-uncertainty on|off */
    CLI_WRITE_LOG = 256   /* --write-log FILE and --log-start DATE (run) */
};

typedef struct cli_opts {
    run_opts run;
    const char *out;
    int force;               /* --force: write into a folder that is not a retsim output */
    const char *sets[CLI_MAX_SETS];
    int nsets;
    int quiet;
    int help;
    double precision;        /* relative CI half-width to reach; 0 = fixed reps */
    int independent;
    const char *param;       /* sweep: section.key=FROM:TO:STEP */
    double delta;            /* sensitivity: relative move, e.g. 0.1 */
    const char *metric;      /* sensitivity: second metric */
    int report;              /* also write report.html */
    int lang;                /* lang_id of the report */
    double material;         /* --material as a share (0.01 for 1%); 0 = metric_table's */
    const char *write_log;   /* --write-log: replication 0's purchases as a transaction log */
    const char *log_start;   /* --log-start: the log's day 0 (YYYY-MM-DD); NULL: the default */
    const char *files[CLI_MAX_FILES];
    int nfiles;
} cli_opts;

/* Parses argv (argv[0] is the command name) into o; defaults: seed 1,
 * 200 replications, all threads, delta 0.1.  Returns 0 or DIAG_USAGE. */
int cli_parse(const char *verb, int argc, char **argv, int allowed, cli_opts *o, diag *d);


/* out/NAME for FILE.ini or a/b/NAME.ini */
void cli_default_out(const char *path, char *out, size_t cap);

/* The shared option rows (help_page.shared), and them printed as --help
 * prints them for a command that allows the CLI_ bits in allowed. */
extern const help_option cli_help_options[];
void cli_print_common_help(int allowed);


/* --lang: "en" or "zh" (DIAG_USAGE naming the supported ones otherwise); the
 * language chosen is also the UI language (sim/lang.h) from then on. */
int cli_parse_lang(const char *text, lang_id *out, diag *d);

/* The finite decimal number of text[0..len) (a field of "KEY=LOW:HIGH" or
 * "FROM:TO:STEP"): 0, or -1 for an empty, over-long, hexadecimal,
 * infinite, NaN or trailing-garbage field. */
int cli_parse_number(const char *text, size_t len, double *out);

#endif
