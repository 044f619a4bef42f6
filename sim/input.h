/* input: a user's file read safely, for the scenario and transaction readers.
 *
 * A path typed by a user can name anything: a FIFO (which blocks forever),
 * /dev/zero (endless), a directory, a file that is swapped between a check
 * and the read.  Every reader therefore opens the path once (O_NONBLOCK so a
 * FIFO cannot block the open, O_NOCTTY so a terminal is not adopted), asks
 * the descriptor (fstat) whether it is a regular file, and reads through
 * that same descriptor, never more than a size limit.  The limit has a
 * documented default per kind of file and --max-input-size raises it. */
#ifndef RETSIM_INPUT_H
#define RETSIM_INPUT_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

typedef enum { INPUT_SCENARIO, INPUT_TRANSACTIONS } input_kind;

/* Default size limits: a scenario is a few kilobytes (64 sections of at
 * most 64 keys of at most 1022 characters is 4 MiB of keys, and no real one
 * comes near 1 MiB); a till export of 2 GiB is some 40 million rows. */
#define INPUT_SCENARIO_MAX_DEFAULT (1ULL << 20)
#define INPUT_TRANSACTIONS_MAX_DEFAULT (2ULL << 30)
/* --max-input-size may go this high, no higher */
#define INPUT_MAX_LIMIT (1ULL << 40)

/* The limit for a kind of file: the default, or what --max-input-size set. */
unsigned long long input_max_bytes(input_kind kind);
/* Sets the limit for every kind (0: back to the defaults). */
void input_set_max_bytes(unsigned long long bytes);
/* --max-input-size TEXT: parsed (1 KiB to INPUT_MAX_LIMIT) and set as the
 * limit.  Returns 0, or DIAG_USAGE with d set. */
int input_max_size_option(const char *text, diag *d);

/* Parses a size such as 1048576, 500K, 500M, 2G or 1T (powers of 1024);
 * min and max bound it.  0, or DIAG_USAGE naming opt and the value. */
int input_parse_size(const char *opt, const char *text, unsigned long long min,
                     unsigned long long max, unsigned long long *out, diag *d);
/* "1.5 GiB", "512 KiB", "300 bytes" */
void input_format_size(double bytes, char *buf, size_t cap);

/* Opens path for reading: refuses anything but a regular file, and a file
 * above the limit of its kind (what: "scenario", "transaction log" for the
 * messages).  Returns the descriptor (blocking again), or -1 with d set
 * (DIAG_USAGE). */
int input_open(const char *path, input_kind kind, const char *what, diag *d);

/* Reads the whole file (input_open, then the descriptor until its end or
 * the limit), NUL-terminated; *len excludes the terminator.  NULL with d set. */
char *input_read_all(const char *path, input_kind kind, const char *what, size_t *len,
                     diag *d);

/* Streaming UTF-8 check (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF), fed a byte at a time across buffer boundaries. */
typedef struct utf8_check {
    int need;                       /* continuation bytes still expected */
    unsigned char lo, hi;           /* allowed range of the next one */
} utf8_check;
/* 0, or -1 when byte cannot come next. */
int utf8_feed(utf8_check *u, unsigned char byte);
/* 1 when s (n bytes) is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t n);

/* Checks text (n bytes) is text: no NUL byte, valid UTF-8.  On failure
 * returns DIAG_USAGE with "path:LINE: ..." in d, naming the byte's column,
 * never quoting the text. */
int input_check_text(const char *text, size_t n, const char *path, diag *d);

#endif
