/* pilot_page: the report page of `retsim pilot --rollout` (see pilot_page.h). */
#include "pilot_page.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../sim/dates.h"
#include "../sim/text.h"
#include "output.h"

static const char css[] =
    ":root{--fg:#1c2430;--muted:#5a6473;--line:#dde2ea;--soft:#f4f6f9;--accent:#1f5fbf;--t:#c2410c;--c:#1f5fbf;"
    "--font:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"Liberation Sans\",sans-serif}\n"
    "html[lang=zh-CN]{--font:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",\"WenQuanYi Micro Hei\",sans-serif}\n"
    "*{box-sizing:border-box}body{margin:0;color:var(--fg);font:16px/1.55 var(--font)}\n"
    "main{max-width:1000px;margin:0 auto;padding:28px 24px 56px}\n"
    "header{border-bottom:3px solid var(--accent);padding-bottom:14px}\n"
    "h1{font-size:1.8rem;line-height:1.2;margin:.15em 0 .25em}\n"
    "h2{font-size:1.3rem;margin:2em 0 .7em;padding-bottom:.3em;border-bottom:1px solid var(--line)}\n"
    ".meta{color:var(--muted);font-size:.88rem}\n"
    ".verdict{font-size:1.15rem;background:var(--soft);border-left:5px solid var(--accent);border-radius:6px;"
    "padding:12px 16px;margin:18px 0;font-weight:600}\n"
    ".warn{border-left:5px solid var(--t);background:#fff4ec;padding:8px 12px;border-radius:6px}\n"
    ".scroll{overflow-x:auto;margin:8px 0 18px;border:1px solid var(--line);border-radius:8px}\n"
    "table{border-collapse:collapse;width:100%;font-size:.92rem}\n"
    "th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left}\n"
    "thead th{background:var(--soft)}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "svg{width:100%;height:auto;display:block}\n";

static void esc(FILE *f, const char *s)
{
    text_escape_html(f, s);
}

/* "+38,000" (whole units with separators from 100 on) */
static void money(double x, char *buf, size_t cap)
{
    if (isnan(x)) {
        snprintf(buf, cap, "n/a");
        return;
    }
    if (fabs(x) < 100) {
        snprintf(buf, cap, "%+.1f", x);
        return;
    }
    char digits[64], tmp[96];
    snprintf(digits, sizeof digits, "%.0f", fabs(x));
    size_t n = strlen(digits), o = 0;
    tmp[o++] = x < 0 ? '-' : '+';
    for (size_t i = 0; i < n && o + 2 < sizeof tmp; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(buf, cap, "%s", tmp);
}

/* purchases per customer by week since the start, each group's mean with
 * its 95 % band: a title, labelled axes, a legend */
static void weekly_svg(FILE *f, const pilot_result *r, lang_id L)
{
    const double W = 800, H = 420, x0 = 70, x1 = 640, y0 = 360, y1 = 50;
    double top = 0;
    for (int w = 0; w < r->nweeks; w++)
        for (int j = 0; j < 2; j++)
            if (r->weeks[w].high[j] > top)
                top = r->weeks[w].high[j];
    if (!(top > 0))
        top = 1;
    top *= 1.1;
    int nw = r->nweeks > 1 ? r->nweeks - 1 : 1;
#define PX(w) (x0 + (x1 - x0) * (double)(w) / nw)
#define PY(v) (y0 - (y0 - y1) * (v) / top)
    fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
               "font-family=\"sans-serif\" font-size=\"14\">\n", W, H);
    fprintf(f, "<text x=\"%.0f\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">", W / 2);
    /* xgettext:no-c-format */
    esc(f, tr(L, "Purchases per customer by week since the start (95 % band)"));
    fprintf(f, "</text>\n");
    fprintf(f, "<path d=\"M%.1f %.1f V%.1f H%.1f\" stroke=\"#5a6473\" fill=\"none\"/>\n", x0, y1, y0, x1);
    for (int k = 0; k <= 4; k++) {
        double v = top * k / 4;
        fprintf(f, "<path d=\"M%.1f %.1f H%.1f\" stroke=\"#dde2ea\"/><text x=\"%.1f\" y=\"%.1f\" "
                   "text-anchor=\"end\">%.2f</text>\n",
                x0, PY(v), x1, x0 - 6, PY(v) + 5, v);
    }
    int step = r->nweeks > 12 ? (r->nweeks + 11) / 12 : 1;
    for (int w = 0; w < r->nweeks; w += step)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n", PX(w), y0 + 20, w + 1);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x0 + x1) / 2, y0 + 44);
    esc(f, tr(L, "week since the start"));
    fprintf(f, "</text>\n<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">", (y0 + y1) / 2);
    esc(f, tr(L, "purchases per customer"));
    fprintf(f, "</text>\n");
    static const char *const colour[2] = { "#1f5fbf", "#c2410c" };
    for (int j = 0; j < 2; j++) {
        fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.15\" stroke=\"none\" d=\"", colour[j]);
        for (int w = 0; w < r->nweeks; w++)
            fprintf(f, "%c%.1f %.1f ", w ? 'L' : 'M', PX(w), PY(r->weeks[w].high[j]));
        for (int w = r->nweeks - 1; w >= 0; w--)
            fprintf(f, "L%.1f %.1f ", PX(w), PY(r->weeks[w].low[j]));
        fprintf(f, "Z\"/>\n<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" d=\"", colour[j]);
        for (int w = 0; w < r->nweeks; w++)
            fprintf(f, "%c%.1f %.1f ", w ? 'L' : 'M', PX(w), PY(r->weeks[w].mean[j]));
        fprintf(f, "\"/>\n");
    }
    const char *label[2] = { tr(L, "control"), tr(L, "treatment") };
    for (int j = 0; j < 2; j++) {
        double ly = 70 + 26 * j;
        fprintf(f, "<path d=\"M655 %.1f H685\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"692\" y=\"%.1f\">",
                ly, colour[j], ly + 5);
        esc(f, label[j]);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
#undef PX
#undef PY
}

static void row3(FILE *f, const char *name, double a, double b, double c, const char *fmt)
{
    fprintf(f, "<tr><td>");
    esc(f, name);
    fprintf(f, "</td><td class=\"n\">");
    fprintf(f, fmt, a);
    fprintf(f, "</td><td class=\"n\">");
    fprintf(f, fmt, b);
    fprintf(f, "</td><td class=\"n\">");
    fprintf(f, fmt, c);
    fprintf(f, "</td></tr>\n");
}

static int write_page(const char *dir, const char *log, const pilot_result *r, const rollout_result *ro,
                      lang_id L, diag *d)
{
    const char *name = pilot_page_file_name(L);
    char tmp[4200];
    FILE *f = out_open(dir, name, tmp, sizeof tmp, d);
    if (!f)
        return d->status;
    char s[16], e[16], line[512], a[48], b[48], c[48];
    date_format(r->start, s, sizeof s);
    date_format(r->end, e, sizeof e);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"retsim\">\n<title>",
            L == LANG_ZH ? "zh-CN" : "en");
    esc(f, tr(L, "Pilot and rollout"));
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>", css);
    esc(f, tr(L, "Pilot and rollout"));
    fprintf(f, "</h1>\n<p class=\"meta\">");
    esc(f, log);
    fprintf(f, " &middot; %s &ndash; %s (%d ", s, e, r->post_days);
    esc(f, tr(L, "days"));
    fprintf(f, ")</p>\n</header>\n");
    rollout_verdict_line(ro, L, line, sizeof line);
    fprintf(f, "<p class=\"verdict\">");
    esc(f, line);
    fprintf(f, "</p>\n");

    /* 1. the pilot */
    fprintf(f, "<h2>1. ");
    esc(f, tr(L, "The pilot: who was in which group"));
    fprintf(f, "</h2>\n<div class=\"scroll\"><table><thead><tr><th></th><th class=\"n\">");
    esc(f, tr(L, "treatment"));
    fprintf(f, "</th><th class=\"n\">");
    esc(f, tr(L, "control"));
    fprintf(f, "</th></tr></thead><tbody>\n<tr><td>");
    esc(f, tr(L, "customers who bought before the start"));
    fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n<tr><td>", r->n[PILOT_T], r->n[PILOT_C]);
    esc(f, tr(L, "new customers since the start (not in the estimate)"));
    fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n</tbody></table></div>\n",
            r->n_new[PILOT_T], r->n_new[PILOT_C]);

    /* 2. balance */
    fprintf(f, "<h2>2. ");
    esc(f, tr(L, "Balance before the start"));
    fprintf(f, "</h2>\n<div class=\"scroll\"><table><thead><tr><th></th><th class=\"n\">");
    esc(f, tr(L, "treatment"));
    fprintf(f, "</th><th class=\"n\">");
    esc(f, tr(L, "control"));
    fprintf(f, "</th><th class=\"n\">");
    esc(f, tr(L, "standardized difference"));
    fprintf(f, "</th></tr></thead><tbody>\n");
    for (int k = 0; k < PILOT_NBAL; k++)
        row3(f, r->bal[k].variable, r->bal[k].mean[PILOT_T], r->bal[k].mean[PILOT_C], r->bal[k].smd, "%.3f");
    fprintf(f, "</tbody></table></div>\n");
    if (r->unbalanced) {
        fprintf(f, "<p class=\"warn\">");
        esc(f, tr(L, "The groups were not comparable before the start (a standardized difference beyond 0.1): "
                     "the difference after it mixes the promotion with that gap."));
        fprintf(f, "</p>\n");
    }

    /* 3. the effect */
    fprintf(f, "<h2>3. ");
    esc(f, tr(L, "The measured effect"));
    fprintf(f, "</h2>\n");
    weekly_svg(f, r, L);
    fprintf(f, "<div class=\"scroll\"><table><thead><tr><th></th><th class=\"n\">");
    esc(f, tr(L, "difference per customer"));
    fprintf(f, "</th><th class=\"n\">");
    /* xgettext:no-c-format */
    esc(f, tr(L, "95 % interval"));
    fprintf(f, "</th><th class=\"n\">");
    esc(f, tr(L, "relative"));
    fprintf(f, "</th></tr></thead><tbody>\n");
    for (int k = 0; k < 4; k++) {
        const pilot_effect *x = &r->eff[k];
        fprintf(f, "<tr><td>");
        esc(f, tr(L, k < 2 ? "purchases" : "revenue"));
        fprintf(f, " (%s)</td><td class=\"n\">%+.3g</td><td class=\"n\">[%+.3g, %+.3g]</td><td class=\"n\">",
                x->method, x->diff, x->ci_low, x->ci_high);
        if (isnan(x->relative))
            fprintf(f, "&ndash;");
        else
            fprintf(f, "%+.1f %%", 100 * x->relative);
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</tbody></table></div>\n<div class=\"scroll\"><table><thead><tr><th>");
    esc(f, tr(L, "lever"));
    fprintf(f, "</th><th class=\"n\">");
    esc(f, tr(L, "ratio treated / control"));
    fprintf(f, "</th><th class=\"n\">");
    /* xgettext:no-c-format */
    esc(f, tr(L, "95 % interval"));
    fprintf(f, "</th></tr></thead><tbody>\n");
    const char *lever[LEVER_COUNT] = { N_("purchase rate"), N_("dropout"), N_("spend per visit") };
    for (int k = 0; k < LEVER_COUNT; k++) {
        fprintf(f, "<tr><td>");
        esc(f, tr(L, lever[k]));
        if (ro->lev.estimated[k])
            fprintf(f, "</td><td class=\"n\">%.3f</td><td class=\"n\">[%.3f, %.3f]</td></tr>\n",
                    exp(ro->lev.log_ratio[k]), exp(ro->lev.log_ratio[k] - 1.96 * ro->lev.se[k]),
                    exp(ro->lev.log_ratio[k] + 1.96 * ro->lev.se[k]));
        else {
            fprintf(f, "</td><td class=\"n\">1</td><td class=\"n\">");
            esc(f, tr(L, "not estimated"));
            fprintf(f, "</td></tr>\n");
        }
    }
    fprintf(f, "</tbody></table></div>\n<p class=\"meta\">");
    esc(f, tr(L, "Estimate:"));
    fprintf(f, " %s</p>\n", ro->lev.source ? ro->lev.source : "");

    /* 4. the rollout */
    fprintf(f, "<h2>4. ");
    esc(f, tr(L, "Rolled out to the whole base"));
    fprintf(f, "</h2>\n<p>");
    char intro[512];
    snprintf(intro, sizeof intro,
             tr(L, "%d customers as they stood on the pilot's last day (%s fitted on the control group), "
                   "%d days, %d replications paired with not rolling out, %d draws of the effect and the "
                   "parameters."),
             ro->customers, ro->model, ro->horizon_days, ro->reps, ro->draws);
    esc(f, intro);
    fprintf(f, "</p>\n<div class=\"scroll\"><table><thead><tr><th></th><th class=\"n\">");
    esc(f, tr(L, "estimate"));
    fprintf(f, "</th><th class=\"n\">");
    /* xgettext:no-c-format */
    esc(f, tr(L, "95 % interval"));
    fprintf(f, "</th></tr></thead><tbody>\n<tr><td>");
    esc(f, tr(L, "incremental profit per month"));
    money(ro->dprofit.mean / ro->months, a, sizeof a);
    money(ro->dprofit.ci_low / ro->months, b, sizeof b);
    money(ro->dprofit.ci_high / ro->months, c, sizeof c);
    fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">[%s, %s]</td></tr>\n<tr><td>", a, b, c);
    esc(f, tr(L, "incremental profit over the horizon"));
    money(ro->dprofit.mean, a, sizeof a);
    money(ro->dprofit.ci_low, b, sizeof b);
    money(ro->dprofit.ci_high, c, sizeof c);
    fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">[%s, %s]</td></tr>\n<tr><td>", a, b, c);
    esc(f, tr(L, "break-even cost per use"));
    fprintf(f, "</td><td class=\"n\">%.2f</td><td class=\"n\">[%.2f, %.2f]</td></tr>\n<tr><td>",
            ro->breakeven.mean, ro->breakeven.ci_low, ro->breakeven.ci_high);
    esc(f, tr(L, "chance it loses money"));
    fprintf(f, "</td><td class=\"n\">%.1f %%</td><td class=\"n\"></td></tr>\n</tbody></table></div>\n",
            100 * ro->p_loss);
    fprintf(f, "<p class=\"meta\">");
    if (!ro->cost_given)
        esc(f, tr(L, "No cost was given: the rollout is assumed free."));
    else {
        char cost[256];
        snprintf(cost, sizeof cost, tr(L, "Cost: %g per use, %g per customer and month."), ro->cost_per_use,
                 ro->cost_per_customer_month);
        esc(f, cost);
    }
    fprintf(f, " ");
    if (!ro->margin_given) {
        char m[128];
        snprintf(m, sizeof m, tr(L, "Gross margin %.0f %% assumed."), 100 * ro->gross_margin);
        esc(f, m);
    }
    fprintf(f, "</p>\n<p class=\"meta\">");
    esc(f, tr(L, "The verdict needs the interval to exclude 0 and the change to be material, as retsim "
                 "compare's; the chance of losing money is that the expected incremental profit is below 0, "
                 "given the pilot's and the fit's uncertainty (docs/pilot.md)."));
    fprintf(f, "</p>\n</main>\n</body>\n</html>\n");
    return out_commit(f, tmp, dir, name, d);
}

const char *pilot_page_file_name(lang_id lang)
{
    return lang == LANG_ZH ? "report.zh.html" : "report.html";
}

int pilot_page_write(const char *dir, const char *log, const pilot_result *r, const rollout_result *ro, diag *d)
{
    int status;
    if ((status = write_page(dir, log, r, ro, LANG_EN, d)) || (status = write_page(dir, log, r, ro, LANG_ZH, d)))
        return status;
    return 0;
}
