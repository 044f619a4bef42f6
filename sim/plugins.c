#include "plugins.h"

#include <string.h>

#include "sections.h"

static const sim_plugins *in_use;
static const scen_section *all_sections[SIM_MAX_SECTIONS + 1];
const char *sim_model_names[SIM_MAX_MODELS + 1];

static int listed(const scen_section *const *list, int n, const scen_section *sec)
{
    for (int k = 0; k < n; k++)
        if (list[k] == sec)
            return 1;
    return 0;
}

static int add_section(const scen_section **list, int *n, const scen_section *sec, diag *d)
{
    /* models may share a section (e.g. [spend]): list it once */
    if (listed(list, *n, sec))
        return 0;
    if (*n == SIM_MAX_SECTIONS)
        return diag_set(d, DIAG_RUNTIME,
                        "the registries declare more than %d scenario sections; raise SIM_MAX_SECTIONS "
                        "in sim/plugins.h",
                        SIM_MAX_SECTIONS);
    list[(*n)++] = sec;
    return 0;
}

int sim_use_plugins(const sim_plugins *p, diag *d)
{
    if (!p || !p->models || !p->models[0] || !p->promotions)
        return diag_set(d, DIAG_RUNTIME, "no customer model registered");
    int nm = 0;
    for (; p->models[nm]; nm++) {
        if (nm == SIM_MAX_MODELS)
            return diag_set(d, DIAG_RUNTIME,
                            "more than %d customer models registered; raise SIM_MAX_MODELS in sim/plugins.h",
                            SIM_MAX_MODELS);
        const char *name = p->models[nm]->name;
        if (!name || !*name)
            return diag_set(d, DIAG_RUNTIME, "customer model %d of the registry has no name", nm + 1);
        for (int k = 0; k < nm; k++)
            if (!strcmp(p->models[k]->name, name))
                return diag_set(d, DIAG_RUNTIME, "customer model '%s' registered twice", name);
    }
    for (int i = 0; p->promotions[i]; i++) {
        const char *name = p->promotions[i]->name;
        if (!name || !*name || !p->promotions[i]->section)
            return diag_set(d, DIAG_RUNTIME, "promotion %d of the registry has no name or no section",
                            i + 1);
        for (int k = 0; k < i; k++)
            if (!strcmp(p->promotions[k]->name, name))
                return diag_set(d, DIAG_RUNTIME, "promotion '%s' registered twice", name);
    }
    /* engine sections, then every model's, then every promotion's; built
     * apart, so that a refused registry leaves the one in use whole */
    const scen_section *list[SIM_MAX_SECTIONS + 1];
    int n = 0, rc = 0;
    for (int i = 0; !rc && engine_sections[i]; i++)
        rc = add_section(list, &n, engine_sections[i], d);
    for (int m = 0; !rc && p->models[m]; m++)
        for (int i = 0; !rc && p->models[m]->sections[i]; i++)
            rc = add_section(list, &n, p->models[m]->sections[i], d);
    for (int i = 0; !rc && p->promotions[i]; i++)
        rc = add_section(list, &n, p->promotions[i]->section, d);
    if (rc)
        return rc;
    memcpy(all_sections, list, (size_t)n * sizeof *list);
    all_sections[n] = NULL;
    for (int m = 0; m < nm; m++)
        sim_model_names[m] = p->models[m]->name;
    sim_model_names[nm] = NULL;
    in_use = p;
    return 0;
}

const sim_plugins *sim_plugins_in_use(void)
{
    return in_use;
}

const model_type *sim_model(int index)
{
    return in_use->models[index];
}

const scen_section *const *scen_all_sections(void)
{
    return all_sections;
}
