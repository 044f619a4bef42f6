#include "discount.h"

#include <stdlib.h>

int discount_table_init(discount_table *t, double rate_per_day, int days)
{
    t->rate = rate_per_day;
    t->n = 0;
    t->day = NULL;
    /* the polynomial's bound (discount.h) needs rate <= 0.0019 a day; keep a
     * margin and leave larger rates to exp */
    if (!(rate_per_day >= 0 && rate_per_day <= 0.002) || days < 0)
        return 0;
    t->day = malloc(((size_t)days + 1) * sizeof *t->day);
    if (!t->day)
        return -1;
    for (int k = 0; k <= days; k++)
        t->day[k] = exp(-rate_per_day * k);
    t->n = days + 1;
    return 0;
}

void discount_table_free(discount_table *t)
{
    free(t->day);
    t->day = NULL;
    t->n = 0;
}
