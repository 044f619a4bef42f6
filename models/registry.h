/* registry: the customer models and promotions built into retsim, as the
 * registries the engine library is handed (sim/plugins.h).  Adding one is
 * its own file plus a line in a list of models/registry.c. */
#ifndef RETSIM_REGISTRY_H
#define RETSIM_REGISTRY_H

#include "../sim/plugins.h"

extern const sim_plugins retsim_builtin_plugins;

#endif
