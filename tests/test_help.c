/* The help tables and what is rendered from them: --help wraps as it says,
 * every option a help page documents is one the command accepts, and the
 * man page (`retsim man`, docs/retsim.1) holds every command, every
 * scenario key and every exit status.  (make check-docs checks that
 * docs/retsim.1 is the current `retsim man`.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../cli/cli.h"
#include "../cli/commands.h"
#include "../cli/help.h"
#include "../sim/scenario.h"
#include "util.h"

static char *capture(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p, "popen %s", cmd);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 4096)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

static char *wrapped(const char *text, int first, int indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    help_wrap(f, text, first, indent);
    fclose(f);
    return buf;
}

Test(help, wrap_keeps_lines_within_79_columns_and_quoted_spans_whole)
{
    const char *text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                       "fifteen sixteen, e.g. `--set channel.walkin.step_conversion=0.4` and a 95 % CI "
                       "of seventeen eighteen nineteen twenty";
    char *out = wrapped(text, 23, 23);
    int lines = 0;
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        /* the first line continues after a 23-column flags column */
        size_t width = n + (lines == 0 ? 23 : 0);
        cr_expect(width <= 79, "line %d is %zu columns: '%.*s'", lines + 1, width, (int)n, line);
        if (lines > 0)
            cr_expect(!strncmp(line, "                       ", 23) && line[23] != ' ',
                      "line %d is not indented by 23: '%.*s'", lines + 1, (int)n, line);
        lines++;
        line = nl ? nl + 1 : NULL;
    }
    cr_expect(lines >= 3, "the text should take at least 3 lines, took %d:\n%s", lines, out);
    cr_expect(strstr(out, "`--set channel.walkin.step_conversion=0.4`"), "the quoted span was broken:\n%s", out);
    cr_expect(strstr(out, "95 %"), "'95 %%' was broken across lines:\n%s", out);
    free(out);
}

/* Every option row shown in a command's --help is an option the command
 * accepts: given alone it is never "unknown option" or "does not take". */
Test(help, every_documented_option_is_accepted, .timeout = 120)
{
    int checked = 0;
    for (int i = 0; retsim_commands[i]; i++) {
        const command *c = retsim_commands[i];
        const help_page *p = c->help;
        cr_assert(p && p->synopsis && p->synopsis[0], "retsim %s has no help page", c->name);
        for (int pass = 0; pass < 2; pass++) {
            const help_option *rows = pass ? p->shared : p->options;
            for (const help_option *o = rows; o && o->flags; o++) {
                if (pass && (o->needs & p->shared_mask) != o->needs)
                    continue;
                const char *lng = strstr(o->flags, "--");
                cr_assert(lng, "retsim %s: row '%s' has no long option", c->name, o->flags);
                char flag[64], cmd[512];
                size_t n = strcspn(lng, " ");
                snprintf(flag, sizeof flag, "%.*s", (int)n, lng);
                /* --markdown prints the whole reference: quick, but keep it quiet */
                snprintf(cmd, sizeof cmd, "%s %s %s </dev/null 2>&1 >/dev/null", tu_bin(), c->name, flag);
                int status;
                char *err = capture(cmd, &status);
                cr_expect(!strstr(err, "unknown option") && !strstr(err, "does not take"),
                          "retsim %s documents %s but rejects it: %s", c->name, flag, err);
                free(err);
                checked++;
            }
        }
    }
    cr_expect(checked >= 60, "only %d documented options checked", checked);
}

static char *man_page(void)
{
    char cmd[512];
    int status;
    snprintf(cmd, sizeof cmd, "%s man", tu_bin());
    char *page = capture(cmd, &status);
    cr_assert_eq(status, 0, "retsim man: exit status %d", status);
    return page;
}

Test(help, man_page_has_every_command_key_and_exit_status)
{
    char *page = man_page();
    cr_expect(!strncmp(page, ".\\\"", 3) && strstr(page, "\n.TH RETSIM 1 "), "not a man(7) page");
    static const char *const sections[] = { "NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS",
                                            "\"SCENARIO KEYS\"", "\"EXIT STATUS\"", "ENVIRONMENT",
                                            "FILES", "EXAMPLES" };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n.SH %s\n", sections[i]);
        cr_expect(strstr(page, want), "no section %s", sections[i]);
    }
    char want[256];
    int commands = 0;
    for (int i = 0; retsim_commands[i]; i++, commands++) {
        snprintf(want, sizeof want, "\n.SS \"%s\"\n", retsim_commands[i]->name);
        cr_expect(strstr(page, want), "no subsection for retsim %s", retsim_commands[i]->name);
    }
    cr_expect(commands >= 10, "%d commands", commands);
    int keys = 0;
    const scen_section *const *all = scen_all_sections();
    for (int i = 0; all[i]; i++) {
        snprintf(want, sizeof want, all[i]->max_instances > 1 ? "\n.SS \"[%s.NAME]" : "\n.SS \"[%s]\"\n",
                 all[i]->name);
        cr_expect(strstr(page, want), "no subsection for [%s]", all[i]->name);
        for (const scen_key *k = all[i]->keys; k->name; k++, keys++) {
            snprintf(want, sizeof want, "\n.TP\n\\fB%s\\fR\n", k->name);
            cr_expect(strstr(page, want), "key %s.%s is not in the man page", all[i]->name, k->name);
        }
    }
    cr_expect(keys >= 100, "only %d keys", keys);
    static const char *const statuses[] = { "0", "1", "2", "130", "143" };
    const char *exit_section = strstr(page, "\n.SH \"EXIT STATUS\"\n");
    cr_assert(exit_section);
    for (size_t i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "\n.TP\n\\fB%s\\fR\n", statuses[i]);
        cr_expect(strstr(exit_section, want), "exit status %s is not documented", statuses[i]);
    }
    /* ASCII only (UTF-8 is written as \[uXXXX]), and no line that roff
     * would read as a request by accident */
    for (const char *p = page; *p; p++)
        cr_assert((unsigned char)*p < 0x80, "a non-ASCII byte at offset %ld", (long)(p - page));
    free(page);
}

/* The --help of each command and `retsim --help` print the same exit
 * statuses and summaries the man page renders. */
Test(help, top_help_lists_every_command_and_exit_status)
{
    char cmd[512];
    int status;
    snprintf(cmd, sizeof cmd, "%s --help", tu_bin());
    char *out = capture(cmd, &status);
    cr_assert_eq(status, 0);
    for (int i = 0; retsim_commands[i]; i++)
        cr_expect(strstr(out, retsim_commands[i]->summary), "retsim --help misses %s", retsim_commands[i]->name);
    for (int i = 0; retsim_exit_statuses[i].code; i++) {
        char want[16];
        snprintf(want, sizeof want, "  %-4s ", retsim_exit_statuses[i].code);
        cr_expect(strstr(out, want), "retsim --help misses exit status %s", retsim_exit_statuses[i].code);
    }
    free(out);
}

/* Screen columns of a UTF-8 line: 2 for a CJK or full-width character (and
 * the curly quotes and dash a Chinese text uses), 1 otherwise. */
static int columns(const char *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        w += len >= 3 ? 2 : 1;  /* the 3-byte characters of a help page are CJK or its punctuation */
        i += (size_t)len;
    }
    return w;
}

/* Chinese help wraps by screen width, not by bytes: every line of every
 * command's --help in Chinese is at most 79 columns (a piece longer than a
 * line, a `quoted` span, and the command lines of the synopsis and the
 * examples excepted), so long Chinese paragraphs are broken between
 * characters, not printed as one line. */
Test(help, chinese_help_wraps_by_screen_width)
{
    static const char *const cmds[] = { "run", "compare", "sweep", "sensitivity", "lesson", "keys",
                                        "explain", "report", NULL };
    for (int k = 0; cmds[k]; k++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "LANGUAGE=zh_CN %s %s --help", tu_bin(), cmds[k]);
        int status;
        char *out = capture(cmd, &status);
        cr_expect_eq(status, 0, "%s", cmd);
        for (char *line = out; *line;) {
            char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            int w = columns(line, n);
            /* synopsis and example command lines are printed whole, as in English */
            char copy[1024];
            snprintf(copy, sizeof copy, "%.*s", (int)n, line);
            if (!memchr(line, '`', n) && !strstr(copy, "retsim "))
                cr_expect(w <= 79, "retsim %s --help in Chinese: a line of %d columns: '%.*s'", cmds[k],
                          w, (int)n, line);
            line += n + (nl != NULL);
        }
        cr_expect(strstr(out, "（") || strstr(out, "，"), "retsim %s --help is not in Chinese", cmds[k]);
        free(out);
    }
}
