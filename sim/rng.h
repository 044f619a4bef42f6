/* rng: counter-keyed random streams.
 *
 * Common random numbers need every random draw to be tied to *what* it is
 * for, not to the order in which a thread happens to reach it.  So there is
 * no long-lived generator per thread or per replication: each draw site
 * derives a fresh stream from a key (seed, replication, customer, visit,
 * purpose).  A promotion that changes how many numbers one visit consumes
 * then cannot shift the numbers of any other visit or customer, and results
 * are the same for any number of threads.
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018), seeded through
 * splitmix64, wrapped as a gsl_rng_type so that all of GSL's distributions
 * draw from it.  Deriving a stream costs a handful of integer operations,
 * which is what makes one stream per visit affordable. */
#ifndef RETSIM_RNG_H
#define RETSIM_RNG_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>

extern const gsl_rng_type *rng_xoshiro256;

/* What a stream is for.  Each purpose gets an independent stream, so adding
 * draws for one purpose never moves another's. */
typedef enum {
    RNG_ARRIVALS = 1,   /* prospects arriving on a day, per channel */
    RNG_CUSTOMER,       /* a customer's own traits, drawn once */
    RNG_VISIT,          /* the bill at one visit */
    RNG_EXPERIENCE,     /* how one visit felt */
    RNG_DECISION,       /* whether the customer returns after a visit */
    RNG_INTERVAL,       /* days until the next visit */
    /* whether an arrival balks at the day's queue (sim/queue.h); module
     * purposes have their top bit set (rng_module_purpose), so none meets it */
    RNG_QUEUE = 0x51554555,
    /* a customer's (or prospect's) group in a pilot, treatment or control
     * (sim/pilot.h); keyed by the customer alone, so the group is the same
     * in a world without the promotion */
    RNG_PILOT = 0x50494c54,
    /* an uncertain scenario key's value in one parameter draw, and the row
     * of an [uncertainty] draws file (scen_draw, sim/scenario.h) */
    RNG_PARAM = 0x50415241,
    RNG_PARAM_ROW = 0x50524f57
} rng_purpose;

/* A module's draws (promotions, recall, word of mouth: sim/promotion.h)
 * are keyed by the module's name and the hook they are for, never by its
 * position among the active modules: switching one module on then moves no
 * other module's draws (the common-random-numbers promise above, which a
 * position would break: the i-th active promotion changes when one before
 * it is switched on).  The purpose word is a hash of the name (FNV-1a, 64
 * bits: Fowler, Noll and Vo) mixed with the hook, with the top bit set so
 * that it never equals one of the small purposes above. */
typedef enum {
    RNG_HOOK_AT_TILL = 1,
    RNG_HOOK_AFTER_VISIT,
    RNG_HOOK_AFTER_DECISION,
    RNG_HOOK_EVENT
} rng_module_hook;

uint64_t rng_module_purpose(const char *name, rng_module_hook hook);

/* The generator's state.  A stream is seeded at its first draw, not when
 * it is made: most visits make streams that draw nothing (the experience
 * of a model without noise, a promotion's hook that does not draw), and
 * the splitmix64 rounds of seeding were most of a stream's cost.  `pending`
 * holds the last word of the key until then; the numbers are the same as
 * with eager seeding.
 *
 * Most streams that draw draw once (the visit's decision, the bill's
 * normal in its common case), and xoshiro256**'s first output depends on
 * the second state word alone: such a first draw computes that word only
 * (two splitmix64 rounds instead of five, RNG_WORD1) and leaves the stream
 * pending with its first output spent (RNG_FIRST_DRAWN); a second draw
 * then seeds all four words and steps past the output already drawn.  The
 * same numbers as seeding everything at the first draw. */
enum {
    RNG_SEEDED = 0,
    RNG_UNSEEDED = 1,       /* key: the key still to be mixed with the purpose */
    RNG_WORD1 = 2,          /* key: mixed; s[1] seeded, nothing drawn */
    RNG_FIRST_DRAWN = 3     /* key: mixed; the first output is spent */
};
typedef struct rng_state {
    uint64_t s[4];
    uint64_t key;       /* while pending: the key (see above) */
    int pending;        /* RNG_SEEDED, or how far a pending stream is (above) */
} rng_state;

/* A stream that lives on the caller's stack: no allocation per draw site. */
typedef struct rng_stream {
    gsl_rng rng;        /* pass &s.rng to gsl_ran_* */
    rng_state state;
} rng_stream;

/* Mixes a 64-bit value (splitmix64 finaliser); also used to make ids. */
uint64_t rng_mix(uint64_t x);
/* The inverse of rng_mix (splitmix64's finaliser is a bijection: an added
 * constant, xor-shifts and products by odd constants, each undone in
 * turn): rng_unmix(rng_mix(x)) == x for every x.  So a key
 * rng_key(k, word) gives its word back, rng_unmix(key) ^ k, and the engine
 * keeps a customer's key, not also their id. */
uint64_t rng_unmix(uint64_t x);

/* Points s at a stream keyed by the five words.  Never all-zero state. */
void rng_stream_init(rng_stream *s, uint64_t seed, uint64_t a, uint64_t b,
                     uint64_t c, uint64_t purpose);

/* The same key built in steps, so that a caller can keep the part for
 * (seed, a, b) (a replication's customer) and not recompute it for every
 * visit: rng_stream_init(s, seed, a, b, c, p) ==
 * rng_stream_from_key(s, rng_key(rng_key(rng_key_seed(seed), a), b), c, p). */
uint64_t rng_key_seed(uint64_t seed);
uint64_t rng_key(uint64_t key, uint64_t word);
void rng_stream_from_key(rng_stream *s, uint64_t key, uint64_t c, uint64_t purpose);

/* One visit makes several streams (bill, experience, decision, interval,
 * the modules' hooks) that share (seed, replication, customer, visit): the
 * key up to the visit is computed once, and each purpose's stream from it:
 * rng_stream_from_key(s, key, c, p) ==
 * rng_stream_from_visit(s, rng_visit_key(key, c), p). */
static inline uint64_t rng_visit_key(uint64_t key, uint64_t c);
static inline void rng_stream_from_visit(rng_stream *s, uint64_t visit_key, uint64_t purpose);

/* Seeds a stream whose seeding was deferred (used by rng_uniform_pos). */
void rng_seed_pending(rng_state *st);

/* The generator's step (xoshiro256**, Blackman and Vigna), the seeding of
 * a state from a key (four splitmix64 rounds) and a stream's output, inline
 * for the engine's hot path: the same numbers as through GSL's function
 * pointers (sim/rng.c's type uses these very functions). */
static inline uint64_t rng_next64_words(uint64_t *s)
{
    uint64_t m = s[1] * 5;
    uint64_t result = ((m << 7) | (m >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

static inline uint64_t rng_mix_inline(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline void rng_seed_words(uint64_t *s, uint64_t key)
{
    /* the four rounds are independent of one another (key + i * golden
     * ratio), so they run side by side once inlined; written out, since
     * -O2 kept them a loop */
    s[0] = rng_mix_inline(key + 1 * 0x9e3779b97f4a7c15ULL);
    s[1] = rng_mix_inline(key + 2 * 0x9e3779b97f4a7c15ULL);
    s[2] = rng_mix_inline(key + 3 * 0x9e3779b97f4a7c15ULL);
    s[3] = rng_mix_inline(key + 4 * 0x9e3779b97f4a7c15ULL);
    if (!(s[0] | s[1] | s[2] | s[3]))
        s[0] = 1;
}

/* xoshiro256**'s output from the second state word (rng_next64_words'). */
static inline uint64_t rng_output_of(uint64_t s1)
{
    uint64_t m = s1 * 5;
    return ((m << 7) | (m >> 57)) * 9;
}

/* The second state word seeded from a mixed key (rng_seed_words' round
 * i = 1; the all-zero fix-up touches s[0] alone). */
static inline uint64_t rng_seed_word1(uint64_t mixed_key)
{
    return rng_mix_inline(mixed_key + 2 * 0x9e3779b97f4a7c15ULL);
}

/* Seeds a pending stream now, inline (the numbers are the same as at the
 * first draw): the engine seeds the streams of a visit it will draw from
 * as soon as it knows their keys, so that the out-of-order core overlaps
 * their splitmix rounds with the visit's other work. */
static inline void rng_stream_seed_now(rng_state *st)
{
    if (st->pending) {
        int drawn = st->pending == RNG_FIRST_DRAWN;
        rng_seed_words(st->s, st->pending == RNG_UNSEEDED ? rng_mix_inline(st->key) : st->key);
        st->pending = RNG_SEEDED;
        if (drawn)
            (void)rng_next64_words(st->s);   /* the first output, drawn already */
    }
}

/* Seeds the second word of a stream that has drawn nothing yet (RNG_WORD1):
 * all its first draw needs, computed early by a caller that knows the
 * stream will draw, so that the splitmix rounds overlap other work. */
static inline void rng_stream_seed_word1(rng_state *st)
{
    if (st->pending == RNG_UNSEEDED) {
        st->key = rng_mix_inline(st->key);
        st->s[1] = rng_seed_word1(st->key);
        st->pending = RNG_WORD1;
    }
}

static inline uint64_t rng_state_next64(rng_state *st)
{
    if (st->pending) {
        if (st->pending != RNG_FIRST_DRAWN) {
            /* a first draw: the second word alone (see rng_state) */
            rng_stream_seed_word1(st);
            st->pending = RNG_FIRST_DRAWN;
            return rng_output_of(st->s[1]);
        }
        rng_seed_pending(st);
    }
    return rng_next64_words(st->s);
}

/* (declared above; inline, since a visit makes several streams) */
static inline uint64_t rng_visit_key(uint64_t key, uint64_t c)
{
    return rng_mix_inline(key ^ c);
}

static inline void rng_stream_from_visit(rng_stream *s, uint64_t visit_key, uint64_t purpose)
{
    /* seeded at the first draw, or by rng_stream_seed_now */
    s->state.key = visit_key ^ purpose;
    s->state.pending = RNG_UNSEEDED;
    s->rng.type = rng_xoshiro256;
    s->rng.state = &s->state;
}

/* gsl_rng_uniform(r), in [0, 1), inline on retsim's streams. */
static inline double rng_uniform(gsl_rng *r)
{
    if (r->type != rng_xoshiro256)
        return gsl_rng_uniform(r);
    return (double)(rng_state_next64(r->state) >> 11) * 0x1.0p-53;
}

/* gsl_rng_uniform_pos(r), a uniform in (0, 1), with the xoshiro256** draw
 * inlined when r is one of these streams: the same numbers, without GSL's
 * two calls through function pointers (sim/draws.h's hot loops). */
static inline double rng_uniform_pos(gsl_rng *r)
{
    if (r->type != rng_xoshiro256)
        return gsl_rng_uniform_pos(r);
    rng_state *st = r->state;
    double x;
    do
        x = (double)(rng_state_next64(st) >> 11) * 0x1.0p-53;
    while (x == 0);
    return x;
}

/* gsl_ran_gaussian_ziggurat(r, sigma), the same numbers, with its common
 * case inline on retsim's streams.  GSL's ziggurat (Marsaglia and Tsang,
 * "The ziggurat method for generating random variables", J. Stat. Softw.
 * 5(8), 2000; GSL's randist/gausszig.c) draws one 32-bit integer k
 * (xoshiro's top 32 bits here), takes the strip i = k & 0x7f, the sign
 * from bit 7 and j = k >> 8 (24 bits), and returns sign * sigma * j *
 * w[i] when j < k[i] (about 99 % of draws); otherwise it samples the
 * wedge or the tail, with further uniforms.  The inline code does the
 * common case with GSL's own w[i] and k[i] (read from GSL at start-up,
 * sim/rng.c, rng_zig) and, in the other case, puts the stream back as it
 * was before the integer and calls GSL, which then draws that integer
 * again and goes on exactly as it would have. */
typedef struct rng_zig_tables {
    int ready;                   /* 0: always GSL (the tables could not be read) */
    uint32_t k[128];
    double w[128];
} rng_zig_tables;
extern rng_zig_tables rng_zig;
/* GSL's sign, (k & 0x80) ? 1 : -1, looked up: as a conditional it
 * compiled to a branch, mispredicted every other draw */
static const double rng_zig_sign[2] = { -1.0, 1.0 };

__attribute__((always_inline)) static inline double rng_gaussian(gsl_rng *r, double sigma)
{
    if (r->type == rng_xoshiro256 && __builtin_expect(rng_zig.ready, 1)) {
        rng_state *st = r->state;
        if (st->pending == RNG_UNSEEDED || st->pending == RNG_WORD1) {
            /* a first draw (the bill's): the second word alone gives the
             * integer; in the common case nothing else is needed, and
             * otherwise GSL draws the same integer as its first (rng_state) */
            rng_stream_seed_word1(st);
            uint32_t k = (uint32_t)(rng_output_of(st->s[1]) >> 32);
            uint32_t i = k & 0x7f, j = (k >> 8) & 0xffffff;
            if (__builtin_expect(j < rng_zig.k[i], 1)) {
                st->pending = RNG_FIRST_DRAWN;
                double x = (double)j * rng_zig.w[i];
                double sign = rng_zig_sign[(k >> 7) & 1];
                return sign * sigma * x;
            }
            return gsl_ran_gaussian_ziggurat(r, sigma);
        }
        if (__builtin_expect(st->pending, 0))
            rng_seed_pending(st);
        /* the step on copies: the stream is written back only in the
         * common case, so it is left as it was for GSL otherwise */
        uint64_t s0 = st->s[0], s1 = st->s[1], s2 = st->s[2], s3 = st->s[3];
        uint64_t k64 = rng_output_of(s1);
        uint32_t k = (uint32_t)(k64 >> 32);
        uint32_t i = k & 0x7f, j = (k >> 8) & 0xffffff;
        if (__builtin_expect(j < rng_zig.k[i], 1)) {
            uint64_t t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = (s3 << 45) | (s3 >> 19);
            st->s[0] = s0;
            st->s[1] = s1;
            st->s[2] = s2;
            st->s[3] = s3;
            /* GSL: sign * sigma * x, x = j * w[i] */
            double x = (double)j * rng_zig.w[i];
            double sign = rng_zig_sign[(k >> 7) & 1];
            return sign * sigma * x;
        }
    }
    return gsl_ran_gaussian_ziggurat(r, sigma);
}

#endif
