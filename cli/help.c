/* help: the help tables rendered as --help text and as man(7) roff.
 * The roff escapes follow groff_man(7) and man-pages(7): a backslash is
 * written \e, an option's hyphen \- (so it copies and searches as ASCII),
 * and a line that would start with '.' or '\'' is guarded with \&. */
#include <string.h>

#include "help.h"
#include "../sim/lang.h"
#include "../sim/text.h"

#define HELP_WIDTH 79
#define HELP_MIN_COLUMN 23 /* where option text starts, as in the old help */

/* ---- text ---- */

/* Screen columns of a character: 2 for the wide ones of East Asian scripts
 * (Unicode's East Asian Width W and F: Hangul Jamo, CJK radicals to Yi,
 * Hangul syllables, compatibility ideographs, vertical and small forms,
 * full-width forms, the supplementary ideographs), and, as explain's
 * wrapping does, the ambiguous quotes, dash, ellipsis and sign a Chinese
 * text uses (2 in a Chinese terminal; a line counted too wide is only
 * shorter). */
static int cell_width(unsigned cp)
{
    static const unsigned wide[][2] = {
        { 0x1100, 0x115F }, { 0x2E80, 0xA4CF }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF },
        { 0xFE30, 0xFE4F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x20000, 0x3FFFD },
        { 0x2014, 0x2014 }, { 0x2018, 0x201F }, { 0x2026, 0x2026 }, { 0x00D7, 0x00D7 },
    };
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

/* Punctuation that must not start a line (it stays with the character
 * before it), and brackets that must not end one (they go with the next). */
static int no_line_start(unsigned cp)
{
    static const unsigned list[] = { 0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF1F, 0xFF01, 0xFF09,
                                     0x300D, 0x300F, 0x201D, 0x2019, 0xFF05, ')', ',', '.', ';',
                                     ':', '%', 0 };
    for (int i = 0; list[i]; i++)
        if (cp == list[i])
            return 1;
    return 0;
}

static int no_line_end(unsigned cp)
{
    return cp == 0xFF08 || cp == 0x300C || cp == 0x300E || cp == 0x201C || cp == 0x2018;
}

/* The character at p: its code point and bytes (never past the NUL). */
static int char_at(const char *p, unsigned *cp)
{
    int n = text_u8_len((unsigned char)*p);
    for (int i = 1; i < n; i++)
        if (!p[i])
            n = i;
    *cp = text_u8_code(p, n);
    return n;
}

/* The next unbreakable piece of text at p: its bytes, and its screen
 * columns in *width.  An English word (up to a space, a newline or a wide
 * character; a `quoted` span whole; "95 %" together) or one wide
 * character; either with the punctuation that may not start a line after
 * it, and an opening bracket with what follows it.  Between two pieces
 * with no space, a line may break: that is how Chinese wraps. */
static int next_piece(const char *p, int *width)
{
    int n = 0, w = 0;
    unsigned cp;
    int len = char_at(p, &cp);
    if (cell_width(cp) == 2) {
        n = len;
        w = 2;
        if (no_line_end(cp) && p[n] && p[n] != ' ' && p[n] != '\n') {
            int more;
            n += next_piece(p + n, &more);
            w += more;
        }
    } else {
        while (p[n] && p[n] != ' ' && p[n] != '\n' && p[n] != '`') {
            len = char_at(p + n, &cp);
            if (cell_width(cp) == 2)
                break;
            n += len;
            w++;
        }
        if (p[n] == '`') { /* a `quoted` span is one word: never broken */
            const char *end = strchr(p + n + 1, '`');
            int to = end ? (int)(end + 1 - p) : n + 1;
            w += to - n;
            n = to;
            int rest = (int)strcspn(p + n, " \n");
            n += rest;
            w += rest;
        }
        while (p[n] == ' ' && p[n + 1] == '%') { /* "95 %" stays on one line */
            int rest = 1 + (int)strcspn(p + n + 1, " \n");
            n += rest;
            w += rest;
        }
    }
    while (p[n] && p[n] != ' ' && p[n] != '\n') {
        len = char_at(p + n, &cp);
        if (!no_line_start(cp))
            break;
        n += len;
        w += cell_width(cp);
    }
    *width = w;
    return n;
}

void help_wrap(FILE *f, const char *text, int first_col, int indent)
{
    int col = first_col, fresh = 1; /* fresh: no word on this line yet */
    int glued = 0;                  /* the next piece follows the last with no space */
    const char *p = text;
    while (*p) {
        if (p[0] == '\n' && p[1] == '\n') { /* a paragraph break */
            fprintf(f, "\n\n%*s", indent, "");
            col = indent;
            fresh = 1;
            glued = 0;
            p += 2;
            continue;
        }
        if (*p == ' ' || *p == '\n') {
            p++;
            glued = 0;
            continue;
        }
        int w, n = next_piece(p, &w);
        /* a piece that would cross the margin starts the next line (a piece
         * longer than a line is printed whole) */
        if (!fresh && col + !glued + w > HELP_WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            fresh = 1;
        }
        if (!fresh && !glued) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, (size_t)n, f);
        col += w;
        fresh = 0;
        glued = 1;
        p += n;
    }
}

static int shown(const help_option *o, int mask)
{
    return mask >= 0 && (o->needs & mask) == o->needs;
}

static int flags_width(const help_option *o)
{
    return (o->flags[0] == '-' && o->flags[1] == '-' ? 6 : 2) + (int)strlen(o->flags);
}

static void print_row(FILE *f, const help_option *o, int column)
{
    int w = flags_width(o);
    fprintf(f, "%*s%s%*s", w - (int)strlen(o->flags), "", o->flags, column - w, "");
    help_wrap(f, tr(lang_ui(), o->text), column, column); /* the rows are msgids (N_) */
    fputc('\n', f);
}

void help_print_options(FILE *f, const help_option *own, const help_option *shared, int mask)
{
    int column = HELP_MIN_COLUMN;
    for (const help_option *o = own; o && o->flags; o++)
        if (flags_width(o) + 2 > column)
            column = flags_width(o) + 2;
    for (const help_option *o = shared; o && o->flags; o++)
        if (shown(o, mask) && flags_width(o) + 2 > column)
            column = flags_width(o) + 2;
    for (const help_option *o = own; o && o->flags; o++)
        print_row(f, o, column);
    for (const help_option *o = shared; o && o->flags; o++)
        if (shown(o, mask))
            print_row(f, o, column);
}

void help_print(FILE *f, const help_page *p)
{
    for (int i = 0; p->synopsis[i]; i++)
        fprintf(f, "%s%s\n", i ? "       " : tr(lang_ui(), "usage: "), p->synopsis[i]);
    fputc('\n', f);
    help_wrap(f, tr(lang_ui(), p->description), 0, 0);
    fputs("\n", f);
    if ((p->options && p->options->flags) || p->shared) {
        fputs(tr(lang_ui(), "\noptions:\n"), f);
        help_print_options(f, p->options, p->shared, p->shared ? p->shared_mask : -1);
    }
    if (p->writes) {
        fputc('\n', f);
        help_wrap(f, tr(lang_ui(), p->writes), 0, 2);
        fputc('\n', f);
    }
    if (p->examples && p->examples[0]) {
        fputc('\n', f);
        for (int i = 0; p->examples[i]; i++)
            fprintf(f, "%s%s\n", i ? "      " : tr(lang_ui(), "e.g.  "), p->examples[i]);
    }
    if (p->note) {
        fputc('\n', f);
        help_wrap(f, tr(lang_ui(), p->note), 0, 0);
        fputc('\n', f);
    }
}

/* ---- roff ---- */

/* One span of text, escaped; a hyphen that opens a word (an option) is \-. */
static void roff_span(FILE *f, const char *s, size_t n, int line_start)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        char prev = i ? s[i - 1] : ' ';
        if (line_start && i == 0 && (c == '.' || c == '\''))
            fputs("\\&", f);
        unsigned char u = (unsigned char)c;
        if (u >= 0xC0 && u < 0xF8) {
            /* UTF-8 (fit's column names in Chinese) as groff's \[uXXXX], so
             * the page is ASCII and renders without preconv */
            int extra = u >= 0xF0 ? 3 : u >= 0xE0 ? 2 : 1;
            unsigned long cp = u & (0x3F >> extra);
            size_t j = 1;
            for (; j <= (size_t)extra && i + j < n && ((unsigned char)s[i + j] & 0xC0) == 0x80; j++)
                cp = cp << 6 | ((unsigned char)s[i + j] & 0x3F);
            fprintf(f, "\\[u%04lX]", cp);
            i += j - 1;
            continue;
        }
        if (c == ' ' && i + 1 < n && s[i + 1] == '%')
            fputs("\\ ", f); /* "95 %" is not broken at the space */
        else if (c == '\\')
            fputs("\\e", f);
        else if (c == '-' && (prev == ' ' || prev == '(' || prev == '-' || prev == '[' || prev == '`'
                              || prev == '\n' || i == 0))
            fputs("\\-", f);
        else
            fputc(c, f);
    }
}

void help_roff_text(FILE *f, const char *text)
{
    const char *p = text;
    int line_start = 1;
    while (*p) {
        if (p[0] == '\n' && p[1] == '\n') {
            fputs("\n.PP\n", f);
            p += 2;
            line_start = 1;
            continue;
        }
        if (*p == '\n') { /* a single newline is a space: roff fills */
            fputc(' ', f);
            p++;
            continue;
        }
        if (*p == '`') {
            const char *end = strchr(p + 1, '`');
            if (end) {
                if (line_start)
                    fputs("\\&", f);
                fputs("\\fB", f);
                roff_span(f, p + 1, (size_t)(end - p - 1), 0);
                fputs("\\fR", f);
                p = end + 1;
                line_start = 0;
                continue;
            }
        }
        size_t n = strcspn(p, "`\n");
        if (n == 0)
            n = 1;
        roff_span(f, p, n, line_start);
        p += n;
        line_start = 0;
    }
    fputc('\n', f);
}

void help_roff_flags(FILE *f, const char *flags)
{
    const char *p = flags;
    int first = 1;
    while (*p) {
        size_t n = strcspn(p, " ,|");
        /* brackets and ellipses stay roman; an option is bold, a value italic */
        size_t lead = 0, trail = 0;
        while (lead < n && (p[lead] == '[' || p[lead] == '('))
            lead++;
        while (trail < n - lead && strchr("]).", p[n - 1 - trail]))
            trail++;
        if (lead)
            roff_span(f, p, lead, first);
        if (n > lead + trail) {
            fputs(p[lead] == '-' ? "\\fB" : "\\fI", f);
            roff_span(f, p + lead, n - lead - trail, first && !lead);
            fputs("\\fR", f);
        }
        if (trail)
            roff_span(f, p + n - trail, trail, 0);
        first = 0;
        p += n;
        while (*p == ' ' || *p == ',' || *p == '|')
            fputc(*p++, f);
    }
    fputc('\n', f);
}

static void roff_options(FILE *f, const help_option *rows, int mask)
{
    for (const help_option *o = rows; o && o->flags; o++) {
        if (!shown(o, mask))
            continue;
        fputs(".TP\n", f);
        help_roff_flags(f, o->flags);
        help_roff_text(f, o->text);
    }
}

void help_print_roff(FILE *f, const char *name, const char *summary, const help_page *p)
{
    fprintf(f, ".SS \"%s\"\n", name);
    help_roff_text(f, summary);
    fputs(".PP\n", f);
    for (int i = 0; p->synopsis[i]; i++) {
        /* "retsim NAME" in bold, the arguments as written */
        const char *rest = p->synopsis[i] + strlen("retsim ") + strlen(name);
        fprintf(f, "%s\\fBretsim %s\\fR", i ? ".br\n" : "", name);
        roff_span(f, rest, strlen(rest), 0);
        fputc('\n', f);
    }
    fputs(".PP\n", f);
    help_roff_text(f, p->description);
    if ((p->options && p->options->flags) || p->shared) {
        fputs(".PP\nOptions:\n", f);
        roff_options(f, p->options, 0);
        if (p->shared)
            roff_options(f, p->shared, p->shared_mask);
    }
    if (p->writes) {
        fputs(".PP\n", f);
        help_roff_text(f, p->writes);
    }
    if (p->note) {
        fputs(".PP\n", f);
        help_roff_text(f, p->note);
    }
}
