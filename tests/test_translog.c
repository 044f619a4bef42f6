/* Transaction logs: real-world CSV read into purchase histories (fit/translog)
 * and described before any model (present/describe).
 *
 * The edge cases are one table: each a small file written to a temporary
 * directory, read, and compared with the log expected (customers, days and
 * merged amounts as text), the counts, the bad lines, or the words the
 * refusal must contain.  Then the summary against lifetimes' published CDNOW
 * values, when ../shared/data is there (RETSIM_SHARED_DATA overrides the
 * folder; the data are read from there, never copied into the repository). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../present/describe.h"
#include "../fit/translog.h"

/* ---- helpers ---- */

/* y-m-d of a day from 1970-01-01, by walking the calendar: an independent
 * check of translog's arithmetic. */
static void ymd(int day, char *out, size_t cap)
{
    int y = 1970, m = 1;
    for (;;) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int len = 365 + leap;
        if (day < 0) {
            y--;
            leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            day += 365 + leap;
        } else if (day >= len) {
            day -= len;
            y++;
        } else {
            break;
        }
    }
    for (;;) {
        static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int len = dm[m - 1] + (m == 2 && leap);
        if (day < len)
            break;
        day -= len;
        m++;
    }
    snprintf(out, cap, "%04d-%02d-%02d", y, m, day + 1);
}

/* The log as text: "id:date=amount,date=amount;id2:..." */
static void dump(const translog *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < t->ncust; i++) {
        n += (size_t)snprintf(out + n, cap - n, "%s%s:", i ? ";" : "", t->ids[i]);
        for (int j = t->first[i]; j < t->first[i + 1] && n < cap; j++) {
            char date[48];
            ymd(t->day[j], date, sizeof date);
            n += (size_t)snprintf(out + n, cap - n, "%s%s=%g", j > t->first[i] ? "," : "",
                                  date, t->amount[j]);
        }
        if (n >= cap)
            break;
    }
}

static char tmp_dir[64];

static void make_tmp_dir(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/retsim-translog-XXXXXX");
    cr_assert(mkdtemp(tmp_dir) != NULL, "cannot create a temporary directory");
}

static void remove_tmp_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_dir);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    cr_assert(fwrite(text, 1, len, f) == len);
    fclose(f);
}

/* The folder of the shared validation data. */
static const char *shared_dir(void)
{
    const char *dir = getenv("RETSIM_SHARED_DATA");
    return dir ? dir : "../shared/data";
}

/* Fails the test, naming the path, when a file of the shared data is not
 * there: a skipped check reads as a passed one in CI, which has the data. */
#define REQUIRE_SHARED(file, path)                                                        \
    do {                                                                                  \
        snprintf(path, sizeof path, "%s/%s", shared_dir(), file);                         \
        if (access(path, R_OK) != 0)                                                      \
            cr_assert_fail("%s is not readable: this check against the CDNOW data cannot " \
                           "run (set RETSIM_SHARED_DATA to the folder)", path);           \
    } while (0)

/* ---- the table of edge cases ---- */

typedef struct tcase {
    const char *name;
    const char *csv;
    size_t len;                 /* 0: strlen(csv) */
    const char *customer_col, *date_col, *amount_col, *date_format;
    double max_bad;             /* 0: 0.5 */
    int fails;                  /* expect a refusal (DIAG_USAGE) */
    const char *log;            /* expected dump of the log */
    const char *words[5];       /* in the refusal, or in the kept bad reasons (in order) */
    long rows, bad, merged;     /* checked when log is set */
    long bad_lines[6];          /* 0-terminated */
    const char *columns[3];     /* header names used, when set */
    const char *format;         /* format used, when set */
} tcase;

#define HDR "customer,date,amount\n"

static const tcase cases[] = {
    { .name = "plain", .csv = HDR "a,2024-01-05,10\nb,2024-01-06,20.5\n",
      .log = "a:2024-01-05=10;b:2024-01-06=20.5", .rows = 2,
      .columns = { "customer", "date", "amount" }, .format = "%Y-%m-%d" },
    { .name = "quoted fields with commas and quotes",
      .csv = "\"customer\",\"date\",\"amount\"\n\"Smith, J\",\"2024-01-05\",\"12.50\"\n"
             "\"say \"\"hi\"\"\",2024-01-06,3\n",
      .log = "Smith, J:2024-01-05=12.5;say \"hi\":2024-01-06=3", .rows = 2 },
    { .name = "CRLF line ends, bad row counted on its own line",
      .csv = "customer,date,amount\r\na,2024-01-05,1\r\nb,2024-13-01,2\r\nc,2024-01-07,3\r\n",
      .log = "a:2024-01-05=1;c:2024-01-07=3", .rows = 3, .bad = 1, .bad_lines = { 3 },
      .words = { "bad date '2024-13-01'" } },
    { .name = "lone CR line ends",
      .csv = "customer,date,amount\ra,2024-01-05,1\rb,x,2\r",
      .log = "a:2024-01-05=1", .rows = 2, .bad = 1, .bad_lines = { 3 } },
    { .name = "blank lines and empty rows skipped, not counted",
      .csv = "\n\ncustomer,date,amount\n\na,2024-01-05,1\n\n  \n,,\nb,2024-01-06,-2\n\n",
      .log = "a:2024-01-05=1", .rows = 2, .bad = 1, .bad_lines = { 9 },
      .words = { "negative amount '-2' (refunds" } },
    { .name = "UTF-8 byte-order mark",
      .csv = "\xEF\xBB\xBF" HDR "a,2024-01-05,1\n",
      .log = "a:2024-01-05=1", .rows = 1, .columns = { "customer", "date", "amount" } },
    { .name = "Chinese column names",
      .csv = "客户编号,消费日期,实付金额\n1001,2024-01-05,¥88\n1002,2024-01-06,￥12.5\n"
             "1001,2024-01-09,$ 7\n",
      .log = "1001:2024-01-05=88,2024-01-09=7;1002:2024-01-06=12.5", .rows = 3,
      .columns = { "客户编号", "消费日期", "实付金额" } },
    { .name = "other Chinese names, BOM, CRLF, date-times",
      .csv = "\xEF\xBB\xBF会员号,下单时间,金额\r\n7,2024-03-01 13:22,5\r\n7,2024-03-01 18:00,6\r\n",
      .log = "7:2024-03-01=11", .rows = 2, .merged = 1 },
    { .name = "columns in another order",
      .csv = "Amount,Date,Customer ID\n3,2024-01-05,x\n",
      .log = "x:2024-01-05=3", .rows = 1, .columns = { "Customer ID", "Date", "Amount" } },
    { .name = "extra columns",
      .csv = "order_id,customer,sku,order_date,qty,amount,note\n"
             "o1,c1,s9,2024-01-05,2,19.9,\"gift, wrapped\"\n",
      .log = "c1:2024-01-05=19.9", .rows = 1, .columns = { "customer", "order_date", "amount" } },
    { .name = "most specific name wins (customer_id over id, order_date over time)",
      .csv = "id,customer_id,time,order_date,price,amount\n1,c,09:00,2024-01-05,2,4\n",
      .log = "c:2024-01-05=4", .rows = 1, .columns = { "customer_id", "order_date", "amount" } },
    { .name = "format %Y/%m/%d", .csv = HDR "a,2024/1/5,1\na,2024/02/29,2\n",
      .log = "a:2024-01-05=1,2024-02-29=2", .rows = 2, .format = "%Y/%m/%d" },
    { .name = "format %Y%m%d", .csv = HDR "a,20240105,1\na,19991231,2\n",
      .log = "a:1999-12-31=2,2024-01-05=1", .rows = 2, .format = "%Y%m%d" },
    { .name = "format %d/%m/%Y (a day above 12 decides)",
      .csv = HDR "a,05/01/2024,1\na,25/12/2024,2\n",
      .log = "a:2024-01-05=1,2024-12-25=2", .rows = 2, .format = "%d/%m/%Y" },
    { .name = "format %m/%d/%Y (a day above 12 decides)",
      .csv = HDR "a,01/05/2024,1\na,12/25/2024,2\n",
      .log = "a:2024-01-05=1,2024-12-25=2", .rows = 2, .format = "%m/%d/%Y" },
    { .name = "format %Y.%m.%d", .csv = HDR "a,2024.01.05,1\n",
      .log = "a:2024-01-05=1", .rows = 1, .format = "%Y.%m.%d" },
    { .name = "format %d.%m.%Y", .csv = HDR "a,05.01.2024,1\n",
      .log = "a:2024-01-05=1", .rows = 1, .format = "%d.%m.%Y" },
    { .name = "format 2024年1月5日", .csv = HDR "a,2024年1月5日,1\na,2024年12月25日 10:00,2\n",
      .log = "a:2024-01-05=1,2024-12-25=2", .rows = 2, .format = "%Y年%m月%d日" },
    { .name = "date-times: the date part",
      .csv = HDR "a,2024-01-05 13:22,1\nb,2024-01-05T23:59:59Z,2\nc,2024-01-06 00:00:00,3\n",
      .log = "a:2024-01-05=1;b:2024-01-05=2;c:2024-01-06=3", .rows = 3 },
    { .name = "same-day purchases merge, amounts summed",
      .csv = HDR "a,2024-01-05,10\nb,2024-01-05,1\na,2024-01-06,1\na,2024-01-05,5.5\n"
                 "a,2024-01-05 20:00,0.25\n",
      .log = "a:2024-01-05=15.75,2024-01-06=1;b:2024-01-05=1", .rows = 5, .merged = 2 },
    { .name = "bad rows counted with their lines and reasons", .max_bad = 0.9,
      .csv = HDR "a,2024-01-05,1\nb,2024-02-30,1\nc,2024-01-05,1\nd,2024-01-05,-3\n"
                 "e,2024-01-05,abc\nf,2024-01-06,2\n,2024-01-05,1\ng,2024-01-07,2\n"
                 "h,2024-01-08\ni,2024-01-05,\"1,234.50\"\nj,2024-01-09,inf\n",
      .log = "a:2024-01-05=1;c:2024-01-05=1;f:2024-01-06=2;g:2024-01-07=2", .rows = 11,
      .bad = 7, .bad_lines = { 3, 5, 6, 8, 10, 11 },
      .words = { "bad date '2024-02-30' (expected %Y-%m-%d", "negative amount", "'abc' is not a number",
                 "missing customer id", "2 fields" } },
    { .name = "currency signs and spaces", .csv = HDR "a,2024-01-05, $ 12 \nb,2024-01-05,¥0\n"
                                                  "c,2024-01-05,-$4\n",
      .log = "a:2024-01-05=12;b:2024-01-05=0", .rows = 3, .bad = 1, .bad_lines = { 4 } },
    { .name = "a quoted line break keeps the line numbers right",
      .csv = "customer,date,amount,note\na,2024-01-05,1,\"two\nlines\"\nb,2024-01-05,x,\n",
      .log = "a:2024-01-05=1", .rows = 2, .bad = 1, .bad_lines = { 4 } },
    { .name = "semicolons", .csv = "customer;date;amount\na;2024-01-05;1.5\n",
      .log = "a:2024-01-05=1.5", .rows = 1 },
    { .name = "tabs", .csv = "customer\tdate\tamount\na\t2024-01-05\t1.5\n",
      .log = "a:2024-01-05=1.5", .rows = 1 },
    { .name = "customers sorted: numbers numerically, then text",
      .csv = HDR "b,2024-01-05,1\n10,2024-01-05,1\n9,2024-01-05,1\na,2024-01-05,1\n"
                 "9,2024-01-03,2\n",
      .log = "9:2024-01-03=2,2024-01-05=1;10:2024-01-05=1;a:2024-01-05=1;b:2024-01-05=1",
      .rows = 5 },
    { .name = "explicit columns", .csv = "buyer,when,paid,amount\nz,2024-01-05,3,99\n",
      .customer_col = "Buyer", .date_col = "when", .amount_col = "paid",
      .log = "z:2024-01-05=3", .rows = 1, .columns = { "buyer", "when", "paid" } },
    { .name = "explicit --date-format settles an ambiguous column",
      .csv = HDR "a,01/02/2024,1\na,03/04/2024,1\n", .date_format = "%d/%m/%Y",
      .log = "a:2024-02-01=1,2024-04-03=1", .rows = 2, .format = "%d/%m/%Y" },
    { .name = "explicit --date-format, other way",
      .csv = HDR "a,01/02/2024,1\na,03/04/2024,1\n", .date_format = "%m/%d/%Y",
      .log = "a:2024-01-02=1,2024-03-04=1", .rows = 2 },
    { .name = "explicit --date-format with literals", .csv = HDR "a,5-1-2024,1\n",
      .date_format = "%d-%m-%Y", .log = "a:2024-01-05=1", .rows = 1 },
    { .name = "bad rows just under the limit", .max_bad = 0.2,
      .csv = HDR "a,2024-01-05,1\nb,2024-01-05,1\nc,2024-01-05,1\nd,2024-01-05,1\ne,x,1\n",
      .log = "a:2024-01-05=1;b:2024-01-05=1;c:2024-01-05=1;d:2024-01-05=1", .rows = 5, .bad = 1,
      .bad_lines = { 6 } },

    /* refusals */
    { .name = "too many bad rows", .max_bad = 0.1, .fails = 1,
      .csv = HDR "a,2024-01-05,1\nb,2024-01-05,-1\nc,2024-01-05,1\nd,not a date,1\ne,2024-01-05,1\n",
      .words = { "2 of 5 rows (40.0 %)", "10.0 % allowed", "line 3: negative amount",
                 "line 5: bad date 'not a date'" } },
    { .name = "every row bad", .fails = 1, .csv = HDR "a,2024-01-05,x\nb,2024-01-05,y\n",
      .words = { "none of the 2 rows", "line 2", "line 3" } },
    { .name = "empty file", .fails = 1, .csv = "", .words = { "is empty", "header row" } },
    { .name = "blank lines and a BOM only", .fails = 1, .csv = "\xEF\xBB\xBF\r\n\r\n",
      .words = { "is empty" } },
    { .name = "header only", .fails = 1, .csv = HDR "\n\n", .words = { "line 1", "no purchases" } },
    { .name = "no recognisable columns", .fails = 1, .csv = "foo,bar,Baz\n1,2,3\n",
      .words = { "'foo', 'bar', 'Baz'", "no customer column (expected one of: customer_id",
                 "no date column (expected one of: order_date", "no amount column",
                 "--customer, --date and --amount" } },
    { .name = "one column missing", .fails = 1, .csv = "customer,date,qty\na,2024-01-05,1\n",
      .words = { "no amount column", "found columns 'customer', 'date', 'qty'" } },
    { .name = "no header: data on line 1", .fails = 1, .csv = "a,2024-01-05,10\nb,2024-01-06,1\n",
      .words = { "line 1", "looks like data, not a header" } },
    { .name = "header not UTF-8 (GBK)", .fails = 1,
      .csv = "\xbf\xcd\xbb\xa7,\xc8\xd5\xc6\xda,\xbd\xf0\xb6\xee\n1,2024-01-05,1\n",
      .words = { "not UTF-8", "iconv" } },
    { .name = "explicit column not in the header", .fails = 1, .customer_col = "custmer",
      .csv = HDR "a,2024-01-05,1\n", .words = { "no column named 'custmer'", "did you mean 'customer'" } },
    { .name = "one column for two roles", .fails = 1, .date_col = "id",
      .csv = "id,amount\n2024-01-05,1\n", .words = { "column 'id' cannot be both the customer and the date" } },
    { .name = "two columns with the same name", .fails = 1,
      .csv = "customer,date,amount,amount\na,2024-01-05,1,2\n", .words = { "2 columns are named 'amount'" } },
    { .name = "ambiguous day/month", .fails = 1, .csv = HDR "a,01/02/2024,1\na,03/04/2024,1\n",
      .words = { "ambiguous", "--date-format '%d/%m/%Y'", "--date-format '%m/%d/%Y'",
                 "line 2: '01/02/2024' is 2024-02-01 or 2024-01-02" } },
    { .name = "unknown date format", .fails = 1, .csv = HDR "a,5 Jan 2024,1\na,6 Jan 2024,1\n",
      .words = { "line 2", "cannot read the date '5 Jan 2024' in column 'date'", "--date-format" } },
    { .name = "Excel serial dates", .fails = 1, .csv = HDR "a,45296,1\n",
      .words = { "'45296'", "Excel serial" } },
    { .name = "unsupported --date-format", .fails = 1, .csv = HDR "a,Jan 5 2024,1\n",
      .date_format = "%b %d %Y", .words = { "--date-format '%b %d %Y' is not supported" } },
    { .name = "a quote never closed", .fails = 1, .csv = HDR "a,2024-01-05,1\n\"b,2024-01-06,1\n",
      .words = { "line 3", "never closed" } },
    { .name = "UTF-16", .fails = 1, .csv = "\xFF\xFE" "c\0u\0", .len = 6, .words = { "UTF-16" } },
    /* issue 9: a NUL used to cut the field short silently */
    { .name = "NUL byte inside a field", .fails = 1, .csv = HDR "a\0b,2024-01-01,3\n",
      .len = sizeof(HDR "a\0b,2024-01-01,3\n") - 1, .words = { "line 2", "NUL byte" } },
    { .name = "NUL byte on a later line", .fails = 1,
      .csv = HDR "a,2024-01-01,3\nb,2024-01-02,4\0\n", .len = sizeof(HDR "a,2024-01-01,3\nb,2024-01-02,4\0\n") - 1,
      .words = { "line 3", "NUL byte" } },
    { .name = "customer id not UTF-8", .fails = 1, .csv = HDR "a,2024-01-01,3\nCaf\xe9,2024-01-02,4\n",
      .words = { "line 3", "byte 0xE9 is not UTF-8", "iconv" } },
    { .name = "overlong UTF-8 form", .fails = 1, .csv = HDR "\xc0\xaf,2024-01-02,4\n",
      .words = { "line 2", "not UTF-8" } },
    { .name = "UTF-8 surrogate", .fails = 1, .csv = HDR "\xed\xa0\x80,2024-01-02,4\n",
      .words = { "line 2", "not UTF-8" } },
    { .name = "file ends inside a UTF-8 character", .fails = 1, .csv = HDR "a,2024-01-02,4\n\xe5\xae",
      .words = { "ends inside a UTF-8 character" } },
    { .name = "Chinese ids in UTF-8 are fine", .csv = HDR "\xe5\xae\xa2,2024-01-05,10\n",
      .log = "\xe5\xae\xa2:2024-01-05=10", .rows = 1 },
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

static void run_case(const tcase *c)
{
    make_tmp_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/log.csv", tmp_dir);
    write_file(path, c->csv, c->len ? c->len : strlen(c->csv));
    translog_opts o = { c->customer_col, c->date_col, c->amount_col, c->date_format,
                        c->max_bad > 0 ? c->max_bad : 0.5 };
    diag d = { 0 };
    translog *t = translog_read(path, &o, &d);
    remove_tmp_dir();
    if (c->fails) {
        cr_assert(t == NULL, "%s: read, but should be refused", c->name);
        cr_expect(d.status == DIAG_USAGE, "%s: status %d, not DIAG_USAGE", c->name, d.status);
        cr_expect(strstr(d.msg, path) != NULL, "%s: the message does not name the file: %s",
                  c->name, d.msg);
        for (int i = 0; i < 5 && c->words[i]; i++)
            cr_expect(strstr(d.msg, c->words[i]) != NULL, "%s: '%s' not in the message: %s",
                      c->name, c->words[i], d.msg);
        return;
    }
    cr_assert(t != NULL, "%s: refused: %s", c->name, d.msg);
    char got[2048];
    dump(t, got, sizeof got);
    cr_expect_str_eq(got, c->log, "%s: log\n  got  %s\n  want %s", c->name, got, c->log);
    cr_expect_eq(t->rows, c->rows, "%s: rows %ld, want %ld", c->name, t->rows, c->rows);
    cr_expect_eq(t->bad_rows, c->bad, "%s: bad rows %ld, want %ld", c->name, t->bad_rows, c->bad);
    cr_expect_eq(t->merged_rows, c->merged, "%s: merged %ld, want %ld", c->name, t->merged_rows,
                 c->merged);
    long nrows_used = 0;
    for (int i = 0; i < t->ncust; i++)
        nrows_used += t->first[i + 1] - t->first[i];
    cr_expect_eq(nrows_used, t->ntx, "%s: transactions do not add up", c->name);
    cr_expect_eq(t->ntx + t->merged_rows + t->bad_rows, t->rows,
                 "%s: transactions + merged + bad != rows", c->name);
    for (int i = 0; i < 6 && c->bad_lines[i]; i++) {
        cr_assert(i < t->nbad_kept, "%s: only %d bad rows kept", c->name, t->nbad_kept);
        cr_expect_eq(t->bad_line[i], c->bad_lines[i], "%s: bad row %d on line %ld, want %ld (%s)",
                     c->name, i, t->bad_line[i], c->bad_lines[i], t->bad_reason[i]);
    }
    for (int i = 0; i < 5 && c->words[i]; i++)
        cr_expect(i < t->nbad_kept && strstr(t->bad_reason[i], c->words[i]),
                  "%s: bad row %d should say '%s', says '%s'", c->name, i, c->words[i],
                  i < t->nbad_kept ? t->bad_reason[i] : "(none)");
    for (int k = 0; k < 3; k++)
        if (c->columns[k])
            cr_expect_str_eq(t->columns[k], c->columns[k], "%s: column %d is '%s', want '%s'",
                             c->name, k, t->columns[k], c->columns[k]);
    if (c->format)
        cr_expect_str_eq(t->date_format, c->format, "%s: format '%s', want '%s'", c->name,
                         t->date_format, c->format);
    if (t->ntx) {
        int lo = t->day[0], hi = t->day[0];
        for (int j = 0; j < t->ntx; j++) {
            lo = t->day[j] < lo ? t->day[j] : lo;
            hi = t->day[j] > hi ? t->day[j] : hi;
        }
        cr_expect(t->min_day == lo && t->max_day == hi, "%s: min/max day", c->name);
    }
    translog_free(t);
}

ParameterizedTestParameters(translog, csv_cases)
{
    static int index[NCASES];
    for (int i = 0; i < NCASES; i++)
        index[i] = i;
    return cr_make_param_array(int, index, NCASES);
}

ParameterizedTest(int *i, translog, csv_cases)
{
    run_case(&cases[*i]);
}

/* ---- dates ---- */

Test(translog, dates_count_days_from_1970_by_the_calendar)
{
    static const struct { const char *text, *fmt; int day; } ok[] = {
        { "1970-01-01", "%Y-%m-%d", 0 },         { "1969-12-31", "%Y-%m-%d", -1 },
        { "2000-03-01", "%Y-%m-%d", 11017 },     { "2024-01-05", "%Y-%m-%d", 19727 },
        { "2024-02-29", "%Y-%m-%d", 19782 },     { "1997-09-30", "%Y-%m-%d", 10134 },
        { "1900-01-01", "%Y-%m-%d", -25567 },    { "2199-12-31", "%Y-%m-%d", 84005 },
        { " 2024-1-5 ", "%Y-%m-%d", 19727 },     { "20240105", "%Y%m%d", 19727 },
        { "5/1/2024", "%d/%m/%Y", 19727 },       { "2024年1月5日", "%Y年%m月%d日", 19727 },
        { "2024-01-05 13:22", "%Y-%m-%d", 19727 }, { "2024-01-05T13:22", "%Y-%m-%d", 19727 },
        { "2024-01-05 13:22", "%Y-%m-%d %H:%M", 19727 }, { "05  01 2024", "%d %m %Y", 19727 },
    };
    static const struct { const char *text, *fmt; } bad[] = {
        { "2023-02-29", "%Y-%m-%d" }, { "2024-04-31", "%Y-%m-%d" }, { "2024-00-10", "%Y-%m-%d" },
        { "1899-12-31", "%Y-%m-%d" }, { "2024-01-05x", "%Y-%m-%d" }, { "2024-01", "%Y-%m-%d" },
        { "24-01-05", "%Y-%m-%d" },   { "2024105", "%Y%m%d" },       { "", "%Y-%m-%d" },
        { "2024-01-05 25:00", "%Y-%m-%d %H:%M" }, { "2024-01-05", "%Y-%m" },
        { "2024-01-05", "%Y-%m-%d %Z" },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int day = 12345678;
        cr_expect(translog_parse_date(ok[i].text, ok[i].fmt, &day) == 0, "'%s' as %s refused",
                  ok[i].text, ok[i].fmt);
        cr_expect_eq(day, ok[i].day, "'%s' as %s: day %d, want %d", ok[i].text, ok[i].fmt, day,
                     ok[i].day);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int day;
        cr_expect(translog_parse_date(bad[i].text, bad[i].fmt, &day) != 0, "'%s' as %s accepted",
                  bad[i].text, bad[i].fmt);
    }
    /* every day of four centuries, against the calendar walk */
    for (int day = -25567; day <= 84005; day += 7) {
        char text[48];
        ymd(day, text, sizeof text);
        int got;
        cr_assert(translog_parse_date(text, "%Y-%m-%d", &got) == 0 && got == day,
                  "%s: %d, want %d", text, got, day);
    }
}

Test(translog, bad_rows_beyond_the_kept_ones_are_counted)
{
    make_tmp_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/many.csv", tmp_dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(HDR, f);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "c%d,2024-01-%02d,%s\n", i % 37, 1 + i % 28, i % 10 == 9 ? "n/a" : "5");
    fclose(f);
    translog_opts o = { NULL, NULL, NULL, NULL, 0.2 };
    diag d = { 0 };
    translog *t = translog_read(path, &o, &d);
    cr_assert(t, "%s", d.msg);
    cr_expect_eq(t->rows, 1000);
    cr_expect_eq(t->bad_rows, 100);
    cr_expect_eq(t->nbad_kept, TRANSLOG_BAD_KEPT);
    for (int i = 0; i < TRANSLOG_BAD_KEPT; i++)
        cr_expect_eq(t->bad_line[i], 11 + 10 * i, "kept bad row %d on line %ld", i, t->bad_line[i]);
    translog_free(t);
    o.max_bad_share = 0.05;
    t = translog_read(path, &o, &d);
    cr_expect(t == NULL);
    cr_expect(strstr(d.msg, "100 of 1000 rows (10.0 %)") && strstr(d.msg, "(and 95 more)"),
              "%s", d.msg);
    remove_tmp_dir();
}

Test(translog, a_missing_file_is_a_usage_error)
{
    diag d = { 0 };
    cr_expect(translog_read("/nonexistent/log.csv", NULL, &d) == NULL);
    cr_expect(d.status == DIAG_USAGE && strstr(d.msg, "/nonexistent/log.csv"), "%s", d.msg);
}

/* A million rows in well under the time a user waits, growing geometrically. */
Test(translog, a_million_rows, .timeout = 120)
{
    make_tmp_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/big.csv", tmp_dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("customer_id,order_date,amount\r\n", f);
    for (long i = 0; i < 1000000; i++)
        fprintf(f, "%ld,2023-%02ld-%02ld,%ld.%02ld\r\n", (i * 7919) % 100000, 1 + i % 12,
                1 + (i / 12) % 28, i % 300, i % 100);
    fclose(f);
    clock_t c0 = clock();
    diag d = { 0 };
    translog *t = translog_read(path, NULL, &d);
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    remove_tmp_dir();
    cr_assert(t, "%s", d.msg);
    cr_expect_eq(t->rows, 1000000);
    cr_expect_eq(t->ncust, 100000);
    cr_expect_eq(t->bad_rows, 0);
    cr_expect_eq(t->ntx + t->merged_rows, 1000000);
    cr_log_info("1,000,000 rows read in %.2f s CPU", secs);
    translog_free(t);
}

/* ---- describe ---- */

/* A log from text, through translog_read. */
static translog *log_from(const char *csv)
{
    make_tmp_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/in.csv", tmp_dir);
    write_file(path, csv, strlen(csv));
    translog_opts o = { NULL, NULL, NULL, NULL, 0.05 };
    diag d = { 0 };
    translog *t = translog_read(path, &o, &d);
    cr_assert(t, "%s", d.msg);
    unlink(path);
    return t;
}

static int day_of(const char *text)
{
    int day;
    cr_assert(translog_parse_date(text, "%Y-%m-%d", &day) == 0);
    return day;
}

Test(translog, summary_follows_the_btyd_conventions)
{
    translog *t = log_from(HDR "a,2024-01-01,10\na,2024-01-08,20\na,2024-01-29,40\n"
                               "a,2024-02-05,99\nb,2024-01-15,5\nc,2024-02-01,7\n");
    remove_tmp_dir();
    cust_summary s[3];
    describe_summarise(t, day_of("2024-01-31"), 7, s);
    /* a: first 01-01, repeats 01-08 and 01-29 in calibration, 02-05 holdout */
    cr_expect_float_eq(s[0].x, 2, 1e-12);
    cr_expect_float_eq(s[0].t_x, 4, 1e-12);
    cr_expect_float_eq(s[0].T, 30.0 / 7, 1e-12);
    cr_expect_float_eq(s[0].zbar, 30, 1e-12);
    cr_expect_float_eq(s[0].total, 70, 1e-12);
    cr_expect_eq(s[0].n_holdout, 1);
    cr_expect_float_eq(s[0].first_day, day_of("2024-01-01"), 0);
    /* b: one purchase */
    cr_expect(s[1].x == 0 && s[1].t_x == 0 && s[1].zbar == 0 && s[1].total == 5);
    cr_expect_float_eq(s[1].T, 16.0 / 7, 1e-12);
    /* c: first purchase after the calibration end */
    cr_expect(s[2].T < 0 && s[2].x == 0 && s[2].n_holdout == 1 && s[2].total == 0);
    translog_free(t);
}

/* The lines of a file, for checks. */
static int read_lines(const char *path, char lines[][512], int max)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s missing", path);
    int n = 0;
    while (n < max && fgets(lines[n], 512, f)) {
        lines[n][strcspn(lines[n], "\r\n")] = '\0';
        n++;
    }
    fclose(f);
    return n;
}

static int file_exists(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

Test(translog, describe_writes_rfm_cohorts_gaps_stickiness)
{
    /* as of 2024-03-31: a buys 4 times 10 days apart from 01-05; b twice,
     * 20 days apart; c once; d once in March; e once after the as-of day */
    translog *t = log_from(HDR "a,2024-01-05,10\na,2024-01-15,10\na,2024-01-25,10\n"
                               "a,2024-02-04,10\nb,2024-01-20,30\nb,2024-02-09,30\n"
                               "\"c, Ltd\",2024-02-10,500\nd,2024-03-30,40\ne,2024-04-02,1\n");
    char dir[128];
    snprintf(dir, sizeof dir, "%s/out", tmp_dir);
    diag d = { 0 };
    double top = -1;
    int rc = describe_write(dir, t, day_of("2024-03-31"), &top, &d);
    cr_assert(rc == 0, "%s", d.msg);
    /* revenue 40 + 60 + 500 + 40 = 640; top ceil(4/5) = 1 customer: c */
    cr_expect_float_eq(top, 500.0 / 640, 1e-12);

    char lines[64][512], path[256];
    snprintf(path, sizeof path, "%s/rfm.csv", dir);
    int n = read_lines(path, lines, 64);
    cr_assert_eq(n, 5, "rfm.csv: %d lines", n);
    cr_expect_str_eq(lines[0], "customer_id,frequency,recency_days,monetary,age_days,tier,status,total");
    /* gaps 10, 10, 10, 20: median 10, so active < 20, silent < 60, dormant < 120 */
    cr_expect_str_eq(lines[1], "a,4,56,10,86,second-time buyer,silent,40");
    cr_expect_str_eq(lines[2], "b,2,51,30,71,second-time buyer,silent,60");
    cr_expect_str_eq(lines[3], "\"c, Ltd\",1,50,500,50,one-time buyer,silent,500");
    cr_expect_str_eq(lines[4], "d,1,1,40,1,one-time buyer,active,40");

    snprintf(path, sizeof path, "%s/status.csv", dir);
    n = read_lines(path, lines, 64);
    cr_assert_eq(n, 5);
    cr_expect_str_eq(lines[1], "active,0,20,1,0.25");
    cr_expect_str_eq(lines[2], "silent,20,60,3,0.75");
    cr_expect_str_eq(lines[4], "lost,120,,0,0");

    snprintf(path, sizeof path, "%s/cohorts.csv", dir);
    n = read_lines(path, lines, 64);
    cr_assert_eq(n, 4, "cohorts.csv: %d lines", n);
    cr_expect_str_eq(lines[0], "first_purchase_month,0,1,2");
    /* January: a and b; both buy in February, nobody in March */
    cr_expect_str_eq(lines[1], "2024-01,1,1,0");
    cr_expect_str_eq(lines[2], "2024-02,1,0,NaN");
    cr_expect_str_eq(lines[3], "2024-03,1,NaN,NaN");

    snprintf(path, sizeof path, "%s/interpurchase.csv", dir);
    n = read_lines(path, lines, 64);
    cr_assert_eq(n, 54, "interpurchase.csv: %d lines", n);
    cr_expect_str_eq(lines[0], "bin_start_days,bin_end_days,count,share");
    cr_expect_str_eq(lines[1], "0,7,0,0");
    cr_expect_str_eq(lines[2], "7,14,3,0.75");
    cr_expect_str_eq(lines[3], "14,21,1,0.25");
    cr_expect_str_eq(lines[53], "364,365,0,0");

    /* window: 90th percentile of the gaps (20), within [7, span 86 / 2];
     * k = 1: a, b, c eligible (d bought 1 day ago); a and b again within 20
     * days.  k = 2 has only 2 eligible customers: not written */
    snprintf(path, sizeof path, "%s/stickiness.csv", dir);
    n = read_lines(path, lines, 64);
    cr_assert_eq(n, 2, "stickiness.csv: %d lines", n);
    cr_expect_str_eq(lines[0], "k,customers,eligible,bought_again,share,ci_low,ci_high,window_days");
    double share, lo, hi;
    int k, cust, elig, again, w;
    cr_assert_eq(sscanf(lines[1], "%d,%d,%d,%d,%lf,%lf,%lf,%d", &k, &cust, &elig, &again, &share,
                        &lo, &hi, &w), 8, "%s", lines[1]);
    cr_expect(k == 1 && cust == 4 && elig == 3 && again == 2 && w == 20, "%s", lines[1]);
    cr_expect_float_eq(share, 2.0 / 3, 1e-9);
    /* Wilson 95 % for 2 of 3: [0.2077, 0.9385] */
    cr_expect_float_eq(lo, 0.20765, 1e-4);
    cr_expect_float_eq(hi, 0.93849, 1e-4);

    cr_expect(file_exists(dir, "cohorts.gp") && file_exists(dir, "stickiness.gp"));
    cr_expect(!file_exists(dir, "rfm.csv.tmp") && !file_exists(dir, "cohorts.csv.tmp"));
    translog_free(t);
    remove_tmp_dir();
}

Test(translog, describe_refuses_an_as_of_day_before_every_purchase)
{
    translog *t = log_from(HDR "a,2024-01-05,10\n");
    char dir[128];
    snprintf(dir, sizeof dir, "%s/out", tmp_dir);
    diag d = { 0 };
    double top;
    cr_expect(describe_write(dir, t, day_of("2023-12-31"), &top, &d) == DIAG_USAGE);
    cr_expect(strstr(d.msg, "2023-12-31"), "%s", d.msg);
    cr_expect(access(dir, F_OK) != 0, "nothing should be written");
    translog_free(t);
    remove_tmp_dir();
}

/* ---- CDNOW against lifetimes ---- */

/* Reads ID,a,b,c[,e] rows of a published summary into v[id-1][0..ncol-1]. */
static int read_summary(const char *path, int ncol, double (*v)[4], int max)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    char line[256];
    int n = 0;
    cr_assert(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        int id;
        double a[4] = { 0 };
        int got = sscanf(line, "%d,%lf,%lf,%lf,%lf", &id, &a[0], &a[1], &a[2], &a[3]);
        if (got < 1 + ncol)
            continue;
        cr_assert(id >= 1 && id <= max, "%s: id %d", path, id);
        memcpy(v[id - 1], a, sizeof a);
        n++;
    }
    fclose(f);
    return n;
}

/* The whitespace-separated CDNOW file as the CSV a user would bring. */
static void cdnow_to_csv(const char *txt, const char *csv, int sample)
{
    FILE *in = fopen(txt, "r"), *out = fopen(csv, "w");
    cr_assert(in && out, "cannot convert %s", txt);
    fputs("customer,date,amount\n", out);
    char line[256];
    while (fgets(line, sizeof line, in)) {
        char id1[32], id2[32], date[32], x[32], y[32];
        if (sample) {
            if (sscanf(line, "%31s %31s %31s %31s %31s", id1, id2, date, x, y) == 5)
                fprintf(out, "%s,%s,%s\n", id2, date, y);
        } else if (sscanf(line, "%31s %31s %31s %31s", id1, date, x, y) == 4
                   && strcmp(id1, "customer_id") != 0) {
            fprintf(out, "%s,%s,%s\n", id1, date, y);
        }
    }
    fclose(in);
    fclose(out);
}

Test(translog, cdnow_sample_reproduces_lifetimes_summary)
{
    enum { N = 2357 };
    static double want[N][4], wantz[N][4];
    char path[1024];
    REQUIRE_SHARED("cdnow_customers_summary.csv", path);
    cr_assert_eq(read_summary(path, 3, want, N), N);
    REQUIRE_SHARED("cdnow_customers_summary_with_transactions.csv", path);
    cr_assert_eq(read_summary(path, 4, wantz, N), N);
    REQUIRE_SHARED("CDNOW_sample.txt", path);

    make_tmp_dir();
    char csv[128];
    snprintf(csv, sizeof csv, "%s/cdnow.csv", tmp_dir);
    cdnow_to_csv(path, csv, 1);
    translog_opts o = { NULL, NULL, NULL, NULL, 0.0 };
    diag d = { 0 };
    translog *t = translog_read(csv, &o, &d);
    remove_tmp_dir();
    cr_assert(t, "%s", d.msg);
    cr_expect_eq(t->rows, 6919);
    cr_expect_eq(t->bad_rows, 0);
    cr_assert_eq(t->ncust, N);
    cr_expect_str_eq(t->date_format, "%Y%m%d");

    cust_summary *s = calloc(N, sizeof *s);
    describe_summarise(t, day_of("1997-09-30"), 7, s);
    int wrong = 0;
    for (int i = 0; i < N && wrong < 10; i++) {
        int id = atoi(t->ids[i]);
        cr_assert(id == i + 1, "customers out of order: %s at %d", t->ids[i], i);
        const double *w = want[id - 1], *z = wantz[id - 1];
        /* published to 2 decimals: within half a cent, 10.875 against 10.88 included */
        const double tol = 0.005 + 1e-9;
        int bad = fabs(s[i].x - w[0]) > tol || fabs(s[i].t_x - w[1]) > tol
                  || fabs(s[i].T - w[2]) > tol || fabs(s[i].zbar - z[3]) > tol
                  || s[i].x != z[0];
        cr_expect(!bad, "customer %d: x %g t_x %.4f T %.4f zbar %.4f; lifetimes %g %.2f %.2f %.2f",
                  id, s[i].x, s[i].t_x, s[i].T, s[i].zbar, w[0], w[1], w[2], z[3]);
        wrong += bad;
    }
    cr_expect_eq(wrong, 0, "customers differing from lifetimes (first 10 shown)");
    free(s);
    translog_free(t);
}

Test(translog, cdnow_master_reads_and_describes, .timeout = 120)
{
    char path[1024], csv[128];
    REQUIRE_SHARED("CDNOW_master.txt", path);
    make_tmp_dir();
    snprintf(csv, sizeof csv, "%s/master.csv", tmp_dir);
    cdnow_to_csv(path, csv, 0);
    diag d = { 0 };
    translog *t = translog_read(csv, NULL, &d);
    cr_assert(t, "%s", d.msg);
    cr_expect_eq(t->rows, 69659);
    cr_expect_eq(t->bad_rows, 0);
    cr_expect_eq(t->ncust, 23570);
    cr_expect_eq(t->min_day, day_of("1997-01-01"));
    cr_expect_eq(t->max_day, day_of("1998-06-30"));
    char dir[128];
    snprintf(dir, sizeof dir, "%s/out", tmp_dir);
    double top = 0;
    cr_assert(describe_write(dir, t, t->max_day, &top, &d) == 0, "%s", d.msg);
    /* CDNOW is a Pareto business: the top fifth brings most of the revenue */
    cr_expect(top > 0.5 && top < 0.9, "top 20 %% share %.3f", top);
    cr_log_info("CDNOW master: %d customers, %d transactions (%ld same-day rows merged), "
                "top 20 %% share %.3f", t->ncust, t->ntx, t->merged_rows, top);
    translog_free(t);
    remove_tmp_dir();
}
