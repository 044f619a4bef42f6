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
