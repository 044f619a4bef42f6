/* Outputs read back by name (issue 10, item 7): figures find the columns
 * of the CSV files they plot by their header names (present/csvcols.h),
 * so a column moved is still found and a column missing is an error that
 * names the file and the column, never a plot of the wrong numbers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../present/csvcols.h"
#include "../present/figures.h"
#include "util.h"

/* room for "/run" after the template */
static char dir[64] = "/tmp/retsim-csvcols-XXXXXX";

static void make_dir(void)
{
    cr_assert(mkdtemp(dir), "cannot create a temp folder");
}

static void drop_dir(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    tu_system(cmd);
}

static void write_file(const char *name, const char *text)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot read %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(csvcols, finds_columns_by_name_in_any_order, .init = make_dir, .fini = drop_dir)
{
    /* a quoted name with a comma is one column; the header may lack a final newline */
    write_file("a.csv", "day,\"b,c\",d_mean,d_ci_low,d_ci_high\n0,1,2,3,4\n");
    write_file("b.csv", "d_ci_high,d_mean,day");
    const char *names[] = { "d_mean", "day", NULL, "b,c" };
    int cols[4];
    diag d = { 0 };
    cr_assert_eq(csvcols_find(dir, "a.csv", names, cols, 4, &d), 0, "%s", d.msg);
    cr_expect(cols[0] == 3 && cols[1] == 1 && cols[2] == 0 && cols[3] == 2,
              "a.csv: columns %d %d %d %d", cols[0], cols[1], cols[2], cols[3]);
    cr_assert_eq(csvcols_find(dir, "b.csv", names, cols, 2, &d), 0, "%s", d.msg);
    cr_expect(cols[0] == 2 && cols[1] == 3, "b.csv: columns %d %d", cols[0], cols[1]);

    plot_series s = { .legend = "kept" };
    cr_assert_eq(figures_band(dir, "a.csv", "day", "d", &s, &d), 0, "%s", d.msg);
    cr_expect(s.xcol == 1 && s.ycol == 3 && s.lowcol == 4 && s.highcol == 5,
              "band: %d %d %d %d", s.xcol, s.ycol, s.lowcol, s.highcol);
    cr_expect(!strcmp(s.csv, "a.csv") && !strcmp(s.legend, "kept"), "csv or legend lost");
}

Test(csvcols, a_missing_column_or_file_is_named, .init = make_dir, .fini = drop_dir)
{
    write_file("a.csv", "day,d_mean\n0,1\n");
    const char *names[] = { "day", "d_ci_low" };
    int cols[2];
    diag d = { 0 };
    cr_expect_eq(csvcols_find(dir, "a.csv", names, cols, 2, &d), DIAG_RUNTIME);
    cr_expect(strstr(d.msg, "a.csv") && strstr(d.msg, "no column 'd_ci_low'"), "message: %s",
              d.msg);
    /* a prefix of a name is not the name */
    const char *prefix[] = { "d_mea" };
    diag d2 = { 0 };
    cr_expect_eq(csvcols_find(dir, "a.csv", prefix, cols, 1, &d2), DIAG_RUNTIME,
                 "'d_mea' found in a header that has only d_mean");
    diag d3 = { 0 };
    cr_expect_eq(csvcols_find(dir, "none.csv", names, cols, 2, &d3), DIAG_RUNTIME);
    cr_expect(strstr(d3.msg, "none.csv"), "message: %s", d3.msg);
}

/* A run's files with retention.csv's columns reversed and profit.csv's
 * cumulative profit missing: the retention plot follows the names, the
 * profit plot is refused with the column named. */
Test(csvcols, figures_follow_the_names_of_a_run, .init = make_dir, .fini = drop_dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s run scenarios/salon.ini --reps 2 --seed 3 --quiet --out %s/run",
             tu_bin(), dir);
    cr_assert_eq(tu_system(cmd), 0, "%s failed", cmd);
    strcat(dir, "/run");  /* the helpers below now work in the run folder */
    write_file("retention.csv", "retention_ci_high,retention_ci_low,retention_sd,retention_mean,"
                                "age_days\n1,1,0,1,0\n0.9,0.7,0.1,0.8,1\n");
    write_file("observed_retention.csv", "age_days,observed_retention_mean\n");  /* no rows */
    char *profit = read_file("profit.csv");
    char *at = strstr(profit, "cumulative_profit_mean");
    cr_assert(at, "profit.csv has no cumulative_profit_mean to remove");
    memcpy(at, "cumulative_profit_XXXX", strlen("cumulative_profit_mean"));
    write_file("profit.csv", profit);

    diag d = { 0 };
    int status = figures_run(dir, "salon", "yuan", 365, LANG_EN, PLOT_PNG, &d);
    const char *gp = read_file("retention.gp");
    cr_expect(strstr(gp, "'retention.csv' skip 1 using 5:2:1 with filledcurves"),
              "the band does not follow the names:\n%s", gp);
    cr_expect(strstr(gp, "'retention.csv' skip 1 using 5:4 with lines"),
              "the line does not follow the names:\n%s", gp);
    cr_expect_eq(status, DIAG_RUNTIME, "a missing column went unnoticed");
    cr_expect(strstr(d.msg, "profit.csv") && strstr(d.msg, "'cumulative_profit_mean'"),
              "message: %s", d.msg);
    dir[strlen(dir) - strlen("/run")] = '\0';
}
