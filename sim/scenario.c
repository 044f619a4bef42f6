/* Scenario loading.  iniparser does the INI syntax; everything it would
 * silently accept (atof's "abc" -> 0, base-0 "042" -> 34, unknown keys,
 * duplicates) is checked here against the key tables. */
/* memfd_create (Linux, glibc 2.27) is a GNU extension */
#define _GNU_SOURCE
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iniparser/iniparser.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "input.h"
#include "lang.h"
#include "rng.h"
#include "basefile.h"
#include "uncertain.h"

/* ---- where things are in the file: iniparser keeps no line numbers ---- */

typedef struct line_entry {
    char section[SCEN_TEXT_MAX];
    char key[SCEN_TEXT_MAX];       /* "" for a [section] header */
    int line;
} line_entry;

typedef struct line_map {
    line_entry *e;
    int n, cap;
} line_map;

static void trim_lower(char *dst, size_t cap, const char *begin, const char *end)
{
    while (begin < end && isspace((unsigned char)*begin))
        begin++;
    while (end > begin && isspace((unsigned char)end[-1]))
        end--;
    size_t n = (size_t)(end - begin);
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)begin[i]);
    dst[n] = '\0';
}

static int map_add(line_map *m, const char *sec, const char *key, int line)
{
    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 64;
        line_entry *e = realloc(m->e, (size_t)cap * sizeof *e);
        if (!e)
            return -1;
        m->e = e;
        m->cap = cap;
    }
    line_entry *le = &m->e[m->n++];
    snprintf(le->section, sizeof le->section, "%s", sec);
    snprintf(le->key, sizeof le->key, "%s", key);
    le->line = line;
    return 0;
}

static int map_build(line_map *m, const char *text)
{
    char section[SCEN_TEXT_MAX] = "";
    int line = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        line++;
        const char *s = p;
        while (s < eol && isspace((unsigned char)*s))
            s++;
        if (s < eol && *s == '[') {
            const char *close = memchr(s, ']', (size_t)(eol - s));
            if (close) {
                trim_lower(section, sizeof section, s + 1, close);
                if (map_add(m, section, "", line))
                    return -1;
            }
        } else if (s < eol && *s != ';' && *s != '#') {
            const char *eq = memchr(s, '=', (size_t)(eol - s));
            if (eq) {
                char key[SCEN_TEXT_MAX];
                trim_lower(key, sizeof key, s, eq);
                if (map_add(m, section, key, line))
                    return -1;
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    return 0;
}

static int map_line(const line_map *m, const char *sec, const char *key)
{
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->e[i].section, sec) && !strcmp(m->e[i].key, key))
            return m->e[i].line;
    return 0;
}

/* ---- iniparser's syntax errors arrive through a printf-like callback ---- */

static char ini_error[512];

static int capture_ini_error(const char *fmt, ...)
{
    if (ini_error[0])
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ini_error, sizeof ini_error, fmt, ap);
    va_end(ap);
    return 0;
}

/* ---- the key tables ---- */

/* [scenario] is the one section the loader itself reads (its base key). */
extern const scen_section section_scenario;
#define section_scenario_ref section_scenario

static const scen_section *find_section(const char *name, char *label,
                                        size_t label_cap)
{
    const scen_section *const *all = scen_all_sections();
    for (int i = 0; all[i]; i++) {
        const scen_section *s = all[i];
        size_t n = strlen(s->name);
        if (s->max_instances == 1 && !strcmp(name, s->name)) {
            label[0] = '\0';
            return s;
        }
        if (s->max_instances > 1 && !strncmp(name, s->name, n) && name[n] == '.'
            && name[n + 1]) {
            snprintf(label, label_cap, "%s", name + n + 1);
            return s;
        }
    }
    return NULL;
}

static const scen_key *find_key(const scen_section *s, const char *name)
{
    for (const scen_key *k = s->keys; k->name; k++)
        if (!strcmp(k->name, name))
            return k;
    return NULL;
}

static const char *kind_name(const scen_key *k)
{
    switch (k->kind) {
    case KEY_REAL: return NC_("key kind", "number");
    case KEY_INT: return NC_("key kind", "whole number");
    case KEY_BOOL: return NC_("key kind", "true or false");
    case KEY_CHOICE: return NC_("key kind", "one of");
    case KEY_TEXT: return NC_("key kind", "text");
    }
    return "?";
}

static void format_number(char *buf, size_t len, double x)
{
    if (isinf(x))
        snprintf(buf, len, "%s", x > 0 ? "inf" : "-inf");
    else
        snprintf(buf, len, "%.10g", x);
}

/* The units the key tables use, for the catalogue: errors and `retsim keys`
 * show a key's unit in the UI language (msgctxt "unit"); tests/test_lang.c
 * checks that every key's unit is translated. */
static const char *const unit_msgids[] = {
    NC_("unit", "currency"), NC_("unit", "probability"), NC_("unit", "share"), NC_("unit", "days"),
    NC_("unit", "day"), NC_("unit", "points"), NC_("unit", "x churn"), NC_("unit", "per mean bill"),
    NC_("unit", "x bill"), NC_("unit", "units"), NC_("unit", "share of the bill"),
    NC_("unit", "purchases"), NC_("unit", "prospects/visit"), NC_("unit", "minutes"),
    NC_("unit", "index"), NC_("unit", "factor"), NC_("unit", "vouchers"), NC_("unit", "visits"),
    NC_("unit", "steps"), NC_("unit", "share of revenue"), NC_("unit", "share of customers"),
    NC_("unit", "servers"), NC_("unit", "prospects/visit per mean bill"),
    NC_("unit", "prospects/day"), NC_("unit", "promoters"), NC_("unit", "points per currency"),
    NC_("unit", "periods"), NC_("unit", "per year"), NC_("unit", "people"), NC_("unit", "payments"),
    NC_("unit", "messages"), NC_("unit", "hours/day"), NC_("unit", "currency/minute"),
    NC_("unit", "cards"), NC_("unit", "date"), NC_("unit", "customers"), NULL
};

const char *scen_unit(const char *unit, int lang)
{
    (void)unit_msgids;
    return unit && *unit ? trc((lang_id)lang, "unit", unit) : "";
}

void scen_key_range_in(const scen_key *k, char *buf, size_t len, int lang)
{
    char lo[32], hi[32];
    buf[0] = '\0';
    if (k->kind == KEY_CHOICE) {
        size_t used = 0;
        for (const char *const *c = k->choices; *c && used < len; c++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     c == k->choices ? "" : ", ", *c);
        return;
    }
    if (k->kind == KEY_BOOL) {
        snprintf(buf, len, "true, false");
        return;
    }
    if (k->kind == KEY_TEXT) {
        snprintf(buf, len, tr((lang_id)lang, "up to %d characters"), SCEN_TEXT_MAX - 1);
        return;
    }
    format_number(lo, sizeof lo, k->min);
    format_number(hi, sizeof hi, k->max);
    int open_lo = k->flags & KEY_MIN_OPEN, open_hi = k->flags & KEY_MAX_OPEN;
    if (isinf(k->max)) {
        if (open_lo)
            snprintf(buf, len, tr((lang_id)lang, "> %s"), lo);
        else
            snprintf(buf, len, tr((lang_id)lang, ">= %s"), lo);
        return;
    }
    char from[64], to[64];
    if (open_lo)
        snprintf(from, sizeof from, tr((lang_id)lang, "above %s"), lo);
    else
        snprintf(from, sizeof from, "%s", lo);
    if (open_hi)
        snprintf(to, sizeof to, tr((lang_id)lang, "below %s"), hi);
    else
        snprintf(to, sizeof to, "%s", hi);
    snprintf(buf, len, tr((lang_id)lang, "%s to %s"), from, to);
}

void scen_key_range(const scen_key *k, char *buf, size_t len)
{
    scen_key_range_in(k, buf, len, LANG_EN);
}

static void format_default(const scen_key *k, char *buf, size_t len, lang_id lang)
{
    switch (k->kind) {
    case KEY_REAL:
        if (k->flags & KEY_OPTIONAL)
            snprintf(buf, len, "%s", tr(lang, "(unset)"));
        else if (k->flags & KEY_PER_BILL)
            snprintf(buf, len, tr(lang, "%.10g x bill"), k->def);
        else
            format_number(buf, len, k->def);
        break;
    case KEY_INT:
        snprintf(buf, len, "%.0f", k->def);
        break;
    case KEY_BOOL:
        snprintf(buf, len, "%s", k->def != 0 ? "true" : "false");
        break;
    case KEY_CHOICE:
        snprintf(buf, len, "%s", k->choices[(int)k->def]);
        break;
    case KEY_TEXT:
        snprintf(buf, len, "%s", tr(lang, "(empty)"));
        break;
    }
}

void scen_key_default(const scen_key *k, char *buf, size_t len)
{
    format_default(k, buf, len, LANG_EN);
}

const char *scen_key_type(const scen_key *k)
{
    return k->kind == KEY_CHOICE ? "choice" : kind_name(k);
}

static void set_defaults(const scen_section *s, void *params)
{
    memset(params, 0, s->size);
    for (const scen_key *k = s->keys; k->name; k++) {
        char *field = (char *)params + k->offset;
        switch (k->kind) {
        case KEY_REAL:
            *(double *)field = (k->flags & (KEY_OPTIONAL | KEY_PER_BILL)) ? NAN : k->def;
            break;
        case KEY_INT:
        case KEY_BOOL:
        case KEY_CHOICE:
            *(int *)field = (int)k->def;
            break;
        case KEY_TEXT:
            field[0] = '\0';
            break;
        }
    }
}

/* where: "file:line: [section]" prefix for messages. */
static int parse_value(const scen_key *k, const char *value, void *params,
                       const char *where, const char *secname, scen_dist *dist, diag *d)
{
    char *field = (char *)params + k->offset;
    dist->kind = DIST_NONE;
    char range[256];
    scen_key_range_in(k, range, sizeof range, lang_ui());
    const char *unit = scen_unit(k->unit, lang_ui());
    /* iniparser stores NULL for a name it took as a section (e.g. the
     * "churn:mean" of a [churn:mean] header): never dereference it */
    if (!value)
        return diag_set(d, DIAG_USAGE, "%s %s: no value (expected %s = VALUE)", where, k->name,
                        k->name);
    while (isspace((unsigned char)*value))
        value++;

    if (k->kind == KEY_REAL || k->kind == KEY_INT) {
        char *end;
        errno = 0;
        double x;
        if (k->kind == KEY_REAL) {
            x = strtod(value, &end);
            /* strtod also reads hexadecimal ("0x1p-1"): no one means that here */
            if (strpbrk(value, "xX"))
                end = (char *)value;
        } else {
            long v = strtol(value, &end, 10);
            x = (double)v;
        }
        while (end && isspace((unsigned char)*end))
            end++;
        if (!*value || end == value || *end || errno == ERANGE || !isfinite(x)) {
            /* an uncertain value: its mean is the point value (uncertain.h) */
            int got = *value ? dist_parse(k, value, where, dist, d) : -1;
            if (got > 0)
                return got;
            if (got == 0) {
                *(double *)field = dist_mean(dist);
                return 0;
            }
            const char *hint = "";
            if (strchr(value, '%'))
                /* xgettext:no-c-format */
                hint = N_(" (write percentages as fractions: 5% is 0.05)");
            else if (k->kind == KEY_INT && strchr(value, '.'))
                hint = N_(" (no decimals here)");
            return diag_set(d, DIAG_USAGE,
                            "%s %s = '%s': expected a %s from %s%s%s%s", where,
                            k->name, value, trc(lang_ui(), "key kind", kind_name(k)), range,
                            *unit ? " " : "", unit, tr(lang_ui(), hint));
        }
        int below = (k->flags & KEY_MIN_OPEN) ? x <= k->min : x < k->min;
        int above = (k->flags & KEY_MAX_OPEN) ? x >= k->max : x > k->max;
        if (below || above)
            return diag_set(d, DIAG_USAGE,
                            "%s %s = %s is out of range: allowed %s%s%s", where,
                            k->name, value, range, *unit ? " " : "", unit);
        if (x == 0)
            x = 0; /* "-0" is 0: no negative zero reaches an output */
        if (k->kind == KEY_REAL)
            *(double *)field = x;
        else
            *(int *)field = (int)x;
        return 0;
    }
    if (k->kind == KEY_BOOL) {
        static const char *const yes[] = { "true", "yes", "on", "1", NULL };
        static const char *const no[] = { "false", "no", "off", "0", NULL };
        for (int i = 0; yes[i]; i++) {
            if (!strcasecmp(value, yes[i])) {
                *(int *)field = 1;
                return 0;
            }
            if (!strcasecmp(value, no[i])) {
                *(int *)field = 0;
                return 0;
            }
        }
        return diag_set(d, DIAG_USAGE, "%s %s = '%s': expected true or false",
                        where, k->name, value);
    }
    if (k->kind == KEY_CHOICE) {
        for (int i = 0; k->choices[i]; i++)
            if (!strcasecmp(value, k->choices[i])) {
                *(int *)field = i;
                return 0;
            }
        const char *near = diag_nearest(value, k->choices);
        char suggestion[160] = "";
        if (near)
            snprintf(suggestion, sizeof suggestion, tr(lang_ui(), " (did you mean '%s'?)"), near);
        return diag_set(d, DIAG_USAGE, "%s %s = '%s': expected one of %s%s",
                        where, k->name, value, range, suggestion);
    }
    /* KEY_TEXT */
    if (strlen(value) >= SCEN_TEXT_MAX)
        return diag_set(d, DIAG_USAGE, "%s %s: text longer than %d characters",
                        where, k->name, SCEN_TEXT_MAX - 1);
    snprintf(field, SCEN_TEXT_MAX, "%s", value);
    (void)secname;
    return 0;
}

static scen_instance *find_instance(scenario *sc, const scen_section *s,
                                    const char *label)
{
    for (int i = 0; i < sc->ninst; i++)
        if (sc->inst[i].section == s && !strcmp(sc->inst[i].label, label))
            return &sc->inst[i];
    return NULL;
}

/* Records key k's distribution (or that it holds a number again: a
 * variant's plain value replaces its base's distribution). */
static int set_dist(scen_instance *in, const scen_key *k, const scen_dist *dist, diag *d)
{
    if (!in->dist) {
        if (dist->kind == DIST_NONE)
            return 0;
        in->dist = calloc(64, sizeof *in->dist);
        if (!in->dist)
            return diag_set(d, DIAG_RUNTIME, "out of memory");
    }
    in->dist[k - in->section->keys] = *dist;
    return 0;
}

/* A file a key names ([uncertainty] draws, [base] customers) is relative
 * to the folder of the file that names it (as a base is), so a variant in
 * another folder that builds on it finds it; from --set, as typed. */
static void resolve_path(char *dst, size_t cap, const char *file, const char *value)
{
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (!*value)
        dst[0] = '\0';
    else if (value[0] == '/' || !slash)
        snprintf(dst, cap, "%s", value);
    else
        snprintf(dst, cap, "%.*s/%s", (int)(slash - file), file, value);
}

static void resolve_file_keys(scenario *sc, const scen_section *s, const scen_key *k, const char *file,
                              const void *params)
{
    const char *value = (const char *)params + k->offset;
    if (s == &section_uncertainty && !strcmp(k->name, "draws"))
        resolve_path(sc->draws_path, sizeof sc->draws_path, file, value);
    else if (s == &section_base && !strcmp(k->name, "customers"))
        resolve_path(sc->base_path, sizeof sc->base_path, file, value);
}

static scen_instance *add_instance(scenario *sc, const scen_section *s,
                                   const char *label, diag *d)
{
    int count = 0;
    for (int i = 0; i < sc->ninst; i++)
        count += sc->inst[i].section == s;
    if (count >= s->max_instances || sc->ninst >= SCEN_MAX_INSTANCES) {
        diag_set(d, DIAG_USAGE, "%s: too many [%s.*] sections (at most %d)",
                 sc->path, s->name, s->max_instances);
        return NULL;
    }
    scen_instance *in = &sc->inst[sc->ninst];
    in->params = malloc(s->size);
    if (!in->params) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    sc->ninst++;
    in->section = s;
    snprintf(in->label, sizeof in->label, "%s", label);
    set_defaults(s, in->params);
    in->present = 0;
    in->line = 0;
    in->dist = NULL;
    return in;
}

static void section_names(const char **names, int cap)
{
    const scen_section *const *all = scen_all_sections();
    int n = 0;
    for (int i = 0; all[i] && n < cap - 1; i++)
        names[n++] = all[i]->name;
    names[n] = NULL;
}

/* [channel] or [channel.] : a repeatable section without its label. */
static const scen_section *bare_repeatable(const char *name)
{
    const scen_section *const *all = scen_all_sections();
    for (int i = 0; all[i]; i++) {
        size_t n = strlen(all[i]->name);
        if (all[i]->max_instances > 1 && !strncmp(name, all[i]->name, n)
            && (name[n] == '\0' || (name[n] == '.' && name[n + 1] == '\0')))
            return all[i];
    }
    return NULL;
}

static int unknown_section(const char *path, int line, const char *name, diag *d)
{
    const scen_section *bare = bare_repeatable(name);
    if (bare)
        return diag_set(d, DIAG_USAGE,
                        "%s:%d: [%s] needs a name after a dot: [%s.NAME], e.g. [%s.walkin]", path,
                        line, name, bare->name, bare->name);
    const char *names[128];
    section_names(names, 128);
    /* compare the part before any '.' label with repeatable names too */
    const char *near = diag_nearest(name, names);
    char tmp[SCEN_TEXT_MAX];
    if (!near) {
        snprintf(tmp, sizeof tmp, "%s", name);
        char *dot = strchr(tmp, '.');
        if (dot) {
            *dot = '\0';
            near = diag_nearest(tmp, names);
        }
    }
    char list[1024] = "";
    size_t used = 0;
    for (int i = 0; names[i] && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i ? ", " : "", names[i]);
    if (near)
        return diag_set(d, DIAG_USAGE,
                        "%s:%d: unknown section [%s] (did you mean [%s]?)",
                        path, line, name, near);
    return diag_set(d, DIAG_USAGE,
                    "%s:%d: unknown section [%s]; known sections: %s", path,
                    line, name, list);
}

static int unknown_key(const char *where, const scen_section *s,
                       const char *key, diag *d)
{
    const char *names[64];
    int n = 0;
    for (const scen_key *k = s->keys; k->name && n < 63; k++)
        names[n++] = k->name;
    names[n] = NULL;
    const char *near = diag_nearest(key, names);
    char list[1024] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i ? ", " : "", names[i]);
    if (near)
        return diag_set(d, DIAG_USAGE, "%s unknown key '%s' (did you mean '%s'?)",
                        where, key, near);
    return diag_set(d, DIAG_USAGE, "%s unknown key '%s'; this section takes: %s",
                    where, key, list);
}

/* The default reader: the file through one descriptor (sim/input.c), then
 * checked to be text before anything quotes it. */
static char *read_scenario_file(void *ctx, const char *path, size_t *len, diag *d)
{
    (void)ctx;
    return input_read_all(path, INPUT_SCENARIO, "scenario", len, d);
}

/* Keys that iniparser files outside any section look like ":key" or "key";
 * we reject them rather than guess which section was meant. */
static int load_dictionary(scenario *sc, const char *path, dictionary *ini,
                           const line_map *map, diag *d)
{
    int nsec = iniparser_getnsec(ini);
    /* Duplicate keys or sections: iniparser keeps the last silently, which
     * hides a contradiction the user did not mean. */
    for (int i = 0; i < map->n; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(map->e[i].section, map->e[j].section)
                && !strcmp(map->e[i].key, map->e[j].key)) {
                if (map->e[i].key[0])
                    return diag_set(d, DIAG_USAGE,
                                    "%s:%d: [%s] %s is set twice (first on line %d)",
                                    path, map->e[i].line, map->e[i].section,
                                    map->e[i].key, map->e[j].line);
                return diag_set(d, DIAG_USAGE,
                                "%s:%d: section [%s] appears twice (first on line %d); merge them",
                                path, map->e[i].line, map->e[i].section,
                                map->e[j].line);
            }
    for (int i = 0; i < map->n; i++)
        if (!map->e[i].section[0])
            return diag_set(d, DIAG_USAGE,
                            "%s:%d: '%s' is outside any section; put it under a [section] header",
                            path, map->e[i].line, map->e[i].key);

    for (int i = 0; i < nsec; i++) {
        const char *secname = iniparser_getsecname(ini, i);
        int line = map_line(map, secname, "");
        char label[SCEN_TEXT_MAX];
        const scen_section *s = find_section(secname, label, sizeof label);
        if (!s)
            return unknown_section(path, line, secname, d);
        /* a variant's section adds to its base's */
        scen_instance *in = find_instance(sc, s, label);
        if (!in && !(in = add_instance(sc, s, label, d)))
            return d->status;
        in->present = 1;
        in->line = line;
        int nkeys = iniparser_getsecnkeys(ini, secname);
        if (nkeys <= 0)
            continue;
        const char **keys = malloc((size_t)nkeys * sizeof *keys);
        if (!keys)
            return diag_set(d, DIAG_RUNTIME, "out of memory");
        iniparser_getseckeys(ini, secname, keys);
        for (int j = 0; j < nkeys; j++) {
            const char *full = keys[j];
            const char *keyname = full + strlen(secname) + 1;
            int kline = map_line(map, secname, keyname);
            char where[4400];
            snprintf(where, sizeof where, "%s:%d: [%s]", path, kline, secname);
            const scen_key *k = find_key(s, keyname);
            if (!k) {
                unknown_key(where, s, keyname, d);
                free(keys);
                return d->status;
            }
            const char *value = iniparser_getstring(ini, full, "");
            scen_dist dist;
            if (parse_value(k, value, in->params, where, secname, &dist, d)
                || set_dist(in, k, &dist, d)) {
                free(keys);
                return d->status;
            }
            resolve_file_keys(sc, s, k, path, in->params);
            in->set_mask |= 1ULL << (k - s->keys);
        }
        free(keys);
    }
    return 0;
}

static int apply_override(scenario *sc, const char *ov, diag *d)
{
    char buf[512];
    if (strlen(ov) >= sizeof buf)
        return diag_set(d, DIAG_USAGE, "--set %.40s...: too long", ov);
    /* the same text rules as a file: no control characters, UTF-8 (a
     * non-UTF-8 name would silently vanish from summary.json) */
    for (const char *p = ov; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return diag_set(d, DIAG_USAGE, "--set: a control character (0x%02X) in the "
                            "override at position %d", (unsigned char)*p, (int)(p - ov) + 1);
    if (!utf8_valid(ov, strlen(ov)))
        return diag_set(d, DIAG_USAGE, "--set: the override is not UTF-8 text");
    snprintf(buf, sizeof buf, "%s", ov);
    char *eq = strchr(buf, '=');
    if (!eq)
        return diag_set(d, DIAG_USAGE,
                        "--set %s: expected section.key=value (e.g. --set economics.gross_margin=0.6)",
                        ov);
    *eq = '\0';
    const char *value = eq + 1;
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *dot = strrchr(buf, '.');
    if (!dot || dot == buf || !dot[1])
        return diag_set(d, DIAG_USAGE,
                        "--set %s: expected section.key=value (e.g. --set economics.gross_margin=0.6)",
                        ov);
    *dot = '\0';
    const char *secname = buf, *keyname = dot + 1;
    char label[SCEN_TEXT_MAX];
    const scen_section *s = find_section(secname, label, sizeof label);
    char where[600];
    snprintf(where, sizeof where, "--set [%s]", secname);
    if (!s) {
        const char *names[128];
        section_names(names, 128);
        const scen_section *bare = bare_repeatable(secname);
        if (bare)
            return diag_set(d, DIAG_USAGE,
                            "--set %s: name the %s: --set %s.NAME.%s=%s (NAME as in [%s.NAME])",
                            ov, bare->name, bare->name, keyname, value, bare->name);
        const char *near = diag_nearest(secname, names);
        if (near)
            return diag_set(d, DIAG_USAGE, "--set %s: unknown section [%s] (did you mean [%s]?)",
                            ov, secname, near);
        return diag_set(d, DIAG_USAGE, "--set %s: unknown section [%s]", ov, secname);
    }
    const scen_key *k = find_key(s, keyname);
    if (!k)
        return unknown_key(where, s, keyname, d);
    /* the base is read with the file, before any --set: changing it
     * afterwards would be silently ignored */
    if (s == &section_scenario_ref && !strcmp(k->name, "base"))
        return diag_set(d, DIAG_USAGE,
                        "--set %s: the base cannot be changed with --set (it is read with the "
                        "file, before the overrides); write base = ... in the scenario instead",
                        ov);
    scen_instance *in = find_instance(sc, s, label);
    if (!in) {
        if (s->max_instances > 1)
            return diag_set(d, DIAG_USAGE,
                            "--set %s: the scenario has no [%s.%s] section to change",
                            ov, s->name, label);
        in = add_instance(sc, s, label, d);
        if (!in)
            return d->status;
    }
    in->present = 1;
    in->set_mask |= 1ULL << (k - s->keys);
    scen_dist dist;
    if (parse_value(k, value, in->params, where, secname, &dist, d) || set_dist(in, k, &dist, d))
        return d->status;
    resolve_file_keys(sc, s, k, NULL, in->params);
    return 0;
}

#define MAX_BASE_DEPTH 8
/* iniparser reads lines of at most this many characters */
#define INI_LINE_MAX 1024
/* Counted in the text before iniparser sees it: its dictionary inserts are
 * linear scans (quadratic in the keys), so 100,000 sections would take
 * minutes.  A scenario holds at most SCEN_MAX_INSTANCES sections, each of
 * at most 64 keys (set_mask has 64 bits), so these refuse nothing real. */
#define SCEN_MAX_SECTION_LINES SCEN_MAX_INSTANCES
#define SCEN_MAX_KEY_LINES (SCEN_MAX_INSTANCES * 64)
#define SCEN_MAX_LINES 65536

/* What iniparser would report badly or not at all: lines too long, empty []
 * headers, ':' in a header (iniparser's own separator between section and
 * key), and more sections, keys or lines than a scenario can hold. */
static int check_lines(const char *text, const char *path, diag *d)
{
    int line = 0, sections = 0, keys = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        line++;
        if (line > SCEN_MAX_LINES)
            return diag_set(d, DIAG_USAGE, "%s: more than %d lines: a scenario is far shorter",
                            path, SCEN_MAX_LINES);
        if (eol - p >= INI_LINE_MAX - 1)
            return diag_set(d, DIAG_USAGE, "%s:%d: line too long: more than %d characters; shorten it",
                            path, line, INI_LINE_MAX - 2);
        const char *s = p;
        while (s < eol && isspace((unsigned char)*s))
            s++;
        if (s < eol && *s == '[') {
            const char *q = s + 1;
            while (q < eol && isspace((unsigned char)*q))
                q++;
            if (q < eol && *q == ']')
                return diag_set(d, DIAG_USAGE, "%s:%d: empty section name []; write e.g. [churn]",
                                path, line);
            const char *close = memchr(s, ']', (size_t)(eol - s));
            const char *colon = memchr(s, ':', (size_t)((close ? close : eol) - s));
            if (colon)
                return diag_set(d, DIAG_USAGE,
                                "%s:%d: ':' in the section name [%.*s]: section names take "
                                "letters, digits, '_' and a '.' before a label, e.g. [channel.walkin]",
                                path, line, (int)((close ? close : eol) - s - 1), s + 1);
            if (++sections > SCEN_MAX_SECTION_LINES)
                return diag_set(d, DIAG_USAGE, "%s:%d: more than %d sections: a scenario holds "
                                "at most %d", path, line, SCEN_MAX_SECTION_LINES,
                                SCEN_MAX_INSTANCES);
        } else if (s < eol && *s != ';' && *s != '#' && memchr(s, '=', (size_t)(eol - s))) {
            if (++keys > SCEN_MAX_KEY_LINES)
                return diag_set(d, DIAG_USAGE, "%s:%d: more than %d keys: a scenario holds at "
                                "most %d sections of at most 64 keys", path, line,
                                SCEN_MAX_KEY_LINES, SCEN_MAX_INSTANCES);
        }
        p = *eol ? eol + 1 : eol;
    }
    return 0;
}

/* A file is read as a scenario, and may be quoted in messages, only when
 * its name ends in .ini, it is UTF-8 text, and at least one of its [headers]
 * names a retsim section.  Anything else (base = /etc/shadow, a binary, an
 * other program's INI file) is refused without a word of its content. */
static int not_a_scenario(const char *path, const char *text, size_t len, diag *d)
{
    size_t n = strlen(path);
    if (n < 4 || strcasecmp(path + n - 4, ".ini"))
        return diag_set(d, DIAG_USAGE, "%s: not a scenario file (the name does not end in .ini)",
                        path);
    if (!utf8_valid(text, len))
        return diag_set(d, DIAG_USAGE, "%s: not a scenario file (not UTF-8 text)", path);
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *s = p;
        while (s < eol && isspace((unsigned char)*s))
            s++;
        const char *close = s < eol && *s == '[' ? memchr(s, ']', (size_t)(eol - s)) : NULL;
        if (close) {
            char name[SCEN_TEXT_MAX], label[SCEN_TEXT_MAX];
            trim_lower(name, sizeof name, s + 1, close);
            if (find_section(name, label, sizeof label) || bare_repeatable(name))
                return 0;
        }
        p = *eol ? eol + 1 : eol;
    }
    return diag_set(d, DIAG_USAGE, "%s: not a scenario file (no retsim [section] in it, such as "
                    "[scenario] or [channel.NAME])", path);
}

/* iniparser 4.1 loads from a path only.  Handing it the user's path again
 * would read a second, possibly different file (a swapped file, a FIFO):
 * it gets the bytes already read and checked, in a private memory file
 * (memfd) opened through /proc/self/fd, or an unlinked temporary file when
 * memfd or /proc is missing.  shown receives the path iniparser was given,
 * which its messages quote. */
static dictionary *ini_load_bytes(const char *text, size_t len, char *shown, size_t cap)
{
    char tmp[4096] = "";
    int fd = memfd_create("retsim-scenario", MFD_CLOEXEC);
    if (fd < 0) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/retsim-scenario-XXXXXX", dir && *dir ? dir : "/tmp");
        fd = mkstemp(tmp);
        if (fd < 0)
            return NULL;
    }
    dictionary *ini = NULL;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto out;
        done += (size_t)w;
    }
    snprintf(shown, cap, "/proc/self/fd/%d", fd);
    if (access(shown, R_OK)) {
        if (!tmp[0])
            goto out;
        snprintf(shown, cap, "%s", tmp);
    }
    ini = iniparser_load(shown);
out:
    if (tmp[0])
        unlink(tmp);
    close(fd);
    return ini;
}

typedef struct load_ctx {
    scen_reader read;
    void *read_ctx;
    char chain[MAX_BASE_DEPTH][4096];   /* real paths being loaded: a file cannot include itself */
} load_ctx;

/* Loads one file into sc, its base first: a variant is its base with some
 * keys changed. */
static int load_file(scenario *sc, const char *path, load_ctx *lc, int depth, diag *d)
{
    line_map map = { 0 };
    dictionary *ini = NULL;
    size_t len = 0;
    char *text = lc->read(lc->read_ctx, path, &len, d);
    int status = DIAG_USAGE;
    if (!text)
        return d->status;
    char (*chain)[4096] = lc->chain;
    if (!realpath(path, chain[depth]))
        snprintf(chain[depth], 4096, "%s", path);
    for (int k = 0; k < depth; k++)
        if (!strcmp(chain[k], chain[depth])) {
            diag_set(d, DIAG_USAGE, "%s: base scenarios loop back to %s (a scenario cannot include itself)",
                     sc->path, path);
            goto done;
        }
    if (len >= 3 && !strncmp(text, "\xEF\xBB\xBF", 3)) {
        diag_set(d, DIAG_USAGE, "%s: starts with a UTF-8 byte-order mark, which the INI reader "
                                "cannot take; save the file as UTF-8 without BOM", path);
        goto done;
    }
    /* the file named on the command line gets the line of a bad byte; a
     * base that is not text is simply not a scenario */
    if ((depth == 0 && input_check_text(text, len, path, d)) || not_a_scenario(path, text, len, d))
        goto done;
    if (check_lines(text, path, d))
        goto done;
    if (map_build(&map, text)) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    char shown[4200];
    ini_error[0] = '\0';
    iniparser_set_error_callback(capture_ini_error);
    ini = ini_load_bytes(text, len, shown, sizeof shown);
    iniparser_set_error_callback(NULL);
    if (!ini || ini_error[0]) {
        /* iniparser says "iniparser: syntax error in FILE (LINE):\n-> TEXT" */
        int line = 0;
        char bad[256] = "";
        /* the line number follows the path; the quoted text may hold '(' too */
        const char *at = strstr(ini_error, shown);
        const char *paren = at ? strchr(at + strlen(shown), '(') : NULL;
        if (paren)
            line = atoi(paren + 1);
        const char *arrow = strstr(ini_error, "-> ");
        if (arrow) {
            snprintf(bad, sizeof bad, "%s", arrow + 3);
            bad[strcspn(bad, "\r\n")] = '\0';
        }
        if (line)
            diag_set(d, DIAG_USAGE,
                     "%s:%d: INI syntax error near '%s': expected [section], key = value, or a ; comment",
                     path, line, bad);
        else if (ini)
            diag_set(d, DIAG_USAGE, "%s: cannot be read as an INI file", path);
        else
            diag_set(d, DIAG_RUNTIME, "%s: cannot hand the scenario to the INI reader: %s", path,
                     strerror(errno));
        goto done;
    }
    const char *base = iniparser_getstring(ini, "scenario:base", NULL);
    if (base && *base) {
        int line = map_line(&map, "scenario", "base");
        if (depth + 1 >= MAX_BASE_DEPTH) {
            diag_set(d, DIAG_USAGE, "%s: base scenarios nested more than %d deep", path,
                     MAX_BASE_DEPTH);
            goto done;
        }
        /* a relative base is relative to the folder of the file that names it */
        char base_path[4096];
        const char *slash = strrchr(path, '/');
        if (base[0] == '/' || !slash)
            snprintf(base_path, sizeof base_path, "%s", base);
        else
            snprintf(base_path, sizeof base_path, "%.*s/%s", (int)(slash - path), path, base);
        diag inner = { 0 };
        if (load_file(sc, base_path, lc, depth + 1, &inner)) {
            /* the base's own message already names its file and line */
            if (!strncmp(inner.msg, base_path, strlen(base_path)))
                diag_set(d, inner.status, "%s:%d: [scenario] base = %s: %s", path, line, base,
                         inner.msg);
            else
                diag_set(d, inner.status, "%s", inner.msg);
            goto done;
        }
        /* the variant is named after itself unless it says otherwise */
        scen_instance *in = find_instance(sc, &section_scenario_ref, "");
        const scen_key *name = find_key(&section_scenario_ref, "name");
        if (in && name) {
            ((char *)in->params)[name->offset] = '\0';
            in->set_mask &= ~(1ULL << (name - section_scenario_ref.keys));
        }
    }
    if (load_dictionary(sc, path, ini, &map, d))
        goto done;
    status = 0;
done:
    if (ini)
        iniparser_freedict(ini);
    free(map.e);
    if (depth == 0 && !status)
        sc->text = text;
    else
        free(text);
    return status;
}

static void draws_free(scen_draws *t)
{
    if (!t)
        return;
    free(t->inst);
    free(t->key);
    free(t->v);
    free(t);
}

/* "section.key" or "section.label.key": the name a key has in --set, in a
 * draws file's header, and in the hash that keys its draws. */
static void key_path(const scen_instance *in, const scen_key *k, char *buf, size_t cap)
{
    if (in->label[0])
        snprintf(buf, cap, "%s.%s.%s", in->section->name, in->label, k->name);
    else
        snprintf(buf, cap, "%s.%s", in->section->name, k->name);
}

/* ---- [uncertainty] draws: joint draws of number keys, from a CSV ---- */

/* The next field of a CSV line (numbers and names only: no quoting), trimmed. */
static const char *csv_field(const char *p, const char *eol, char *buf, size_t cap, int *more)
{
    const char *comma = memchr(p, ',', (size_t)(eol - p));
    const char *end = comma ? comma : eol;
    trim_lower(buf, cap, p, end);
    *more = comma != NULL;
    return comma ? comma + 1 : eol;
}

static int load_draws(scenario *sc, diag *d)
{
    const char *path = sc->draws_path;
    size_t len = strlen(path);
    /* as for a base (docs/hardening.md): a file that is not a draws file is
     * refused without a word of its content */
    if (len < 4 || strcasecmp(path + len - 4, ".csv"))
        return diag_set(d, DIAG_USAGE, "%s: [uncertainty] draws = %s: not a parameter draws file "
                        "(the name does not end in .csv)", sc->path, path);
    diag inner = { 0 };
    char *text = input_read_all(path, INPUT_TRANSACTIONS, "parameter draws", &len, &inner);
    if (!text)
        return diag_set(d, inner.status, "%s: [uncertainty] draws = %s: %s", sc->path, path,
                        inner.msg);
    if (input_check_text(text, len, path, d)) {
        free(text);
        return d->status;
    }
    scen_draws *t = calloc(1, sizeof *t);
    int cap_cols = 64, cap_vals = 0, status = 0;
    if (!t || !(t->inst = calloc((size_t)cap_cols, sizeof *t->inst))
        || !(t->key = calloc((size_t)cap_cols, sizeof *t->key))) {
        status = diag_set(d, DIAG_RUNTIME, "out of memory");
        goto done;
    }
    int line = 0;
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *end = eol;
        if (end > p && end[-1] == '\r')
            end--;
        line++;
        const char *s = p;
        while (s < end && isspace((unsigned char)*s))
            s++;
        const char *next = *eol ? eol + 1 : eol;
        if (s == end) {          /* blank lines anywhere are nothing */
            p = next;
            continue;
        }
        if (!t->ncols) {         /* the header: section.key names */
            int more = 1, col = 0, known = 0;
            for (const char *q = s; more && !known;) {
                char name[3 * SCEN_TEXT_MAX], label[SCEN_TEXT_MAX];
                q = csv_field(q, end, name, sizeof name, &more);
                char *dot = strrchr(name, '.');
                if (dot) {
                    *dot = '\0';
                    known = find_section(name, label, sizeof label) != NULL;
                }
            }
            if (!known) {
                status = diag_set(d, DIAG_USAGE, "%s:%d: not a parameter draws file (no section.key "
                                  "column, such as churn.mean or bgnbd.r, in its header)", path, line);
                goto done;
            }
            more = 1;
            for (const char *q = s; more; col++) {
                char name[3 * SCEN_TEXT_MAX];
                q = csv_field(q, end, name, sizeof name, &more);
                if (col == cap_cols) {
                    status = diag_set(d, DIAG_USAGE, "%s:%d: more than %d columns", path, line,
                                      cap_cols);
                    goto done;
                }
                char *dot = strrchr(name, '.');
                if (!dot || dot == name || !dot[1]) {
                    status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s': expected a "
                                      "section.key name (e.g. bgnbd.r, or channel.walkin."
                                      "step_conversion)", path, line, col + 1, name);
                    goto done;
                }
                *dot = '\0';
                char label[SCEN_TEXT_MAX];
                const scen_section *sec = find_section(name, label, sizeof label);
                if (!sec) {
                    status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s.%s': unknown section "
                                      "[%s]", path, line, col + 1, name, dot + 1, name);
                    goto done;
                }
                const scen_key *k = find_key(sec, dot + 1);
                if (k && k->kind != KEY_REAL) {
                    status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s.%s': not a number key "
                                      "(only those can be drawn: not whole numbers, choices or "
                                      "text)", path, line, col + 1, name, dot + 1);
                    goto done;
                }
                if (!k) {
                    const char *names[64];
                    int n = 0;
                    for (const scen_key *kk = sec->keys; kk->name && n < 63; kk++)
                        if (kk->kind == KEY_REAL)
                            names[n++] = kk->name;
                    names[n] = NULL;
                    const char *near = diag_nearest(dot + 1, names);
                    char suggestion[160] = "";
                    if (near)
                        snprintf(suggestion, sizeof suggestion, tr(lang_ui(), " (did you mean '%s'?)"),
                                 near);
                    status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s.%s': [%s] has no number "
                                      "key '%s'%s", path, line, col + 1, name, dot + 1, name,
                                      dot + 1, suggestion);
                    goto done;
                }
                scen_instance *in = find_instance(sc, sec, label);
                if (!in || !in->present) {
                    status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s.%s': the scenario %s has "
                                      "no [%s] section for it", path, line, col + 1, name, dot + 1,
                                      sc->path, name);
                    goto done;
                }
                int ki = (int)(k - sec->keys);
                for (int c = 0; c < col; c++)
                    if (t->inst[c] == (int)(in - sc->inst) && t->key[c] == k) {
                        status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s.%s' appears twice "
                                          "(first as column %d)", path, line, col + 1, name,
                                          dot + 1, c + 1);
                        goto done;
                    }
                if (in->dist && in->dist[ki].kind != DIST_NONE) {
                    char dtext[128];
                    scen_dist_format(&in->dist[ki], dtext, sizeof dtext);
                    status = diag_set(d, DIAG_USAGE, "%s:%d: column %d '%s.%s': the scenario also "
                                      "gives it a distribution (%s); keep one of the two", path,
                                      line, col + 1, name, dot + 1, dtext);
                    goto done;
                }
                t->inst[col] = (int)(in - sc->inst);
                t->key[col] = k;
            }
            t->ncols = col;
            p = next;
            continue;
        }
        if (t->nrows * t->ncols + t->ncols > cap_vals) {
            int cap = cap_vals ? 2 * cap_vals : 64 * t->ncols;
            double *v = realloc(t->v, (size_t)cap * sizeof *v);
            if (!v) {
                status = diag_set(d, DIAG_RUNTIME, "out of memory");
                goto done;
            }
            t->v = v;
            cap_vals = cap;
        }
        double *row = t->v + (size_t)t->nrows * t->ncols;
        int more = 1, col = 0;
        for (const char *q = s; more; col++) {
            char field[64];
            const char *from = q;
            q = csv_field(q, end, field, sizeof field, &more);
            if (col >= t->ncols)
                continue;        /* counted, and refused below */
            if (q - from - more >= (long)sizeof field)
                field[0] = '\0';  /* no number is that long: refused below, not cut */
            const scen_key *k = t->key[col];
            char name[3 * SCEN_TEXT_MAX];
            key_path(&sc->inst[t->inst[col]], k, name, sizeof name);
            char *fend;
            errno = 0;
            double x = strtod(field, &fend);
            if (!field[0] || *fend || errno == ERANGE || !isfinite(x) || strpbrk(field, "xX")) {
                status = diag_set(d, DIAG_USAGE, "%s:%d: column %d (%s): '%.*s' is not a number",
                                  path, line, col + 1, name, (int)(q - from - more), from);
                goto done;
            }
            int below = (k->flags & KEY_MIN_OPEN) ? x <= k->min : x < k->min;
            int above = (k->flags & KEY_MAX_OPEN) ? x >= k->max : x > k->max;
            if (below || above) {
                char range[256];
                scen_key_range(k, range, sizeof range);
                status = diag_set(d, DIAG_USAGE, "%s:%d: column %d (%s) = %s is out of range: "
                                  "allowed %s%s%s", path, line, col + 1, name, field, range,
                                  k->unit && *k->unit ? " " : "", k->unit ? k->unit : "");
                goto done;
            }
            row[col] = x == 0 ? 0 : x;
        }
        if (col != t->ncols) {
            status = diag_set(d, DIAG_USAGE, "%s:%d: %d values, but the header names %d columns",
                              path, line, col, t->ncols);
            goto done;
        }
        t->nrows++;
        p = next;
    }
    if (!t->ncols)
        status = diag_set(d, DIAG_USAGE, "%s: empty: expected a header of section.key names "
                          "(e.g. bgnbd.r,bgnbd.alpha), then one row of values per draw", path);
    else if (!t->nrows)
        status = diag_set(d, DIAG_USAGE, "%s: a header but no rows: expected one row of values "
                          "per draw", path);
done:
    free(text);
    if (status) {
        draws_free(t);
        return status;
    }
    sc->draws = t;
    return 0;
}

scenario *scen_draw(const scenario *sc, uint64_t seed, int draw, diag *d)
{
    scenario *c = malloc(sizeof *c);
    if (!c) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    memcpy(c, sc, sizeof *c);
    c->text = NULL;
    c->draws = NULL;
    for (int i = 0; i < c->ninst; i++) {
        c->inst[i].params = NULL;
        c->inst[i].dist = NULL;
    }
    for (int i = 0; i < c->ninst; i++) {
        if (!(c->inst[i].params = malloc(sc->inst[i].section->size))) {
            scen_free(c);
            diag_set(d, DIAG_RUNTIME, "out of memory");
            return NULL;
        }
        memcpy(c->inst[i].params, sc->inst[i].params, sc->inst[i].section->size);
    }
    /* every key the files left out back to its default (NAN for the
     * optional and per-bill ones), as a fresh load would have it: the
     * checks below then derive them from the drawn values (a per-bill
     * default follows a drawn bill) */
    for (int i = 0; i < c->ninst; i++) {
        scen_instance *in = &c->inst[i];
        for (const scen_key *k = in->section->keys; k->name; k++) {
            if ((in->set_mask >> (k - in->section->keys)) & 1)
                continue;
            char *field = (char *)in->params + k->offset;
            if (k->kind == KEY_REAL)
                *(double *)field = (k->flags & (KEY_OPTIONAL | KEY_PER_BILL)) ? NAN : k->def;
            else if (k->kind != KEY_TEXT)
                *(int *)field = (int)k->def;
        }
    }
    /* each key on its own stream, keyed by its name: the same key in a
     * base and a variant draws the same value (common random numbers), and
     * a key added or removed moves no other key's draw */
    for (int i = 0; i < c->ninst; i++) {
        const scen_instance *in = &sc->inst[i];
        for (int j = 0; in->dist && in->section->keys[j].name; j++) {
            if (in->dist[j].kind == DIST_NONE)
                continue;
            const scen_key *k = &in->section->keys[j];
            char name[3 * SCEN_TEXT_MAX];
            key_path(in, k, name, sizeof name);
            rng_stream st;
            rng_stream_init(&st, seed, RNG_PARAM, (uint64_t)draw, dist_hash(name), RNG_PARAM);
            *(double *)((char *)c->inst[i].params + k->offset) = dist_sample(&in->dist[j], k, &st.rng);
        }
    }
    /* one row of the joint draws, by a hash of (seed, draw): not by
     * position, so that draw 0 is not always the file's first row */
    const scen_draws *t = sc->draws;
    if (t) {
        uint64_t h = rng_key(rng_key(rng_key_seed(seed), RNG_PARAM_ROW), (uint64_t)draw);
        int row = (int)(rng_mix(h) % (uint64_t)t->nrows);
        for (int col = 0; col < t->ncols; col++)
            *(double *)((char *)c->inst[t->inst[col]].params + t->key[col]->offset)
                = t->v[(size_t)row * t->ncols + col];
    }
    for (int i = 0; i < c->ninst; i++) {
        scen_instance *in = &c->inst[i];
        if (in->section->check
            && in->section->check(in->params, in->label[0] ? in->label : NULL, c, d)) {
            char msg[sizeof d->msg];
            snprintf(msg, sizeof msg, "%.900s: parameter draw %d: %.1100s", sc->path, draw, d->msg);
            snprintf(d->msg, sizeof d->msg, "%s", msg);
            scen_free(c);
            return NULL;
        }
    }
    return c;
}

scenario *scen_load(const char *path, const char *const *overrides,
                    int noverrides, diag *d)
{
    return scen_load_with(path, overrides, noverrides, read_scenario_file, NULL, d);
}

scenario *scen_load_with(const char *path, const char *const *overrides, int noverrides,
                         scen_reader read, void *read_ctx, diag *d)
{
    scenario *sc = calloc(1, sizeof *sc);
    load_ctx *lc = calloc(1, sizeof *lc);
    if (!sc || !lc) {
        free(sc);
        free(lc);
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    lc->read = read;
    lc->read_ctx = read_ctx;
    snprintf(sc->path, sizeof sc->path, "%s", path);
    int status = load_file(sc, path, lc, 0, d);
    free(lc);
    if (status)
        goto fail;
    for (int i = 0; i < noverrides; i++)
        if (apply_override(sc, overrides[i], d))
            goto fail;
    /* Plain sections the file leaves out still exist, with their defaults. */
    const scen_section *const *all = scen_all_sections();
    for (int i = 0; all[i]; i++)
        if (all[i]->max_instances == 1 && !find_instance(sc, all[i], "")
            && !add_instance(sc, all[i], "", d))
            goto fail;
    if (sc->draws_path[0] && load_draws(sc, d))
        goto fail;
    for (int i = 0; i < sc->ninst; i++) {
        scen_instance *in = &sc->inst[i];
        if (in->section->check
            && in->section->check(in->params, in->label[0] ? in->label : NULL,
                                  sc, d)) {
            /* prefix the location when the check did not */
            if (in->line && strncmp(d->msg, sc->path, strlen(sc->path))) {
                char msg[sizeof d->msg];
                snprintf(msg, sizeof msg, "%.900s:%d: %.1100s", sc->path, in->line, d->msg);
                snprintf(d->msg, sizeof d->msg, "%s", msg);
            } else if (!in->line && strncmp(d->msg, sc->path, strlen(sc->path))) {
                char msg[sizeof d->msg];
                snprintf(msg, sizeof msg, "%.900s: %.1100s", sc->path, d->msg);
                snprintf(d->msg, sizeof d->msg, "%s", msg);
            }
            goto fail;
        }
    }
    return sc;
fail:
    scen_free(sc);
    return NULL;
}

void scen_free(scenario *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->ninst; i++) {
        free(sc->inst[i].params);
        free(sc->inst[i].dist);
    }
    draws_free(sc->draws);
    free(sc->text);
    free(sc);
}

int scen_uncertain_count(const scenario *sc)
{
    int n = sc->draws ? 1 : 0;
    for (int i = 0; i < sc->ninst; i++)
        for (int j = 0; sc->inst[i].dist && sc->inst[i].section->keys[j].name; j++)
            n += sc->inst[i].dist[j].kind != DIST_NONE;
    return n;
}


void scen_default_per_bill(const scen_section *s, void *params, double bill)
{
    for (const scen_key *k = s->keys; k->name; k++) {
        double *field = (double *)((char *)params + k->offset);
        if (k->kind == KEY_REAL && (k->flags & KEY_PER_BILL) && isnan(*field))
            *field = k->def * bill;
    }
}

const void *scen_get(const scenario *sc, const scen_section *sec)
{
    for (int i = 0; i < sc->ninst; i++)
        if (sc->inst[i].section == sec)
            return sc->inst[i].params;
    return NULL;
}

int scen_present(const scenario *sc, const scen_section *sec)
{
    for (int i = 0; i < sc->ninst; i++)
        if (sc->inst[i].section == sec && sc->inst[i].present)
            return 1;
    return 0;
}

int scen_is_set(const scenario *sc, const scen_section *sec, const char *label,
                const char *key)
{
    const scen_key *k = find_key(sec, key);
    for (int i = 0; k && i < sc->ninst; i++)
        if (sc->inst[i].section == sec && !strcmp(sc->inst[i].label, label ? label : ""))
            return (int)((sc->inst[i].set_mask >> (k - sec->keys)) & 1);
    return 0;
}

int scen_effects_text(const scenario *sc, const scen_section *sec, char *buf, size_t cap, int lang)
{
    int n = 0;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < sc->ninst; i++) {
        const scen_instance *in = &sc->inst[i];
        if (in->section != sec || !in->present)
            continue;
        for (const scen_key *k = sec->keys; k->name; k++) {
            if (!(k->flags & KEY_EFFECT) || k->kind != KEY_REAL || used + 1 >= cap)
                continue;
            size_t idx = (size_t)(k - sec->keys);
            double v = *(const double *)((const char *)in->params + k->offset);
            char value[32], note[128] = "";
            format_number(value, sizeof value, v);
            const scen_dist *dist = in->dist ? &in->dist[idx] : NULL;
            if (dist && dist->kind != DIST_NONE) {
                char lo[32], hi[32];
                format_number(lo, sizeof lo, dist_quantile(dist, k, 0.025));
                format_number(hi, sizeof hi, dist_quantile(dist, k, 0.975));
                snprintf(note, sizeof note, tr((lang_id)lang, " (uncertain: 95 %% within %s to %s)"), lo, hi);
            } else if (!((in->set_mask >> idx) & 1))
                snprintf(note, sizeof note, " %s", tr((lang_id)lang, "(default)"));
            int w = snprintf(buf + used, cap - used, "%s%s%s%s = %s%s", n ? ", " : "", in->label,
                             in->label[0] ? "." : "", k->name, value, note);
            if (w < 0 || (size_t)w >= cap - used) {
                buf[used] = '\0';
                break;
            }
            used += (size_t)w;
            n++;
        }
    }
    return n;
}

int scen_count(const scenario *sc, const scen_section *sec)
{
    int n = 0;
    for (int i = 0; i < sc->ninst; i++)
        n += sc->inst[i].section == sec;
    return n;
}

const void *scen_nth(const scenario *sc, const scen_section *sec, int k,
                     const char **label)
{
    for (int i = 0; i < sc->ninst; i++)
        if (sc->inst[i].section == sec && k-- == 0) {
            if (label)
                *label = sc->inst[i].label;
            return sc->inst[i].params;
        }
    return NULL;
}

void scen_write_reference(FILE *f, int markdown)
{
    const scen_section *const *all = scen_all_sections();
    lang_id ui = lang_ui();
    if (markdown)
        fprintf(f, "# Scenario reference\n\n"
                   "Generated by `retsim keys --markdown` from the key tables in the code; "
                   "do not edit by hand.\n\n"
                   "A scenario is an INI file. Sections and keys are case-insensitive; a "
                   "section left out takes its defaults. Money is in the scenario's currency, "
                   "time in days, probabilities and shares as fractions (5 %% is 0.05).\n\n"
                   "A default written \"0.75 x bill\" is that multiple of the business's average "
                   "bill ([spend] mean for the satisfaction model, the customer model's average "
                   "bill for a promotion), so the defaults fit a 40-yuan haircut and a 2,800-yuan "
                   "treatment alike; a value written in the file is an absolute amount in the "
                   "scenario's currency.\n\n"
                   "A number key may hold a distribution instead of a number, drawn once per pair "
                   "of replications: `beta(a, b)`, `uniform(lo, hi)` or `lo..hi`, `normal(mean, "
                   "sd)`, `lognormal(mu, sigma)` (of the log), `gamma(shape, scale)`; its mean is "
                   "the key's point value, and the values it can take must lie in the key's range "
                   "(a normal's mean +/- 6 sd). See [uncertainty] and docs/whatif.md.\n\n");
    for (int i = 0; all[i]; i++) {
        const scen_section *s = all[i];
        if (markdown) {
            if (s->max_instances > 1)
                fprintf(f, "## [%s.NAME] (up to %d)\n\n%s\n\n", s->name,
                        s->max_instances, s->help);
            else
                fprintf(f, "## [%s]\n\n%s\n\n", s->name, s->help);
            fprintf(f, "| key | type | default | allowed | unit | meaning |\n"
                       "|---|---|---|---|---|---|\n");
        } else {
            /* `retsim keys` in the UI language; the Markdown (docs) stays English */
            if (s->max_instances > 1)
                fprintf(f, tr(ui, "[%s.NAME]  (up to %d)\n  %s\n"), s->name,
                        s->max_instances, tr(ui, s->help));
            else
                fprintf(f, "[%s]\n  %s\n", s->name, tr(ui, s->help));
        }
        for (const scen_key *k = s->keys; k->name; k++) {
            char range[256], def[64];
            scen_key_range_in(k, range, sizeof range, markdown ? LANG_EN : ui);
            format_default(k, def, sizeof def, markdown ? LANG_EN : ui);
            const char *type = k->kind == KEY_CHOICE ? "choice" : kind_name(k);
            if (markdown)
                fprintf(f, "| `%s` | %s | %s | %s | %s | %s%s |\n", k->name, type,
                        def, range, k->unit ? k->unit : "",
                        (k->flags & KEY_EFFECT) ? "*Assumed effect* (how customers respond; "
                                                  "measure it with `retsim pilot`): "
                                                : "",
                        k->help);
            else {
                char unit[128] = "";
                if (k->unit && *k->unit)
                    snprintf(unit, sizeof unit, tr(ui, "; %s"), scen_unit(k->unit, ui));
                fprintf(f, tr(ui, "  %-24s %s (default %s; allowed %s%s)\n      %s\n"),
                        k->name, k->kind == KEY_CHOICE ? trc(ui, "key kind", "choice")
                                                       : trc(ui, "key kind", type),
                        def, range, unit, tr(ui, k->help));
                if (k->flags & KEY_EFFECT)
                    fprintf(f, "      %s\n",
                            tr(ui, "(an assumed effect: how customers respond; measure it with retsim pilot)"));
            }
        }
        fprintf(f, "\n");
    }
}

void scen_write_resolved(FILE *f, const scenario *sc)
{
    fprintf(f, "; %s as run by retsim (bases and --set overrides resolved)\n", sc->path);
    for (int i = 0; i < sc->ninst; i++) {
        const scen_instance *in = &sc->inst[i];
        if (!in->present)
            continue;
        if (in->label[0])
            fprintf(f, "\n[%s.%s]\n", in->section->name, in->label);
        else
            fprintf(f, "\n[%s]\n", in->section->name);
        for (const scen_key *k = in->section->keys; k->name; k++) {
            if (!((in->set_mask >> (k - in->section->keys)) & 1) || !strcmp(k->name, "base"))
                continue;
            const char *field = (const char *)in->params + k->offset;
            switch (k->kind) {
            case KEY_REAL: {
                if (in->dist && in->dist[k - in->section->keys].kind != DIST_NONE) {
                    char text[160];
                    scen_dist_format(&in->dist[k - in->section->keys], text, sizeof text);
                    fprintf(f, "%s = %s\n", k->name, text);
                    break;
                }
                /* the shortest text that reads back as the same double */
                double x = *(const double *)field;
                char num[40];
                for (int digits = 15; digits <= 17; digits++) {
                    snprintf(num, sizeof num, "%.*g", digits, x);
                    if (strtod(num, NULL) == x)
                        break;
                }
                fprintf(f, "%s = %s\n", k->name, num);
                break;
            }
            case KEY_INT:
                fprintf(f, "%s = %d\n", k->name, *(const int *)field);
                break;
            case KEY_BOOL:
                fprintf(f, "%s = %s\n", k->name, *(const int *)field ? "true" : "false");
                break;
            case KEY_CHOICE:
                fprintf(f, "%s = %s\n", k->name, k->choices[*(const int *)field]);
                break;
            case KEY_TEXT: {
                /* a file a key names, wherever this copy is read: its full path */
                char full[4096];
                const char *resolved = in->section == &section_uncertainty && !strcmp(k->name, "draws")
                                           ? sc->draws_path
                                       : in->section == &section_base && !strcmp(k->name, "customers")
                                           ? sc->base_path
                                           : NULL;
                if (resolved && resolved[0] && realpath(resolved, full) && strlen(full) < SCEN_TEXT_MAX)
                    field = full;
                fprintf(f, "%s = \"%s\"\n", k->name, field);
                break;
            }
            }
        }
    }
}

/* A key named "section.key" or "section.LABEL.key" (as --set takes it),
 * for the commands that vary keys themselves (retsim calibrate). */
const scen_key *scen_find_key(const scenario *sc, const char *dotted, const char *opt,
                              const void **params, diag *d)
{
    char buf[512];
    if (strlen(dotted) >= sizeof buf)
        return diag_set(d, DIAG_USAGE, "%s %.40s...: too long", opt, dotted), NULL;
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *dot = strrchr(buf, '.');
    if (!dot || dot == buf || !dot[1])
        return diag_set(d, DIAG_USAGE, "%s %s: expected section.key (e.g. churn.mean)", opt, dotted), NULL;
    *dot = '\0';
    const char *secname = buf, *keyname = dot + 1;
    char label[SCEN_TEXT_MAX];
    const scen_section *s = find_section(secname, label, sizeof label);
    if (!s) {
        const char *names[128];
        section_names(names, 128);
        const scen_section *bare = bare_repeatable(secname);
        if (bare)
            return diag_set(d, DIAG_USAGE, "%s %s: name the %s: %s.NAME.%s (NAME as in [%s.NAME])", opt,
                            dotted, bare->name, bare->name, keyname, bare->name), NULL;
        const char *near = diag_nearest(secname, names);
        if (near)
            return diag_set(d, DIAG_USAGE, "%s %s: unknown section [%s] (did you mean [%s]?)", opt, dotted,
                            secname, near), NULL;
        return diag_set(d, DIAG_USAGE, "%s %s: unknown section [%s]", opt, dotted, secname), NULL;
    }
    const scen_key *k = find_key(s, keyname);
    if (!k) {
        char where[600];
        snprintf(where, sizeof where, "%s [%s]", opt, secname);
        unknown_key(where, s, keyname, d);
        return NULL;
    }
    const void *p = NULL;
    for (int i = 0; i < sc->ninst && !p; i++)
        if (sc->inst[i].section == s && !strcmp(sc->inst[i].label, label))
            p = sc->inst[i].params;
    if (!p && s->max_instances == 1)
        p = scen_get(sc, s);
    if (!p)
        return diag_set(d, DIAG_USAGE, "%s %s: the scenario has no [%s.%s] section", opt, dotted, s->name,
                        label), NULL;
    *params = p;
    return k;
}
