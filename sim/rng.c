#include <gsl/gsl_randist.h>
#include <math.h>

#include "rng.h"

uint64_t rng_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t rng_unmix(uint64_t x)
{
    /* x ^ (x >> s) is undone by xoring the shifts by s, 2s, ... below 64;
     * the products by the constants' inverses modulo 2^64 */
    x ^= (x >> 31) ^ (x >> 62);
    x *= 0x319642b2d24d8ec3ULL;   /* 0x94d049bb133111eb^-1 */
    x ^= (x >> 27) ^ (x >> 54);
    x *= 0x96de1b173f119089ULL;   /* 0xbf58476d1ce4e5b9^-1 */
    x ^= (x >> 30) ^ (x >> 60);
    return x - 0x9e3779b97f4a7c15ULL;
}

/* the generator's step and seeding are rng.h's inline ones */
#define next64 rng_next64_words
#define seed_state rng_seed_words

static void xo_set(void *state, unsigned long seed)
{
    rng_state *st = state;
    st->pending = 0;
    seed_state(st->s, (uint64_t)seed);
}

/* The deferred seeding of a stream (rng.h): the purpose's round, then the
 * state's four. */
void rng_seed_pending(rng_state *st)
{
    rng_stream_seed_now(st);
}

/* 32-bit integers keep GSL's integer routines on their tested path. */
static unsigned long xo_get(void *state)
{
    return (unsigned long)(rng_state_next64(state) >> 32);
}

/* 53 bits: the full double mantissa, in [0, 1). */
static double xo_get_double(void *state)
{
    return (double)(rng_state_next64(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256**", 0xffffffffUL, 0, sizeof(rng_state),
    xo_set, xo_get, xo_get_double
};

const gsl_rng_type *rng_xoshiro256 = &xoshiro_type;

uint64_t rng_key_seed(uint64_t seed)
{
    return rng_mix(seed ^ 0x52657473696dULL);
}

uint64_t rng_key(uint64_t key, uint64_t word)
{
    return rng_mix(key ^ word);
}

void rng_stream_from_key(rng_stream *s, uint64_t key, uint64_t c, uint64_t purpose)
{
    rng_stream_from_visit(s, rng_visit_key(key, c), purpose);
}

void rng_stream_init(rng_stream *s, uint64_t seed, uint64_t a, uint64_t b,
                     uint64_t c, uint64_t purpose)
{
    rng_stream_from_key(s, rng_key(rng_key(rng_key_seed(seed), a), b), c, purpose);
}

uint64_t rng_module_purpose(const char *name, rng_module_hook hook)
{
    uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a offset basis */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;           /* FNV prime */
    }
    return rng_mix(h ^ rng_mix((uint64_t)hook)) | (1ULL << 63);
}

/* ---- GSL's ziggurat tables, read from GSL itself (rng.h, rng_gaussian) ----
 *
 * GSL keeps its ziggurat's tables static.  Rather than copy them, they are
 * read through gsl_ran_gaussian_ziggurat with a generator that returns
 * chosen integers: with strip i and j = 1 the common case returns
 * sigma * 1 * w[i] exactly (sigma = 1, positive sign), and k[i] is the
 * least j for which GSL leaves the common case (it then asks for a
 * uniform: the probe generator counts those calls), found by bisection.
 * After a probe, the generator answers with integers of j = 0 over the
 * strips in turn, so GSL's loop ends at the first strip whose k is not 0.
 * Done once when the program loads, before any thread starts. */
rng_zig_tables rng_zig;

typedef struct zig_probe {
    unsigned long first;         /* the integer under test */
    int calls;                   /* integers asked for */
    int uniforms;                /* uniforms asked for: the common case left */
} zig_probe;

static void probe_set(void *state, unsigned long seed)
{
    (void)state;
    (void)seed;
}

static unsigned long probe_get(void *state)
{
    zig_probe *p = state;
    int n = p->calls++;
    if (n == 0)
        return p->first;
    /* j = 0, positive sign, strips 1..126 in turn */
    return 0x80ul | (unsigned long)(1 + (n - 1) % 126);
}

static double probe_get_double(void *state)
{
    zig_probe *p = state;
    p->uniforms++;
    return 0.5;
}

static const gsl_rng_type probe_type = {
    "retsim-ziggurat-probe", 0xffffffffUL, 0, sizeof(zig_probe),
    probe_set, probe_get, probe_get_double
};

/* 1 when GSL's ziggurat stays in its common case for strip i and j */
static int zig_common(unsigned i, unsigned long j, double *x)
{
    zig_probe p = { 0x80ul | i | (j << 8), 0, 0 };
    gsl_rng r = { &probe_type, &p };
    *x = gsl_ran_gaussian_ziggurat(&r, 1.0);
    return p.calls == 1 && p.uniforms == 0;
}

__attribute__((constructor)) static void read_ziggurat_tables(void)
{
    double x;
    for (unsigned i = 0; i < 128; i++) {
        /* the least j in [0, 2^24] outside the common case (2^24: none) */
        unsigned long lo = 0, hi = 1ul << 24;
        while (lo < hi) {
            unsigned long mid = lo + (hi - lo) / 2;
            if (zig_common(i, mid, &x))
                lo = mid + 1;
            else
                hi = mid;
        }
        rng_zig.k[i] = (uint32_t)lo;
        rng_zig.w[i] = 0;
        if (lo >= 2) {
            if (!zig_common(i, 1, &x) || !(x > 0) || !isfinite(x))
                return;          /* not the ziggurat described: GSL alone */
            rng_zig.w[i] = x;
        } else if (lo == 1) {
            rng_zig.k[i] = 0;    /* j = 0 alone: leave it to GSL */
        }
    }
    rng_zig.ready = 1;
}
