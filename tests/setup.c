/* Every test process uses the built-in models and promotions, as retsim
 * does (cli/main.c).  A constructor, because Criterion may run each test in
 * a fresh process of this binary. */
#include <stdio.h>
#include <stdlib.h>

#include "../models/registry.h"

__attribute__((constructor)) static void use_builtin_plugins(void)
{
    diag d = { 0 };
    if (sim_use_plugins(&retsim_builtin_plugins, &d)) {
        fprintf(stderr, "tests: %s\n", d.msg);
        abort();
    }
}
