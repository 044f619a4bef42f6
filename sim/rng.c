#include "rng.h"

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline uint64_t next64(uint64_t *s)
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void seed_state(uint64_t *s, uint64_t key)
{
    for (int i = 0; i < 4; i++) {
        key += 0x9e3779b97f4a7c15ULL;
        s[i] = rng_mix(key);
    }
    if (!(s[0] | s[1] | s[2] | s[3]))
        s[0] = 1;
}

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
    st->pending = 0;
    seed_state(st->s, rng_mix(st->key));
}

static inline uint64_t *live(rng_state *st)
{
    if (__builtin_expect(st->pending, 0))
        rng_seed_pending(st);
    return st->s;
}

/* 32-bit integers keep GSL's integer routines on their tested path. */
static unsigned long xo_get(void *state)
{
    return (unsigned long)(next64(live(state)) >> 32);
}

/* 53 bits: the full double mantissa, in [0, 1). */
static double xo_get_double(void *state)
{
    return (double)(next64(live(state)) >> 11) * 0x1.0p-53;
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

uint64_t rng_visit_key(uint64_t key, uint64_t c)
{
    return rng_mix(key ^ c);
}

void rng_stream_from_visit(rng_stream *s, uint64_t visit_key, uint64_t purpose)
{
    /* seeded at the first draw (live, above) */
    s->state.key = visit_key ^ purpose;
    s->state.pending = 1;
    s->rng.type = &xoshiro_type;
    s->rng.state = &s->state;
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
