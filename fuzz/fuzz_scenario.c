/* libFuzzer harness for the scenario reader: the INI checks, iniparser,
 * base= chains, --set overrides, the key tables' checks and the engine's
 * preparation.
 *
 * The input is split at lines holding only "----": the first part is the
 * scenario (main.ini), the second its possible base (base.ini), the third
 * --set overrides, one a line.  Files are served from memory, so a base =
 * base.ini, base = main.ini (a loop) or base = other.ini (missing) chain is
 * reached without touching the disk; the scenario still goes through
 * iniparser by the memfd path, as in retsim.
 *
 * Properties checked beyond "no crash, no leak, no undefined behaviour":
 * every refusal has a status and a message, and a refusal of a file that
 * is not a scenario never quotes it. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/diag.h"
#include "../sim/engine.h"
#include "../sim/memory.h"
#include "../sim/scenario.h"
#include "../models/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SETS 16

typedef struct mem_files {
    const char *text[2];
    size_t len[2];
} mem_files;

static char *serve(void *ctx, const char *path, size_t *len, diag *d)
{
    const mem_files *m = ctx;
    int i = !strcmp(path, "fuzz/main.ini") ? 0 : !strcmp(path, "fuzz/base.ini") ? 1 : -1;
    if (i < 0 || !m->text[i]) {
        diag_set(d, DIAG_USAGE, "%s: cannot open the scenario: No such file", path);
        return NULL;
    }
    char *copy = malloc(m->len[i] + 1);
    if (!copy) {
        diag_set(d, DIAG_RUNTIME, "out of memory");
        return NULL;
    }
    memcpy(copy, m->text[i], m->len[i]);
    copy[m->len[i]] = '\0';
    *len = m->len[i];
    return copy;
}

/* the next part of [*p, end) up to a "\n----\n" line */
static const char *next_part(const char **p, const char *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    const char *start = *p;
    const char *q = start;
    static const char sep[] = "\n----\n";
    while (q + sizeof sep - 1 <= end && memcmp(q, sep, sizeof sep - 1))
        q++;
    if (q + sizeof sep - 1 > end) {
        *len = (size_t)(end - start);
        *p = end;
    } else {
        *len = (size_t)(q - start) + 1;  /* keep the line end */
        *p = q + sizeof sep - 1;
    }
    return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    if (!sim_plugins_in_use() && sim_use_plugins(&retsim_builtin_plugins, NULL))
        abort();
    const char *p = (const char *)data, *end = p + size;
    mem_files m = { { NULL, NULL }, { 0, 0 } };
    m.text[0] = next_part(&p, end, &m.len[0]);
    m.text[1] = next_part(&p, end, &m.len[1]);
    if (!m.text[0])
        m.text[0] = "", m.len[0] = 0;
    size_t olen = 0;
    const char *ov = next_part(&p, end, &olen);
    char *sets_text = NULL;
    const char *sets[MAX_SETS];
    int nsets = 0;
    if (ov) {
        sets_text = malloc(olen + 1);
        if (!sets_text)
            return 0;
        memcpy(sets_text, ov, olen);
        sets_text[olen] = '\0';
        /* an override holding a NUL ends there, as on a command line */
        for (char *line = sets_text; line && *line && nsets < MAX_SETS;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            sets[nsets++] = line;
            line = nl ? nl + 1 : NULL;
        }
    }
    diag d = { 0 };
    scenario *sc = scen_load_with("fuzz/main.ini", sets, nsets, serve, &m, &d);
    if (!sc) {
        if (d.status != DIAG_USAGE && d.status != DIAG_RUNTIME)
            abort();
        if (!d.msg[0])
            abort();
        /* "not a scenario file" messages never carry the file's text: the
         * base's first 16 bytes, unless the scenario itself holds them (its
         * own line may be quoted: it is a scenario) */
        if (strstr(d.msg, "not a scenario file") && m.text[1] && m.len[1] >= 16
            && !memmem(m.text[0], m.len[0], m.text[1], 16) && !(ov && memmem(ov, olen, m.text[1], 16))
            && memmem(d.msg, strlen(d.msg), m.text[1], 16))
            abort();
    } else {
        engine *e = engine_prepare(sc, &d);
        if (e) {
            mem_estimate est;
            mem_estimate_run(&e, 1, 2, 200, &est);
            if (!(est.total >= 0))
                abort();
            engine_free(e);
        } else if (!d.msg[0]) {
            abort();
        }
        scen_free(sc);
    }
    free(sets_text);
    return 0;
}
