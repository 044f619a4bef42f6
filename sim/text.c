#include "text.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

void text_escape_html(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

void text_para(FILE *f, int html, const char *text)
{
    if (!html) {
        fprintf(f, "%s\n\n", text);
        return;
    }
    fputs("<p>", f);
    text_escape_html(f, text);
    fputs("</p>\n", f);
}

void text_paraf(FILE *f, int html, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text_para(f, html, buf);
}

char *text_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

void text_heading(FILE *f, int html, int level, const char *text)
{
    if (html) {
        fprintf(f, "<h%d>", level);
        text_escape_html(f, text);
        fprintf(f, "</h%d>\n", level);
        return;
    }
    if (level == 4) {
        fprintf(f, "[%s]\n\n", text);
        return;
    }
    /* underlined: = for the scenario, - for its parts; a Chinese character
     * takes two columns */
    fprintf(f, "%s\n", text);
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        w += (*p & 0xC0) != 0x80 ? (*p >= 0xE0 ? 2 : 1) : 0;
    for (int i = 0; i < w && i < TEXT_HEADING_COLUMNS; i++)
        fputc(level == 2 ? '=' : '-', f);
    fputs("\n\n", f);
}

int text_u8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

unsigned text_u8_code(const char *s, int n)
{
    const unsigned char *p = (const unsigned char *)s;
    switch (n) {
    case 2: return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    case 3: return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    case 4:
        return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6)
               | (p[3] & 0x3Fu);
    default: return p[0];
    }
}
