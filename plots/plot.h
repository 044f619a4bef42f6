/* plots/plot.h - turns CSV data series into gnuplot pictures.
 *
 * Deliberately ignorant of the simulator: it only knows CSV files, column
 * numbers and labels, so it can be tested and reused on its own.
 *
 * CSV layout expected by each kind (all files: header row first, ',' separated,
 * names relative to outdir):
 *   PLOT_LINES_BANDS  any columns; per series xcol/ycol, optional lowcol+highcol
 *                     (both or neither) for the shaded 95 % band.
 *   PLOT_HEATMAP      exactly one series; a matrix: header = corner label then
 *                     column labels, each row = row label then numeric cells.
 *                     Empty / NaN cells are drawn grey ("no data").  xcol/ycol
 *                     are ignored (must still be >= 1); legend labels the colour
 *                     box.  ylog/yformat/ymin/ymax apply to the colour scale.
 *   PLOT_HBARS        exactly one series; xcol = label column, lowcol = swing of
 *                     the output when the parameter goes down, highcol = swing
 *                     when it goes up, both relative to the baseline (0).  Row
 *                     order is kept: first row on top.  ycol is ignored (>= 1).
 *                     yformat/ymin/ymax apply to the value (horizontal) axis;
 *                     ylog is rejected.
 *   PLOT_STACKED      all series share one csv and one xcol; series[0] is the
 *                     bottom layer.  ylog is rejected.
 *   PLOT_BARS         vertical bars, one per CSV row, labelled by the text in
 *                     xcol (row order kept, e.g. "1", "2", ..., "7+"); height
 *                     ycol; optional lowcol+highcol draw a 95 % error bar.
 *                     Several series (same rows in each CSV) stand side by
 *                     side, e.g. data against model.  ylog is rejected.
 * Empty data (header only) is rejected with PLOT_ERROR "NAME: no data rows in X.csv".
 * Rows are non-blank lines not starting with '#'; keep blank lines out of the data.
 *
 * Two panels (LINES_BANDS only): with lower_ylabel set, series whose panel is
 * 1 go to a second, shorter plot under the first, sharing its x axis (e.g.
 * stocks of customers above, flows per day below).  ylog and yformat apply to
 * both panels, ymin/ymax to the upper one only.
 *
 * Thin bands (LINES_BANDS and BARS): a series whose band (or error bar) is at
 * most PLOT_THIN_BAND of its panel's y range wide everywhere would be hidden
 * under its 2 px line, so its legend gets thin_band_note appended; when every
 * band is that thin the grey band entry is left out of the key.
 *
 * Keys: LINES_BANDS puts its key (one entry per series, plus one grey "95 % CI"
 * entry when any series has a band) in the first corner free of data, trying
 * top right, top left, bottom right, bottom left, else outside on the right;
 * STACKED outside on the right (top layer listed first); HBARS below the plot;
 * BARS inside, top right (counts by category usually fall to the right);
 * HEATMAP has no key, the colour box is labelled with the series legend.
 * Text (title, labels, legends, CSV row/column labels) is drawn literally.
 */
#ifndef RETSIM_PLOT_H
#define RETSIM_PLOT_H

#include <stddef.h>

typedef enum { PLOT_PNG = 0, PLOT_SVG = 1 } plot_format;

typedef enum {
    PLOT_LINES_BANDS = 0, /* each series: a line (mean) with a shaded confidence band (low/high columns) */
    PLOT_HEATMAP     = 1, /* a matrix CSV (first column = row label, header = column labels) drawn as a heat map, e.g. cohort retention */
    PLOT_HBARS       = 2, /* horizontal bars from a baseline: a tornado chart; each CSV row: label, low-swing value, high-swing value */
    PLOT_STACKED     = 3, /* stacked areas of several series sharing one x column (e.g. active / silent / dormant customers) */
    PLOT_BARS        = 4  /* vertical bars with optional error bars, one per labelled row (e.g. customers by purchases) */
} plot_kind;

typedef struct plot_series {
    const char *csv;      /* CSV file name, relative to the output directory; header row first */
    int xcol;             /* 1-based column numbers */
    int ycol;
    int lowcol, highcol;  /* band columns, 0 = no band */
    const char *legend;   /* legend entry; must be non-empty */
    int panel;            /* LINES_BANDS with lower_ylabel: 0 = upper panel, 1 = lower panel */
} plot_series;

/* A band at most this share of the y range wide cannot be seen: on ~480 px of
   plot height 1 % is ~5 px, and a 2 px line leaves ~1.5 px of a 25 % tint on
   each side, which no one reads as a band (checked by eye on clinic's
   cumulative revenue at 200 replications, 0.8 % wide). */
#define PLOT_THIN_BAND 0.01

typedef struct plot_spec {
    const char *name;     /* base name: writes NAME.gp and NAME.png (or NAME.svg) in outdir */
    plot_kind kind;
    plot_format format;
    const char *title, *xlabel, *ylabel;  /* required non-empty; labels carry units, e.g. "customer age (days)" */
    const plot_series *series;
    int nseries;
    int ylog;             /* 0/1 */
    const char *yformat;  /* optional gnuplot format for y tics, e.g. "%.0f%%", NULL = default */
    double ymin, ymax;    /* used only when ymin < ymax */
    const char *band_legend; /* key entry explaining the bands; NULL: "95 % CI" */
    const char *thin_band_note; /* appended to a thin band's legend; NULL: "(95 % band narrower than the line)" */
    const char *lower_ylabel;   /* LINES_BANDS: non-NULL draws panel-1 series in a lower panel with this y label */
    int heat_scale_skip;        /* HEATMAP: leading value columns left out of the colour scale (drawn at
                                   its nearest end), e.g. 1 for cohorts' month 0, which is 1 by definition */
} plot_spec;

typedef enum { PLOT_OK = 0, PLOT_NO_GNUPLOT = 1, PLOT_ERROR = -1 } plot_status;

/* Writes outdir/NAME.gp (always, atomically: write NAME.gp.tmp then rename) and, when gnuplot is on PATH, runs it
   through a pipe so that it renders into NAME.png.tmp (or .svg.tmp), then renames it into place only if gnuplot exited 0.
   Returns PLOT_NO_GNUPLOT (script written, no picture) when gnuplot is missing; PLOT_ERROR with a message in err
   (e.g. "gnuplot exited with status 1 while drawing retention.png") on failure. Never leaves a half-written NAME.png.
   On a gnuplot failure its output is kept in outdir/NAME.gp.log; on success that log is removed. */
plot_status plot_render(const char *outdir, const plot_spec *spec, char *err, size_t errlen);

/* Drawing in the background, so that gnuplot runs while the caller writes
   its other outputs and several gnuplots run side by side (issue 14).  With
   jobs > 0, plot_render writes NAME.gp, starts gnuplot and returns PLOT_OK
   without waiting; at most jobs gnuplots run at once (one more waits for the
   oldest).  jobs 0: plot_render waits, as by default.  Returns the previous
   setting.  The pictures are in place only after plot_wait. */
int plot_set_background(int jobs);
/* Waits for every gnuplot started in the background and puts each picture
   in place as plot_render would; PLOT_ERROR with the first failure (in the
   order they were started) in err and its plot's NAME in failed (either may
   be NULL), PLOT_NO_GNUPLOT if gnuplot vanished. */
plot_status plot_wait(char *err, size_t errlen, char *failed, size_t failedlen);
/* Stops (SIGTERM) and reaps the background gnuplots, removing their
   temporary images: for an output being abandoned. */
void plot_discard(void);
/* gnuplots started in the background and not yet waited for. */
int plot_pending(void);

/* 1 if a usable gnuplot is on PATH (checked once and cached; no stdout noise). */
int plot_gnuplot_available(void);

#endif /* RETSIM_PLOT_H */
