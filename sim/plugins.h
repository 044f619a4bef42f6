/* plugins: the customer models and promotions the engine may use.
 *
 * The engine library names no model and no promotion.  The program (and
 * every test or harness) hands it the registries once, before any scenario
 * is loaded: models/registry.c holds the built-in ones.  Like GSL's
 * gsl_rng_types_setup(), a registry is a NULL-terminated array of pointers
 * to const tables of functions; each type carries its own name, so there is
 * no parallel list of names to keep in step. */
#ifndef RETSIM_PLUGINS_H
#define RETSIM_PLUGINS_H

#include "diag.h"
#include "model.h"
#include "promotion.h"
#include "scenario.h"

/* Sizes of the tables built from the registries; sim_use_plugins refuses a
 * registry that would overflow them. */
#define SIM_MAX_MODELS 16
#define SIM_MAX_SECTIONS 64

typedef struct sim_plugins {
    const model_type *const *models;     /* NULL-terminated; the first is the default */
    const promo_type *const *promotions; /* NULL-terminated, in the order their hooks run */
} sim_plugins;

/* Makes p the registries in use (p must outlive every scenario).  Fails
 * (DIAG_RUNTIME) on an empty model list, a type without a name, a name
 * given twice or more entries than the tables above hold. */
int sim_use_plugins(const sim_plugins *p, diag *d);

/* The registries in use; NULL before sim_use_plugins. */
const sim_plugins *sim_plugins_in_use(void);

/* The model of the [customer] model index (its position in the registry). */
const model_type *sim_model(int index);

/* The models' names in registry order, NULL-terminated: the choices of the
 * [customer] model key.  Filled by sim_use_plugins. */
extern const char *sim_model_names[SIM_MAX_MODELS + 1];

#endif
