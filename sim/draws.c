#include "draws.h"

void draw_gamma_prepare(draw_gamma_t *g, double shape, double scale)
{
    /* as gsl_ran_gamma: the boost draws a gamma of shape + 1 */
    double a = shape < 1 ? 1.0 + shape : shape;
    g->boost = shape < 1;
    g->d = a - 1.0 / 3.0;
    g->c = (1.0 / 3.0) / sqrt(g->d);
    g->scale = scale;
    g->inv_shape = 1.0 / shape;
}

void draw_beta_prepare(draw_beta_t *bt, double a, double b)
{
    bt->a = a;
    bt->b = b;
    bt->johnk = a <= 1.0 && b <= 1.0;
    draw_gamma_prepare(&bt->ga, a, 1.0);
    draw_gamma_prepare(&bt->gb, b, 1.0);
}
