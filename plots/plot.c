/* plots/plot.c - CSV series -> gnuplot script -> picture.
 *
 * The same text is produced twice by emit_script(): once into NAME.gp for a
 * human to re-run later from inside outdir, once down a pipe to gnuplot for
 * the actual rendering.  The two differ only in their first line (a comment
 * versus a `cd` into outdir) and the output file name (final versus .tmp), so
 * a failure reported from the pipe can be reproduced by running NAME.gp.
 *
 * Empty data policy: a CSV with a header but no data rows is rejected with
 * PLOT_ERROR "no data rows in X.csv" before anything is written, because an
 * empty retention chart is almost always an upstream bug worth surfacing,
 * and gnuplot itself would fail on it with a less helpful message.
 */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Okabe-Ito: distinguishable for colour-blind readers and in greyscale print. */
static const char *const series_colours[] = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7",
    "#E69F00", "#56B4E9", "#000000", "#999999",
};
#define N_COLOURS ((int)(sizeof series_colours / sizeof series_colours[0]))

#define BAND_ALPHA "0.25"
#define HBARS_DOWN_COLOUR "#D55E00"
#define HBARS_UP_COLOUR "#0072B2"
#define HEAT_LOW_COLOUR "#FFFFFF"
#define HEAT_HIGH_COLOUR "#08306B"
#define HEAT_MISSING_COLOUR "#E0E0E0"
#define ERRBAR_STYLE "heads size screen 0.008,90 linewidth 2 lc rgb '#000000'"
#define HEAT_MAX_SVG_CELLS 10000L

typedef enum {
    TERM_PORTABLE, /* terminal unknown (no gnuplot here): let the script decide */
    TERM_PNGCAIRO,
    TERM_PNG,
    TERM_SVG
} term_choice;

/* The only mutable global: spawning gnuplot per plot just to ask what it can
   do would double the cost of every render. */
static struct {
    int checked;
    int available;
    int has_pngcairo, has_png, has_svg;
} gp_cache;

typedef struct csv_info {
    int nfields;      /* fields in the header row */
    int nrows;        /* data rows (non-blank, non-comment lines after the header) */
    char **header;    /* heat map only: all header fields */
    char **rowlabels; /* heat map and tornado: label field of each data row */
} csv_info;

typedef struct render_ctx {
    const plot_spec *spec;
    const csv_info *info; /* one per series */
    term_choice term;
    const char *key_pos[2]; /* lines and bars, per panel: corner for the key, NULL = outside the plot */
    size_t key_chars[2];    /* longest key text per panel */
    int *thin;              /* per series: 1 if its band is too thin to see (see PLOT_THIN_BAND) */
    int two_panels;
    int has_cbrange;        /* heat map: colour range fitted to the data (heat_scale_skip) */
    double cb_lo, cb_hi;
} render_ctx;

/* The canvas: taller with a lower panel so the upper one keeps its height. */
#define CANVAS_W 1000
#define CANVAS_H 600
#define CANVAS_H_TWO 820
/* Share of the two-panel canvas under the upper panel, and the plot heights
   (px, inside the margins) the key placement reckons with. */
#define LOWER_PANEL_SHARE 0.38
#define PLOT_H_ONE 480.0
#define PLOT_H_UPPER 400.0
#define PLOT_H_LOWER 220.0

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *path_of(const char *dir, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + 1 + strlen(name) + strlen(suffix) + 1;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s%s", dir, name, suffix);
    return p;
}

static char *concat(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s%s", a, b);
    return p;
}

/* A raw newline would end a gnuplot command mid-string, so control characters
   are refused rather than escaped. */
static int text_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

/* Paths go into shell and gnuplot single quotes, where a quote cannot be
   escaped portably in both languages at once. */
static int path_text_ok(const char *s)
{
    return text_ok(s) && !strchr(s, '\'');
}

/* ---------------------------------------------------------------- gnuplot check */

static int on_path(const char *prog)
{
    const char *p = getenv("PATH");
    char buf[4096];

    if (!p)
        p = "/usr/bin:/bin"; /* what sh falls back to when PATH is unset */
    for (;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        struct stat st;
        int ok = 0;

        if (len == 0) /* POSIX: an empty PATH entry means the current directory */
            ok = snprintf(buf, sizeof buf, "%s", prog) < (int)sizeof buf;
        else if (len + 1 + strlen(prog) < sizeof buf)
            ok = snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, prog) < (int)sizeof buf;
        if (ok && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 1;
        if (!end)
            return 0;
        p = end + 1;
    }
}

int plot_gnuplot_available(void)
{
    FILE *p;
    char line[8192];
    int st, pngcairo = 0, png = 0, svg = 0;

    if (gp_cache.checked)
        return gp_cache.available;
    gp_cache.checked = 1;
    /* Searching PATH ourselves first keeps the shell's "not found" message
       off the user's terminal. */
    if (!on_path("gnuplot"))
        return 0;
    /* GPVAL_TERMINALS is the same list `set terminal` shows, but on one line
       and without the interactive "Press return for more" pager. */
    p = popen("gnuplot -e 'print GPVAL_TERMINALS' 2>&1 </dev/null", "r");
    if (!p)
        return 0;
    while (fgets(line, sizeof line, p)) {
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
            if (!strcmp(t, "pngcairo"))
                pngcairo = 1;
            else if (!strcmp(t, "png"))
                png = 1;
            else if (!strcmp(t, "svg"))
                svg = 1;
        }
    }
    st = pclose(p);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 0;
    gp_cache.has_pngcairo = pngcairo;
    gp_cache.has_png = png;
    gp_cache.has_svg = svg;
    gp_cache.available = pngcairo || png || svg;
    return gp_cache.available;
}

/* ---------------------------------------------------------------- CSV reading */

static void free_strv(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void csv_info_free(csv_info *ci)
{
    free_strv(ci->header, ci->nfields);
    free_strv(ci->rowlabels, ci->nrows);
    memset(ci, 0, sizeof *ci);
}

static void chomp(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* Splits one CSV line, honouring double quotes the way gnuplot does, so that
   column numbers we validate are the column numbers gnuplot will see.  When
   out is NULL only counts.  Returns the field count, -1 on allocation failure. */
static int csv_split(const char *line, char ***out)
{
    int n = 0, cap = 0;
    char **v = NULL;
    const char *p = line;

    for (;;) {
        size_t len = strlen(p);
        char *f = out ? malloc(len + 1) : NULL;
        size_t k = 0;

        if (out && !f)
            goto fail;
        if (*p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    if (f)
                        f[k++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    if (f)
                        f[k++] = *p;
                    p++;
                }
            }
        }
        while (*p && *p != ',') {
            if (f)
                f[k++] = *p;
            p++;
        }
        if (out) {
            f[k] = '\0';
            if (n == cap) {
                int ncap = cap ? 2 * cap : 16;
                char **nv = realloc(v, (size_t)ncap * sizeof *nv);
                if (!nv) {
                    free(f);
                    goto fail;
                }
                v = nv;
                cap = ncap;
            }
            v[n] = f;
        }
        n++;
        if (*p != ',')
            break;
        p++;
    }
    if (out)
        *out = v;
    return n;
fail:
    free_strv(v, n);
    return -1;
}

static int is_data_line(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s != '\0' && *s != '#';
}

/* want_header keeps the header fields; labelcol (1-based, 0 = none) keeps
   that field of every data row. */
static int read_csv(const char *plot, const char *outdir, const char *csv, int want_header, int labelcol,
                    csv_info *ci, char *err, size_t errlen)
{
    char *path = path_of(outdir, csv, "");
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    int rc = -1, rowcap = 0;

    memset(ci, 0, sizeof *ci);
    if (!path) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    f = fopen(path, "r");
    if (!f) {
        set_err(err, errlen, "%s: cannot open %s: %s", plot, path, strerror(errno));
        free(path);
        return -1;
    }
    if (getline(&line, &cap, f) < 0) {
        set_err(err, errlen, "%s: %s is empty (a header row is required)", plot, csv);
        goto out;
    }
    chomp(line);
    ci->nfields = csv_split(line, want_header ? &ci->header : NULL);
    if (ci->nfields < 0) {
        ci->nfields = 0;
        set_err(err, errlen, "out of memory");
        goto out;
    }
    while (getline(&line, &cap, f) >= 0) {
        chomp(line);
        if (!is_data_line(line))
            continue;
        if (labelcol > 0) {
            char **fields = NULL;
            int nf = csv_split(line, &fields);
            if (nf < 0) {
                set_err(err, errlen, "out of memory");
                goto out;
            }
            if (ci->nrows == rowcap) {
                int ncap = rowcap ? 2 * rowcap : 64;
                char **nv = realloc(ci->rowlabels, (size_t)ncap * sizeof *nv);
                if (!nv) {
                    free_strv(fields, nf);
                    set_err(err, errlen, "out of memory");
                    goto out;
                }
                ci->rowlabels = nv;
                rowcap = ncap;
            }
            if (labelcol <= nf) {
                ci->rowlabels[ci->nrows] = fields[labelcol - 1];
                fields[labelcol - 1] = NULL;
            } else {
                ci->rowlabels[ci->nrows] = NULL; /* short row: unlabelled */
            }
            free_strv(fields, nf);
        }
        ci->nrows++;
    }
    if (ferror(f)) {
        set_err(err, errlen, "%s: error reading %s", plot, path);
        goto out;
    }
    if (ci->nrows == 0) {
        set_err(err, errlen, "%s: no data rows in %s", plot, csv);
        goto out;
    }
    rc = 0;
out:
    free(line);
    fclose(f);
    free(path);
    if (rc != 0)
        csv_info_free(ci);
    return rc;
}

static int check_col(const char *plot, const char *what, int col, const plot_series *s, const csv_info *ci,
                     char *err, size_t errlen)
{
    if (col > ci->nfields) {
        set_err(err, errlen, "%s: %s column %d of series '%s' is out of range: %s has %d column%s",
                plot, what, col, s->legend, s->csv, ci->nfields, ci->nfields == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- validation */

static int validate_spec(const char *outdir, const plot_spec *sp, char *err, size_t errlen)
{
    if (!outdir || !*outdir) {
        set_err(err, errlen, "output directory is empty");
        return -1;
    }
    if (!path_text_ok(outdir)) {
        set_err(err, errlen, "output directory '%s' contains a single quote or control character", outdir);
        return -1;
    }
    if (!sp) {
        set_err(err, errlen, "plot spec is NULL");
        return -1;
    }
    if (!text_ok(sp->name)) {
        set_err(err, errlen, "plot name is empty or contains a control character");
        return -1;
    }
    if (strchr(sp->name, '\'') || strchr(sp->name, '/') || !strcmp(sp->name, ".") || !strcmp(sp->name, "..")) {
        set_err(err, errlen, "plot name '%s' must be a plain file name without quotes or '/'", sp->name);
        return -1;
    }
    if ((int)sp->kind < PLOT_LINES_BANDS || (int)sp->kind > PLOT_BARS) {
        set_err(err, errlen, "%s: unknown plot kind %d", sp->name, (int)sp->kind);
        return -1;
    }
    if (sp->format != PLOT_PNG && sp->format != PLOT_SVG) {
        set_err(err, errlen, "%s: unknown plot format %d", sp->name, (int)sp->format);
        return -1;
    }
    if (!text_ok(sp->title) || !text_ok(sp->xlabel) || !text_ok(sp->ylabel)) {
        set_err(err, errlen, "%s: title, x label and y label are required (non-empty, single line)", sp->name);
        return -1;
    }
    if (sp->yformat && *sp->yformat && !text_ok(sp->yformat)) {
        set_err(err, errlen, "%s: y format contains a control character", sp->name);
        return -1;
    }
    if (sp->ylog != 0 && sp->ylog != 1) {
        set_err(err, errlen, "%s: ylog must be 0 or 1", sp->name);
        return -1;
    }
    if (sp->ylog && (sp->kind == PLOT_HBARS || sp->kind == PLOT_STACKED || sp->kind == PLOT_BARS)) {
        set_err(err, errlen, "%s: a log scale is not supported for %s plots", sp->name,
                sp->kind == PLOT_HBARS ? "tornado" : sp->kind == PLOT_STACKED ? "stacked" : "bar");
        return -1;
    }
    if (sp->thin_band_note && !text_ok(sp->thin_band_note)) {
        set_err(err, errlen, "%s: the thin band note is empty or has a control character", sp->name);
        return -1;
    }
    if (sp->lower_ylabel && (sp->kind != PLOT_LINES_BANDS || !text_ok(sp->lower_ylabel))) {
        set_err(err, errlen, "%s: a lower panel needs a lines plot and a non-empty single-line y label",
                sp->name);
        return -1;
    }
    if (sp->heat_scale_skip < 0) {
        set_err(err, errlen, "%s: heat_scale_skip must be 0 or more (got %d)", sp->name, sp->heat_scale_skip);
        return -1;
    }
    if (sp->ylog && isfinite(sp->ymin) && isfinite(sp->ymax) && sp->ymin < sp->ymax && sp->ymin <= 0) {
        set_err(err, errlen, "%s: log scale needs ymin > 0 (got %g)", sp->name, sp->ymin);
        return -1;
    }
    if (sp->nseries < 1 || !sp->series) {
        set_err(err, errlen, "%s: at least one series is required", sp->name);
        return -1;
    }
    if ((sp->kind == PLOT_HEATMAP || sp->kind == PLOT_HBARS) && sp->nseries != 1) {
        set_err(err, errlen, "%s: %s plots take exactly one series (got %d)", sp->name,
                sp->kind == PLOT_HEATMAP ? "heat map" : "tornado", sp->nseries);
        return -1;
    }
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        if (!text_ok(s->legend)) {
            set_err(err, errlen, "%s: series %d needs a non-empty single-line legend", sp->name, i + 1);
            return -1;
        }
        if (!path_text_ok(s->csv)) {
            set_err(err, errlen, "%s: series '%s' has an empty CSV name or one with a quote or control character",
                    sp->name, s->legend);
            return -1;
        }
        if (s->xcol < 1 || s->ycol < 1 || s->lowcol < 0 || s->highcol < 0) {
            set_err(err, errlen, "%s: series '%s' has a column number below 1 (columns are 1-based)",
                    sp->name, s->legend);
            return -1;
        }
        if (s->panel != 0 && (s->panel != 1 || !sp->lower_ylabel)) {
            set_err(err, errlen, "%s: series '%s' is in panel %d; panels are 0, and 1 when a lower y label is given",
                    sp->name, s->legend, s->panel);
            return -1;
        }
        if ((sp->kind == PLOT_LINES_BANDS || sp->kind == PLOT_BARS) && (s->lowcol == 0) != (s->highcol == 0)) {
            set_err(err, errlen, "%s: series '%s' gives only one of the band columns (low %d, high %d)",
                    sp->name, s->legend, s->lowcol, s->highcol);
            return -1;
        }
        if (sp->kind == PLOT_HBARS && (s->lowcol < 1 || s->highcol < 1)) {
            set_err(err, errlen, "%s: tornado series '%s' needs lowcol (down swing) and highcol (up swing)",
                    sp->name, s->legend);
            return -1;
        }
        if (sp->kind == PLOT_STACKED &&
            (strcmp(s->csv, sp->series[0].csv) != 0 || s->xcol != sp->series[0].xcol)) {
            set_err(err, errlen, "%s: stacked series must share one CSV and x column ('%s' differs from '%s')",
                    sp->name, s->legend, sp->series[0].legend);
            return -1;
        }
    }
    if (sp->lower_ylabel) {
        int lower = 0;
        for (int i = 0; i < sp->nseries; i++)
            lower += sp->series[i].panel == 1;
        if (lower == 0 || lower == sp->nseries) {
            set_err(err, errlen, "%s: with a lower panel each panel needs at least one series", sp->name);
            return -1;
        }
    }
    return 0;
}

/* Also validates column numbers against the real files, which is what turns a
   cryptic gnuplot "all points undefined" into a message naming the column. */
static int load_series_data(const char *outdir, const plot_spec *sp, csv_info *info,
                            char *err, size_t errlen)
{
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        csv_info *ci = &info[i];

        int labelcol = sp->kind == PLOT_HEATMAP                           ? 1
                       : sp->kind == PLOT_HBARS || sp->kind == PLOT_BARS ? s->xcol
                                                                          : 0;

        if (read_csv(sp->name, outdir, s->csv, sp->kind == PLOT_HEATMAP, labelcol, ci, err, errlen) != 0)
            return -1;
        if (sp->kind == PLOT_HEATMAP) {
            if (ci->nfields < 2) {
                set_err(err, errlen, "%s: heat map %s needs a label column and at least one value column",
                        sp->name, s->csv);
                return -1;
            }
            continue;
        }
        if (check_col(sp->name, "x", s->xcol, s, ci, err, errlen) ||
            check_col(sp->name, "y", s->ycol, s, ci, err, errlen) ||
            (s->lowcol && check_col(sp->name, "low", s->lowcol, s, ci, err, errlen)) ||
            (s->highcol && check_col(sp->name, "high", s->highcol, s, ci, err, errlen)))
            return -1;
        /* Side-by-side bars are read by position: row k of every CSV is bar k. */
        if (sp->kind == PLOT_BARS && i > 0 && ci->nrows != info[0].nrows) {
            set_err(err, errlen, "%s: bar series '%s' has %d rows but '%s' has %d", sp->name, s->legend,
                    ci->nrows, sp->series[0].legend, info[0].nrows);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- key placement */

static int range_given(const plot_spec *sp)
{
    return isfinite(sp->ymin) && isfinite(sp->ymax) && sp->ymin < sp->ymax;
}


typedef struct key_pt {
    double x, lo, hi; /* lo == hi for a line point; a band spans lo..hi */
    int series;       /* index into spec->series */
    int band;         /* 1: a band (or error bar) point */
} key_pt;

static int parse_num(const char *s, double *v)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return 0;
    *v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    return *end == '\0' && isfinite(*v);
}

static int push_pt(key_pt **v, size_t *n, size_t *cap, double x, double lo, double hi, int series, int band)
{
    if (*n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 1024;
        key_pt *nv = realloc(*v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = ncap;
    }
    (*v)[(*n)++] = (key_pt){x, lo < hi ? lo : hi, lo < hi ? hi : lo, series, band};
    return 0;
}

/* Every drawn point of the series of one panel, in axis units (log10 when
   ylog).  Bars are at x = row index and reach down to 0. */
static int collect_points(const char *outdir, const plot_spec *sp, int panel, key_pt **pts, size_t *npts)
{
    size_t cap = 0;
    int bars = sp->kind == PLOT_BARS;

    *pts = NULL;
    *npts = 0;
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        char *path;
        FILE *f;
        char *line = NULL;
        size_t lcap = 0;
        int first = 1, row = 0;

        if (s->panel != panel)
            continue;
        path = path_of(outdir, s->csv, "");
        f = path ? fopen(path, "r") : NULL;
        free(path);
        if (!f)
            return -1;
        while (getline(&line, &lcap, f) >= 0) {
            char **fl = NULL;
            int nf;
            double x, y, lo, hi;

            chomp(line);
            if (first || !is_data_line(line)) {
                first = 0;
                continue;
            }
            nf = csv_split(line, &fl);
            if (nf < 0) {
                free(line);
                fclose(f);
                return -1;
            }
            x = row++;
            if (s->xcol <= nf && s->ycol <= nf && (bars || parse_num(fl[s->xcol - 1], &x))) {
                int ok = 0;
                if (parse_num(fl[s->ycol - 1], &y) && (!sp->ylog || y > 0)) {
                    y = sp->ylog ? log10(y) : y;
                    ok = push_pt(pts, npts, &cap, x, bars ? fmin(0, y) : y, bars ? fmax(0, y) : y, i, 0) == 0;
                } else {
                    ok = 1;
                }
                if (ok && s->lowcol && s->lowcol <= nf && s->highcol <= nf &&
                    parse_num(fl[s->lowcol - 1], &lo) && parse_num(fl[s->highcol - 1], &hi)) {
                    if (sp->ylog) {
                        lo = lo > 0 ? log10(lo) : -HUGE_VAL;
                        hi = hi > 0 ? log10(hi) : -HUGE_VAL;
                    }
                    if (isfinite(lo) && isfinite(hi))
                        ok = push_pt(pts, npts, &cap, x, lo, hi, i, 1) == 0;
                }
                if (!ok) {
                    free_strv(fl, nf);
                    free(line);
                    fclose(f);
                    return -1;
                }
            }
            free_strv(fl, nf);
        }
        free(line);
        fclose(f);
    }
    return 0;
}

static const char *thin_note(const plot_spec *sp)
{
    return sp->thin_band_note ? sp->thin_band_note : "(95 % band narrower than the line)";
}

/* What the key says for series i: its legend, plus the note when its band
   cannot be seen.  Caller frees. */
static char *legend_text(const plot_spec *sp, const int *thin, int i)
{
    const char *note = thin && thin[i] ? thin_note(sp) : NULL;
    size_t n = strlen(sp->series[i].legend) + (note ? strlen(note) + 1 : 0) + 1;
    char *t = malloc(n);

    if (t)
        snprintf(t, n, "%s%s%s", sp->series[i].legend, note ? " " : "", note ? note : "");
    return t;
}

/* 1 when some series has a band and at least one band can be seen: only then
   does the grey "95 % CI" key entry explain something on the picture. */
static int band_entry_needed(const plot_spec *sp, const int *thin, int panel)
{
    for (int i = 0; i < sp->nseries; i++)
        if (sp->series[i].panel == panel && sp->series[i].lowcol && !thin[i])
            return 1;
    return 0;
}

/* Per panel: which bands are too thin to see (thin[i], decided from the data
   against the panel's y range), and where the key goes.
   A fixed top-right key hides the newest, most interesting part of every
   rising curve (cumulative profit, customer counts).  So: the first corner
   whose key-sized area holds no data, trying top right first, else outside
   (key_pos NULL).  The key's size is estimated from the 1000 px canvas width,
   plot_h px of plot height and an 11 pt font. */
static int lay_out_panel(const char *outdir, const plot_spec *sp, int panel, double plot_h, int *thin,
                         const char **key_pos, size_t *key_chars)
{
    static const struct { const char *name; int right, top; } corners[] = {
        {"top right", 1, 1}, {"top left", 0, 1}, {"bottom right", 1, 0}, {"bottom left", 0, 0},
    };
    key_pt *pts;
    size_t npts, maxlen = 8; /* "95 % CI" */
    int entries = 0;
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL, wf, hf, dy;
    const char *pos = NULL;

    *key_pos = "top right";
    *key_chars = maxlen;
    if (collect_points(outdir, sp, panel, &pts, &npts) != 0) {
        free(pts);
        return -1;
    }
    if (npts == 0) {
        free(pts);
        return 0;
    }
    for (size_t i = 0; i < npts; i++) {
        xmin = fmin(xmin, pts[i].x);
        xmax = fmax(xmax, pts[i].x);
        ymin = fmin(ymin, pts[i].lo);
        ymax = fmax(ymax, pts[i].hi);
    }
    if (panel == 0 && range_given(sp)) {
        ymin = sp->ylog ? log10(sp->ymin) : sp->ymin;
        ymax = sp->ylog ? log10(sp->ymax) : sp->ymax;
    }
    dy = ymax - ymin;
    for (int i = 0; i < sp->nseries; i++) {
        double widest = -1;
        if (sp->series[i].panel != panel)
            continue;
        for (size_t k = 0; k < npts; k++)
            if (pts[k].series == i && pts[k].band)
                widest = fmax(widest, pts[k].hi - pts[k].lo);
        /* widest < 0: no band drawn at all (no band columns, or all empty) */
        thin[i] = widest >= 0 && (dy > 0 ? widest <= PLOT_THIN_BAND * dy : widest == 0);
    }
    for (int i = 0; i < sp->nseries; i++) {
        char *t;
        if (sp->series[i].panel != panel)
            continue;
        entries++;
        t = legend_text(sp, thin, i);
        if (t && strlen(t) > maxlen)
            maxlen = strlen(t);
        free(t);
    }
    entries += band_entry_needed(sp, thin, panel);
    /* ~870 px of plot width; 7 px per character plus the line sample;
       18 px per entry; 4 % slack so a curve does not graze the box. */
    wf = fmin(1.0, (7.0 * (double)maxlen + 75.0) / 870.0 + 0.04);
    hf = fmin(1.0, (18.0 * entries + 14.0) / plot_h + 0.04);
    for (size_t c = 0; c < sizeof corners / sizeof corners[0] && !pos; c++) {
        double dx = xmax - xmin;
        double x0 = corners[c].right ? xmax - wf * dx : xmin, x1 = x0 + wf * dx;
        double y0 = corners[c].top ? ymax - hf * dy : ymin, y1 = y0 + hf * dy;
        int crowded = 0;

        for (size_t i = 0; i < npts && !crowded; i++)
            crowded = pts[i].x >= x0 && pts[i].x <= x1 && pts[i].hi >= y0 && pts[i].lo <= y1;
        if (!crowded)
            pos = corners[c].name;
    }
    free(pts);
    *key_pos = pos;
    *key_chars = maxlen;
    return 0;
}

/* Heat map with heat_scale_skip: the colour range over the value columns
   after the skipped ones, from 0 (or the least value when one is negative;
   the least positive one on a log scale) to the largest, rounded up to a
   half-decade step (0.106 -> 0.15) so the colour box ends on a round tic.
   Returns 1 with lo < hi, 0 when those columns hold no usable numbers. */
static int heat_scale_range(const char *outdir, const plot_spec *sp, double *lo, double *hi)
{
    char *path = path_of(outdir, sp->series[0].csv, "");
    FILE *f = path ? fopen(path, "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    int first = 1;
    double mn = HUGE_VAL, mx = -HUGE_VAL;

    free(path);
    if (!f)
        return 0;
    while (getline(&line, &cap, f) >= 0) {
        char **fl = NULL;
        int nf;
        chomp(line);
        if (first || !is_data_line(line)) {
            first = 0;
            continue;
        }
        nf = csv_split(line, &fl);
        for (int k = 1 + sp->heat_scale_skip; k < nf; k++) {
            double v;
            if (parse_num(fl[k], &v) && (!sp->ylog || v > 0)) {
                mn = fmin(mn, v);
                mx = fmax(mx, v);
            }
        }
        free_strv(fl, nf > 0 ? nf : 0);
    }
    free(line);
    fclose(f);
    if (!(mx > -HUGE_VAL))
        return 0;
    if (sp->ylog) {
        *lo = mn;
        *hi = mx;
    } else {
        double step = mx > 0 ? pow(10, floor(log10(mx))) / 2 : 0;
        *lo = fmin(0, mn);
        *hi = step > 0 ? ceil(mx / step - 1e-9) * step : mx;
    }
    return *lo < *hi;
}

/* ---------------------------------------------------------------- script emission */

/* gnuplot single-quoted strings take no backslash escapes; a quote is doubled. */
static void emit_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static int needs_literal(const char *s)
{
    /* gnuplot 5.4's svg terminal writes '&' in enhanced text unescaped,
       producing invalid XML; only its noenhanced path escapes it. */
    return strchr(s, '&') != NULL;
}

/* Enhanced-text escapes rather than `noenhanced` wherever possible: gnuplot
   sizes margins and the key by parsing text as enhanced even when it is
   flagged noenhanced, so "2024_W01" would be measured as if '_' began a
   subscript and tic labels end up under the axis label. */
static void emit_escaped(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        else if (strchr("^_@&~{}\\", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* User text, drawn literally: '_' in "churn_rate" must not become a subscript. */
static void emit_text(FILE *f, const char *s)
{
    if (needs_literal(s)) {
        emit_quoted(f, s);
        fputs(" noenhanced", f);
    } else {
        emit_escaped(f, s);
    }
}

static void emit_terminal(FILE *f, term_choice t, int height)
{
    char common[64];

    snprintf(common, sizeof common, "size %d,%d enhanced font 'Sans,11'", CANVAS_W, height);

    switch (t) {
    case TERM_SVG:
        /* An explicit background keeps the chart legible in dark-mode viewers. */
        fprintf(f, "set terminal svg %s dynamic background rgb 'white'\n", common);
        break;
    case TERM_PNGCAIRO:
        fprintf(f, "set terminal pngcairo %s\n", common);
        break;
    case TERM_PNG:
        /* libgd needs truecolor for the transparent confidence bands. */
        fprintf(f, "set terminal png %s truecolor\n", common);
        break;
    case TERM_PORTABLE:
        /* Written where no gnuplot could be asked, so the script picks the
           better PNG terminal wherever it is eventually run. */
        fprintf(f,
                "if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {\n"
                "    set terminal pngcairo %s\n"
                "} else {\n"
                "    set terminal png %s truecolor\n"
                "}\n",
                common, common);
        break;
    }
}

/* A caller's setlocale(LC_NUMERIC, ...) must not turn 0.5 into "0,5",
   which gnuplot would read as two arguments. */
static void fmt_number(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
}

/* Value-axis settings go to whichever axis carries the values for this kind. */
static void emit_value_axis(FILE *f, const plot_spec *sp, const char *axis)
{
    if (sp->ylog)
        fprintf(f, "set logscale %s\n", axis);
    if (sp->yformat && *sp->yformat) {
        fprintf(f, "set format %s ", axis);
        emit_quoted(f, sp->yformat);
        fputc('\n', f);
    }
    if (range_given(sp)) {
        char lo[64], hi[64];
        fmt_number(lo, sizeof lo, sp->ymin);
        fmt_number(hi, sizeof hi, sp->ymax);
        fprintf(f, "set %srange [%s:%s]\n", axis, lo, hi);
    }
}

static const char *colour_of(int i)
{
    return series_colours[i % N_COLOURS];
}

/* Legend of series i, with the thin-band note when its band cannot be seen. */
static void emit_legend(FILE *f, const plot_spec *sp, const int *thin, int i)
{
    char *t = legend_text(sp, thin, i);

    emit_text(f, t ? t : sp->series[i].legend);
    free(t);
}

/* rmargin > 0: fixed right margin (character widths) for a two-panel plot. */
static void emit_lines_bands(FILE *f, const plot_spec *sp, const char *key_pos, const int *thin, int panel,
                             int rmargin)
{
    const char *sep = "plot ";

    if (rmargin > 0) {
        /* Two panels: the same right margin in both keeps their x axes
           aligned, so a key with no free corner goes above its panel, in one
           row, rather than into a margin only one panel would have. */
        fprintf(f, "set key %s opaque box%s\n", key_pos ? key_pos : "above", key_pos ? "" : " horizontal");
        fprintf(f, "set rmargin %d\n", rmargin);
    } else if (key_pos) {
        fprintf(f, "set key %s opaque box\n", key_pos);
        fprintf(f, "set rmargin 5\n"); /* room for the last x tic label, see emit_hbars */
    } else {
        /* gnuplot sizes the right margin for an outside key itself. */
        fprintf(f, "set key outside right top box\n");
    }
    fprintf(f, "set autoscale xfix\n");
    if (panel == 0) {
        emit_value_axis(f, sp, "y");
    } else {
        plot_spec lower = *sp; /* ymin/ymax belong to the upper panel */
        lower.ymin = lower.ymax = 0;
        emit_value_axis(f, &lower, "y");
    }
    /* Bands first so every line is drawn on top of every band.  A thin band
       is still drawn: it is the truth, just narrow. */
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        if (!s->lowcol || s->panel != panel)
            continue;
        fputs(sep, f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using %d:%d:%d with filledcurves fillstyle transparent solid " BAND_ALPHA
                   " noborder lc rgb '%s' notitle",
                s->xcol, s->lowcol, s->highcol, colour_of(i));
        sep = ", \\\n     ";
    }
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        if (s->panel != panel)
            continue;
        fputs(sep, f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using %d:%d with lines linewidth 2 lc rgb '%s' title ", s->xcol, s->ycol,
                colour_of(i));
        emit_legend(f, sp, thin, i);
        sep = ", \\\n     ";
    }
    /* One neutral key entry explains all bands; per-band entries would
       double the legend and tie the meaning to one series' colour.  When no
       band can be seen the series' own notes say so and the entry would
       explain nothing on the picture. */
    if (band_entry_needed(sp, thin, panel)) {
        fprintf(f, "%skeyentry with filledcurves fillstyle transparent solid " BAND_ALPHA
                   " noborder lc rgb '#808080' title ",
                sep);
        emit_text(f, sp->band_legend ? sp->band_legend : "95 % CI");
    }
    fputc('\n', f);
}

static void emit_stacked(FILE *f, const plot_spec *sp)
{
    const char *sep = "plot ";

    /* Outside, because stacked areas usually fill the whole plot; inverted so
       the key lists layers in the order they appear, top layer first. */
    fprintf(f, "set key outside right top box invert\n");
    fprintf(f, "set autoscale xfix\n");
    emit_value_axis(f, sp, "y");
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        fputs(sep, f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using %d:(", s->xcol);
        for (int j = 0; j <= i; j++)
            fprintf(f, "%scolumn(%d)", j ? "+" : "", sp->series[j].ycol);
        fputs("):(", f);
        if (i == 0)
            fputc('0', f);
        for (int j = 0; j < i; j++)
            fprintf(f, "%scolumn(%d)", j ? "+" : "", sp->series[j].ycol);
        fprintf(f, ") with filledcurves fillstyle solid 0.85 noborder lc rgb '%s' title ", colour_of(i));
        emit_text(f, s->legend);
        sep = ", \\\n     ";
    }
    fputc('\n', f);
}

static size_t max_label_len(char **labels, int from, int n)
{
    size_t m = 1;

    for (int i = from; i < n; i++)
        if (labels[i] && strlen(labels[i]) > m)
            m = strlen(labels[i]);
    return m;
}

/* 1, 2, 5, 10, 20, 50, ...: label every 10th week, not every 9th. */
static int nice_step(int step)
{
    int base = 1;

    if (step <= 1)
        return 1;
    for (;;) {
        if (step <= base)
            return base;
        if (step <= 2 * base)
            return 2 * base;
        if (step <= 5 * base)
            return 5 * base;
        if (base > 100000000)
            return step;
        base *= 10;
    }
}

/* Explicit tic lists from the labels we read: gnuplot's own matrix header
   tics label every column, which turns a year of daily ages into an
   unreadable smear, and explicit lists can be escaped (see emit_escaped).
   maxlabels 0 = label every row. */
static void emit_tics(FILE *f, const char *axis, const char *opts, char **labels, int from, int n,
                      int maxlabels)
{
    int count = n - from;
    int step = maxlabels > 0 ? nice_step((count + maxlabels - 1) / maxlabels) : 1;
    int literal = 0;
    const char *sep = "";

    for (int i = from; i < n; i++)
        if (labels[i] && needs_literal(labels[i]))
            literal = 1;
    /* noenhanced is per axis, so one '&' makes the whole list literal. */
    fprintf(f, "set %stics %s%s (", axis, opts, literal ? " noenhanced" : "");
    for (int i = from; i < n; i += step) {
        const char *lab = labels[i] ? labels[i] : "";
        /* a tic label is a format for its position: "+10 %" must be "+10 %%" */
        char fmt[1024];
        size_t k = 0;
        for (const char *c = lab; *c && k + 2 < sizeof fmt; c++) {
            if (*c == '%')
                fmt[k++] = '%';
            fmt[k++] = *c;
        }
        fmt[k] = '\0';
        fputs(sep, f);
        if (literal)
            emit_quoted(f, fmt);
        else
            emit_escaped(f, fmt);
        fprintf(f, " %d", i - from);
        sep = ", ";
    }
    fputs(")\n", f);
}

static void emit_heatmap(FILE *f, const plot_spec *sp, const render_ctx *c)
{
    const csv_info *ci = &c->info[0];
    const plot_series *s = &sp->series[0];
    int ncols = ci->nfields - 1;
    /* Roughly 7 px per character at 11 pt plus a gap, across ~800 px of plot. */
    int maxx = (int)(800 / (7 * max_label_len(ci->header, 1, ci->nfields) + 16));
    int maxy = 24; /* ~22 px per row label over ~530 px of plot height */

    if (maxx < 2)
        maxx = 2;
    fprintf(f, "unset key\n");
    fprintf(f, "set palette defined (0 '" HEAT_LOW_COLOUR "', 1 '" HEAT_HIGH_COLOUR "')\n");
    fprintf(f, "set cblabel ");
    emit_text(f, s->legend);
    fputc('\n', f);
    emit_value_axis(f, sp, "cb");
    if (c->has_cbrange) {
        /* gnuplot draws cells beyond cbrange in the end colour (saturated). */
        char lo[64], hi[64];
        fmt_number(lo, sizeof lo, c->cb_lo);
        fmt_number(hi, sizeof hi, c->cb_hi);
        fprintf(f, "set cbrange [%s:%s]\n", lo, hi);
    }
    /* First data row on top, like the table it came from. */
    fprintf(f, "set xrange [-0.5:%d.5]\n", ncols - 1);
    fprintf(f, "set yrange [%d.5:-0.5]\n", ci->nrows - 1);
    emit_tics(f, "x", "out nomirror", ci->header, 1, ci->nfields, maxx);
    emit_tics(f, "y", "out nomirror", ci->rowlabels, 0, ci->nrows, maxy);
    /* NaN cells are not drawn; a grey backdrop keeps "no data" (e.g. cohorts
       too young for that age) distinct from the white of the lowest value. */
    fprintf(f, "set object 1 rectangle from graph 0,0 to graph 1,1 behind "
               "fillcolor rgb '" HEAT_MISSING_COLOUR "' fillstyle solid noborder\n");
    fputs("plot ", f);
    emit_quoted(f, s->csv);
    /* every ::1:1 skips the label column and header row; indices are shifted
       so cell (0,0) is the first value, matching the tic positions above.
       SVG embeds `image` as a bitmap that browsers blur when scaling, so small
       matrices are drawn as one rectangle per cell there; in PNG that same
       mode leaves anti-aliasing seams, and huge matrices would bloat the SVG. */
    fprintf(f, " matrix every ::1:1 using ($1-1):($2-1):3 with image%s notitle\n",
            sp->format == PLOT_SVG && (long)ncols * ci->nrows <= HEAT_MAX_SVG_CELLS ? " pixels" : "");
}

static void emit_hbars(FILE *f, const plot_spec *sp, const csv_info *ci)
{
    const plot_series *s = &sp->series[0];

    /* Below the plot: the top rows hold the largest bars and the bottom rows
       may be wide too when there are only a few parameters.  gnuplot 5.4
       does not reserve room for a boxed key under the x label, hence the
       margin (in character heights, so it follows the font size). */
    fprintf(f, "set key below center horizontal box\n");
    fprintf(f, "set bmargin 6\n");
    /* gnuplot 5.4 leaves no room for a tic label centred on the right edge
       ("+3000 EUR" gets clipped when the range is given explicitly). */
    fprintf(f, "set rmargin 7\n");
    fprintf(f, "set grid xtics\n");
    fprintf(f, "set yzeroaxis linetype -1 linewidth 1.5\n");
    emit_tics(f, "y", "nomirror", ci->rowlabels, 0, ci->nrows, 0);
    fprintf(f, "set style fill solid 0.85 noborder\n");
    if (!range_given(sp)) {
        /* Symmetric range so the baseline sits in the middle; computed by
           gnuplot so the script stays right if the CSV is regenerated.
           Done before any range is set because stats honours ranges. */
        fputs("stats ", f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using (abs(column(%d))) name 'DOWN' nooutput\n", s->lowcol);
        fputs("stats ", f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using (abs(column(%d))) name 'UP' nooutput\n", s->highcol);
        fputs("swing = (DOWN_max > UP_max) ? DOWN_max : UP_max\n"
              "if (swing <= 0) { swing = 1 }\n"
              "set xrange [-1.1*swing:1.1*swing]\n",
              f);
    }
    emit_value_axis(f, sp, "x");
    fprintf(f, "set yrange [%d.5:-0.5]\n", ci->nrows - 1);
    /* Each row gets two half-height bars (down above, up below) so a swing
       is never hidden when both go the same way. */
    fputs("plot ", f);
    emit_quoted(f, s->csv);
    fprintf(f, " skip 1 using (0):0:(0):%d:($0-0.4):($0-0.02) with boxxyerror lc rgb '"
               HBARS_DOWN_COLOUR "' title 'parameter down', \\\n     ",
            s->lowcol);
    emit_quoted(f, s->csv);
    fprintf(f, " skip 1 using (0):0:(0):%d:($0+0.02):($0+0.4) with boxxyerror lc rgb '"
               HBARS_UP_COLOUR "' title 'parameter up'\n",
            s->highcol);
}

/* Side by side when there are several series (data against model): each
   row's group is 0.8 wide, centred on the row's tic. */
static void emit_bars(FILE *f, const plot_spec *sp, const render_ctx *c)
{
    const csv_info *ci = &c->info[0];
    double width = 0.8 / sp->nseries;
    int any_bar = 0;
    const char *sep = "plot ";

    /* height 1: gnuplot 5.4 sizes the box without the error bar's heads */
    if (c->key_pos[0])
        fprintf(f, "set key %s opaque box height 1\n", c->key_pos[0]);
    else
        fprintf(f, "set key outside right top box height 1\n");
    fprintf(f, "set style fill solid 0.85 noborder\n");
    fprintf(f, "set boxwidth %.6g absolute\n", width);
    fprintf(f, "set offsets 0,0,graph 0.06,0\n"); /* headroom for the labels over the bars */
    fprintf(f, "set xrange [-0.6:%d.6]\n", ci->nrows - 1);
    emit_tics(f, "x", "nomirror", ci->rowlabels, 0, ci->nrows, 0);
    emit_value_axis(f, sp, "y");
    if (!range_given(sp))
        fputs("set yrange [0:*]\n", f); /* counts: bars rise from zero */
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        char off[64];
        fmt_number(off, sizeof off, (i - (sp->nseries - 1) / 2.0) * width);
        fputs(sep, f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using ($0+%s):%d with boxes lc rgb '%s' title ", off, s->ycol, colour_of(i));
        emit_legend(f, sp, c->thin, i);
        sep = ", \\\n     ";
    }
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        char off[64];
        if (!s->lowcol)
            continue;
        any_bar |= !c->thin[i];
        fmt_number(off, sizeof off, (i - (sp->nseries - 1) / 2.0) * width);
        fputs(sep, f);
        emit_quoted(f, s->csv);
        /* vectors, not yerrorbars: gnuplot 5.4 punches a white hole around
           an error bar's point even at pointsize 0 */
        fprintf(f, " skip 1 using ($0+%s):%d:(0):(column(%d)-column(%d)) with vectors " ERRBAR_STYLE " notitle",
                off, s->lowcol, s->highcol, s->lowcol);
    }
    /* The value over each bar: a manager reads "1505", not a bar height. */
    for (int i = 0; i < sp->nseries; i++) {
        const plot_series *s = &sp->series[i];
        char off[64];
        fmt_number(off, sizeof off, (i - (sp->nseries - 1) / 2.0) * width);
        fputs(sep, f);
        emit_quoted(f, s->csv);
        fprintf(f, " skip 1 using ($0+%s):%d:(sprintf('%%.0f', column(%d))) with labels offset 0,0.8 "
                   "font ',9' notitle", off, s->highcol ? s->highcol : s->ycol, s->ycol);
    }
    if (any_bar) {
        fprintf(f, "%skeyentry with vectors " ERRBAR_STYLE " title ", sep);
        emit_text(f, sp->band_legend ? sp->band_legend : "95 % CI");
    }
    fputc('\n', f);
}

/* Stocks above, flows below (or any two measures of one x): two plots on one
   canvas, the x axes aligned by equal left and right margins. */
static void emit_two_panels(FILE *f, const plot_spec *sp, const render_ctx *c)
{
    int rmargin = 5; /* room for the last x tic label, see emit_hbars */

    fputs("set multiplot title ", f);
    emit_text(f, sp->title);
    fputc('\n', f);
    fputs("set lmargin 12\n", f);
    fprintf(f, "set origin 0,%.4g\nset size 1,%.4g\n", LOWER_PANEL_SHARE, 0.96 - LOWER_PANEL_SHARE);
    fputs("unset xlabel\nset ylabel ", f);
    emit_text(f, sp->ylabel);
    fputs("\nset grid\n", f);
    emit_lines_bands(f, sp, c->key_pos[0], c->thin, 0, rmargin);
    fprintf(f, "set origin 0,0\nset size 1,%.4g\n", LOWER_PANEL_SHARE);
    fputs("set autoscale y\nset xlabel ", f);
    emit_text(f, sp->xlabel);
    fputs("\nset ylabel ", f);
    emit_text(f, sp->lower_ylabel);
    fputc('\n', f);
    emit_lines_bands(f, sp, c->key_pos[1], c->thin, 1, rmargin);
    fputs("unset multiplot\n", f);
}

/* cd_dir NULL: the file a user re-runs from inside outdir (first line a
   comment).  Otherwise: the pipe text, whose first line moves gnuplot into
   outdir so the relative CSV names resolve.  Keeping everything else
   identical means what failed in the pipe fails the same way in NAME.gp. */
static void emit_script(FILE *f, const render_ctx *c, const char *output, const char *cd_dir)
{
    const plot_spec *sp = c->spec;

    if (cd_dir) {
        fputs("cd ", f);
        emit_quoted(f, cd_dir);
        fputc('\n', f);
    } else {
        fprintf(f, "# generated by retsim plots/plot.c; from this directory run: gnuplot %s.gp\n", sp->name);
    }
    fputs("set encoding utf8\n", f);
    emit_terminal(f, c->term, c->two_panels ? CANVAS_H_TWO : CANVAS_H);
    fputs("set output ", f);
    emit_quoted(f, output);
    fputc('\n', f);
    fputs("set datafile separator ','\n", f);
    if (c->two_panels) {
        emit_two_panels(f, sp, c);
        fputs("set output\n", f);
        return;
    }
    fputs("set title ", f);
    emit_text(f, sp->title);
    fputs("\nset xlabel ", f);
    emit_text(f, sp->xlabel);
    fputs("\nset ylabel ", f);
    emit_text(f, sp->ylabel);
    fputc('\n', f);
    if (sp->kind == PLOT_BARS) /* bars: horizontal grid lines only */
        fputs("set grid ytics\n", f);
    else if (sp->kind != PLOT_HBARS) /* tornado: vertical grid lines only */
        fputs("set grid\n", f);
    switch (sp->kind) {
    case PLOT_LINES_BANDS:
        emit_lines_bands(f, sp, c->key_pos[0], c->thin, 0, 0);
        break;
    case PLOT_HEATMAP:
        emit_heatmap(f, sp, c);
        break;
    case PLOT_BARS:
        emit_bars(f, sp, c);
        break;
    case PLOT_HBARS:
        emit_hbars(f, sp, &c->info[0]);
        break;
    case PLOT_STACKED:
        emit_stacked(f, sp);
        break;
    }
    /* Closing the output flushes it before gnuplot exits. */
    fputs("set output\n", f);
}

/* ---------------------------------------------------------------- files and the pipe */

static int write_script(const char *outdir, const render_ctx *c, const char *image,
                        char *err, size_t errlen)
{
    char *final = path_of(outdir, c->spec->name, ".gp");
    char *tmp = path_of(outdir, c->spec->name, ".gp.tmp");
    FILE *f;
    int rc = -1;

    if (!final || !tmp) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    f = fopen(tmp, "w");
    if (!f) {
        set_err(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    emit_script(f, c, image, NULL);
    if (ferror(f) | (fclose(f) != 0)) {
        set_err(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, final) != 0) {
        set_err(err, errlen, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(final);
    free(tmp);
    return rc;
}

/* The first lines of the log are often gnuplot echoing the failing command
   ("gnuplot> plot ..." and a caret); the line that says what went wrong is
   the first non-warning one starting "line N:" (or "\"file\" line N:").
   N is always 0 when reading a pipe, so the prefix is dropped as noise. */
static void log_reason(const char *logpath, char *buf, size_t buflen)
{
    FILE *f = fopen(logpath, "r");
    char *line = NULL;
    size_t cap = 0;
    char first[512] = "", warn[512] = "", msg[512] = "";

    snprintf(buf, buflen, "(no message from gnuplot)");
    if (!f)
        return;
    while (getline(&line, &cap, f) >= 0) {
        char *p = line, *ln;
        chomp(line);
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '^' || !strncmp(p, "gnuplot>", 8))
            continue;
        if (!first[0])
            snprintf(first, sizeof first, "%s", p);
        ln = !strncmp(p, "line ", 5) ? p : *p == '"' ? strstr(p, "\" line ") : NULL;
        if (ln && *ln == '"')
            ln += 2;
        if (ln && strchr(ln, ':')) {
            char *colon = strchr(ln, ':');
            if (strspn(ln + 5, "0123456789") == (size_t)(colon - ln - 5))
                for (ln = colon + 1; *ln == ' '; ln++)
                    ;
            if (strstr(ln, "warning:")) {
                if (!warn[0])
                    snprintf(warn, sizeof warn, "%s", ln);
            } else {
                snprintf(msg, sizeof msg, "%s", ln);
                break;
            }
        }
    }
    free(line);
    fclose(f);
    if (msg[0])
        snprintf(buf, buflen, "%s", msg);
    else if (warn[0])
        snprintf(buf, buflen, "%s", warn);
    else if (first[0])
        snprintf(buf, buflen, "%s", first);
}

/* ---------------------------------------------------------------- drawing in the background */

/* With plot_set_background(jobs > 0) plot_render starts gnuplot and returns
   at once: the script goes down the pipe (a few kB, well under a pipe's
   buffer, so the write does not wait for gnuplot) and the process is kept
   here until plot_wait, which judges and renames its picture exactly as the
   synchronous path does.  At most jobs run at once: one more waits for the
   oldest.  Waiting in start order keeps the first error reported the same
   whatever the timing. */
typedef struct pending_plot {
    pid_t pid;
    char *image, *tmppath, *imgpath, *logpath, *name;
} pending_plot;

static pending_plot *pending;
static int npending, cap_pending, bg_jobs;

int plot_set_background(int jobs)
{
    int old = bg_jobs;
    bg_jobs = jobs > 0 ? jobs : 0;
    return old;
}

int plot_pending(void)
{
    return npending;
}

/* What gnuplot's exit status means for NAME's picture: renames the
   temporary image into place on success (see plot_render). */
static plot_status judge_gnuplot(int status, const char *name, const char *image, const char *tmppath,
                                 const char *imgpath, const char *logpath, char *err, size_t errlen)
{
    struct stat st;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        /* The shell could not find gnuplot after all (PATH changed since the check). */
        unlink(tmppath);
        unlink(logpath);
        return PLOT_NO_GNUPLOT;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char reason[512];
        log_reason(logpath, reason, sizeof reason);
        if (WIFEXITED(status))
            set_err(err, errlen, "gnuplot exited with status %d while drawing %s: %s (script %s.gp, log %s)",
                    WEXITSTATUS(status), image, reason, name, logpath);
        else
            set_err(err, errlen, "gnuplot was killed by signal %d while drawing %s (log %s)",
                    WIFSIGNALED(status) ? WTERMSIG(status) : -1, image, logpath);
        unlink(tmppath);
        return PLOT_ERROR;
    }
    if (stat(tmppath, &st) != 0 || st.st_size == 0) {
        set_err(err, errlen, "gnuplot exited normally but wrote no %s (log %s)", image, logpath);
        unlink(tmppath);
        return PLOT_ERROR;
    }
    if (rename(tmppath, imgpath) != 0) {
        set_err(err, errlen, "cannot rename %s to %s: %s", tmppath, imgpath, strerror(errno));
        unlink(tmppath);
        return PLOT_ERROR;
    }
    unlink(logpath);
    return PLOT_OK;
}

static void pending_free(pending_plot *q)
{
    free(q->image);
    free(q->tmppath);
    free(q->imgpath);
    free(q->logpath);
    free(q->name);
}

/* Waits for the oldest background gnuplot and judges its picture; its
   name into failed (when not NULL) if it failed. */
static plot_status wait_oldest(char *err, size_t errlen, char *failed, size_t failedlen)
{
    pending_plot q = pending[0];
    int status = 0;
    plot_status rc;
    if (failed && failedlen)
        snprintf(failed, failedlen, "%s", q.name);
    memmove(pending, pending + 1, (size_t)(npending - 1) * sizeof *pending);
    npending--;
    while (waitpid(q.pid, &status, 0) < 0) {
        if (errno == EINTR)
            continue;
        set_err(err, errlen, "cannot wait for gnuplot while drawing %s: %s", q.image, strerror(errno));
        unlink(q.tmppath);
        pending_free(&q);
        return PLOT_ERROR;
    }
    rc = judge_gnuplot(status, q.name, q.image, q.tmppath, q.imgpath, q.logpath, err, errlen);
    pending_free(&q);
    return rc;
}

plot_status plot_wait(char *err, size_t errlen, char *failed, size_t failedlen)
{
    plot_status rc = PLOT_OK;
    char one[1024], name[256];
    if (err && errlen)
        err[0] = '\0';
    if (failed && failedlen)
        failed[0] = '\0';
    while (npending > 0) {
        plot_status st = wait_oldest(one, sizeof one, name, sizeof name);
        if (st == PLOT_ERROR && rc != PLOT_ERROR) {
            rc = PLOT_ERROR;
            set_err(err, errlen, "%s", one);
            if (failed && failedlen)
                snprintf(failed, failedlen, "%s", name);
        } else if (st == PLOT_NO_GNUPLOT && rc == PLOT_OK) {
            rc = PLOT_NO_GNUPLOT;
        }
    }
    return rc;
}

void plot_discard(void)
{
    for (int i = 0; i < npending; i++)
        kill(pending[i].pid, SIGTERM);
    while (npending > 0) {
        pending_plot q = pending[--npending];
        while (waitpid(q.pid, NULL, 0) < 0 && errno == EINTR)
            ;
        unlink(q.tmppath);
        pending_free(&q);
    }
}

/* Starts gnuplot reading its script from a pipe, without waiting for it:
   the same shell command as the synchronous path's popen. */
static plot_status start_gnuplot(const char *outdir, const render_ctx *c, const char *cmd,
                                 const char *tmpimg, char *err, size_t errlen, pid_t *pid)
{
    int fds[2];
    struct sigaction ign, old;
    FILE *p;
    if (pipe(fds) != 0) {
        set_err(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        return PLOT_ERROR;
    }
    fflush(NULL); /* nothing buffered is written twice by the child */
    *pid = fork();
    if (*pid < 0) {
        set_err(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return PLOT_ERROR;
    }
    if (*pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    p = fdopen(fds[1], "w");
    if (p) {
        emit_script(p, c, tmpimg, outdir);
        fclose(p);
    } else {
        close(fds[1]);
    }
    sigaction(SIGPIPE, &old, NULL);
    return PLOT_OK;
}

static plot_status run_gnuplot(const char *outdir, const render_ctx *c, const char *image,
                               char *err, size_t errlen)
{
    const char *name = c->spec->name;
    char *tmpimg = concat(image, ".tmp");
    char *tmppath = tmpimg ? path_of(outdir, tmpimg, "") : NULL;
    char *imgpath = path_of(outdir, image, "");
    char *logpath = path_of(outdir, name, ".gp.log");
    char *cmd = NULL;
    struct sigaction ign, old;
    FILE *p;
    int status;
    plot_status rc = PLOT_ERROR;

    if (!tmpimg || !tmppath || !imgpath || !logpath)
        goto oom;
    cmd = malloc(strlen(logpath) + 32);
    if (!cmd)
        goto oom;
    /* Quoting is safe: validation refused single quotes in outdir and name. */
    sprintf(cmd, "gnuplot >'%s' 2>&1", logpath);
    /* A stale temp from a crashed run must not pass for fresh output. */
    unlink(tmppath);

    if (bg_jobs > 0) {
        pending_plot q = { 0 };
        /* exec: the shell becomes gnuplot, so that plot_discard's SIGTERM
           reaches gnuplot itself and leaves no orphan drawing on */
        sprintf(cmd, "exec gnuplot >'%s' 2>&1", logpath);
        /* the same picture drawn again (same folder, same name) must not
           share its temporary file with the one still drawing */
        for (int i = 0; i < npending; i++)
            if (!strcmp(pending[i].imgpath, imgpath)) {
                while (i-- >= 0)
                    if (wait_oldest(err, errlen, NULL, 0) == PLOT_ERROR)
                        goto out;
                break;
            }
        if (npending >= bg_jobs && wait_oldest(err, errlen, NULL, 0) == PLOT_ERROR)
            goto out;
        if (npending == cap_pending) {
            int cap = cap_pending ? 2 * cap_pending : 8;
            pending_plot *m = realloc(pending, (size_t)cap * sizeof *m);
            if (!m)
                goto oom;
            pending = m;
            cap_pending = cap;
        }
        q.image = concat(image, "");
        q.name = concat(name, "");
        if (!q.image || !q.name) {
            free(q.image);
            free(q.name);
            goto oom;
        }
        if (start_gnuplot(outdir, c, cmd, tmpimg, err, errlen, &q.pid) != PLOT_OK) {
            free(q.image);
            free(q.name);
            goto out;
        }
        q.tmppath = tmppath;
        q.imgpath = imgpath;
        q.logpath = logpath;
        tmppath = imgpath = logpath = NULL; /* the pending entry owns them now */
        pending[npending++] = q;
        rc = PLOT_OK;
        goto out;
    }

    /* gnuplot quits at its first error while we may still be writing; without
       this the resulting SIGPIPE would kill the whole simulator. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    p = popen(cmd, "w");
    if (!p) {
        sigaction(SIGPIPE, &old, NULL);
        set_err(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        goto out;
    }
    emit_script(p, c, tmpimg, outdir);
    status = pclose(p);
    sigaction(SIGPIPE, &old, NULL);

    if (status == -1) {
        set_err(err, errlen, "cannot wait for gnuplot while drawing %s: %s", image, strerror(errno));
        unlink(tmppath);
        goto out;
    }
    rc = judge_gnuplot(status, name, image, tmppath, imgpath, logpath, err, errlen);
    goto out;
oom:
    set_err(err, errlen, "out of memory");
out:
    free(cmd);
    free(tmpimg);
    free(tmppath);
    free(imgpath);
    free(logpath);
    return rc;
}

plot_status plot_render(const char *outdir, const plot_spec *spec, char *err, size_t errlen)
{
    csv_info *info = NULL;
    int *thin = NULL;
    char *image = NULL;
    render_ctx ctx;
    int avail;
    plot_status rc = PLOT_ERROR;

    if (err && errlen)
        err[0] = '\0';
    if (validate_spec(outdir, spec, err, errlen) != 0)
        return PLOT_ERROR;
    info = calloc((size_t)spec->nseries, sizeof *info);
    thin = calloc((size_t)spec->nseries, sizeof *thin);
    image = concat(spec->name, spec->format == PLOT_SVG ? ".svg" : ".png");
    if (!info || !thin || !image) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (load_series_data(outdir, spec, info, err, errlen) != 0)
        goto out;

    memset(&ctx, 0, sizeof ctx);
    ctx.spec = spec;
    ctx.info = info;
    ctx.thin = thin;
    ctx.two_panels = spec->lower_ylabel != NULL;
    if (spec->kind == PLOT_LINES_BANDS || spec->kind == PLOT_BARS) {
        for (int p = 0; p <= ctx.two_panels; p++)
            if (lay_out_panel(outdir, spec, p, !ctx.two_panels ? PLOT_H_ONE : p ? PLOT_H_LOWER : PLOT_H_UPPER,
                              thin, &ctx.key_pos[p], &ctx.key_chars[p]) != 0) {
                set_err(err, errlen, "%s: cannot read the data back to place the key (out of memory?)",
                        spec->name);
                goto out;
            }
    }
    if (spec->kind == PLOT_HEATMAP && spec->heat_scale_skip > 0 && !range_given(spec))
        ctx.has_cbrange = heat_scale_range(outdir, spec, &ctx.cb_lo, &ctx.cb_hi);
    avail = plot_gnuplot_available();
    if (!avail)
        ctx.term = spec->format == PLOT_SVG ? TERM_SVG : TERM_PORTABLE;
    else if (spec->format == PLOT_SVG)
        ctx.term = TERM_SVG;
    else
        ctx.term = gp_cache.has_pngcairo ? TERM_PNGCAIRO : TERM_PNG;
    if (avail && ((spec->format == PLOT_SVG && !gp_cache.has_svg) ||
                  (spec->format == PLOT_PNG && !gp_cache.has_pngcairo && !gp_cache.has_png))) {
        set_err(err, errlen, "this gnuplot has no %s terminal, cannot draw %s",
                spec->format == PLOT_SVG ? "svg" : "png", image);
        goto out;
    }

    if (write_script(outdir, &ctx, image, err, errlen) != 0)
        goto out;
    if (!avail) {
        rc = PLOT_NO_GNUPLOT;
        goto out;
    }
    rc = run_gnuplot(outdir, &ctx, image, err, errlen);
out:
    if (info)
        for (int i = 0; i < spec->nseries; i++)
            csv_info_free(&info[i]);
    free(info);
    free(thin);
    free(image);
    return rc;
}
