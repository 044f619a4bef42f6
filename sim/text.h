/* text: the few ways retsim writes prose, shared by `retsim explain`, the
 * models' and promotions' explain hooks and the HTML report. */
#ifndef RETSIM_TEXT_H
#define RETSIM_TEXT_H

#include <stdio.h>

/* Writes s (NULL: nothing) with &, <, >, " and ' escaped for HTML, so it
 * is safe in element content and in attribute values alike. */
void text_escape_html(FILE *f, const char *s);

/* One paragraph: a line of text followed by a blank line, or <p> with the
 * text escaped. */
void text_para(FILE *f, int html, const char *text);
/* The same, printf-style. */
void text_paraf(FILE *f, int html, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A heading: level 2 for the scenario, 3 for its parts (underlined with =
 * or - in text, at most TEXT_HEADING_COLUMNS wide), 4 for a promotion
 * ([name]); <hN> in HTML. */
#define TEXT_HEADING_COLUMNS 80
void text_heading(FILE *f, int html, int level, const char *text);

/* UTF-8: the bytes of the character a byte c starts (1 to 4), and the code
 * point of the n bytes at s (for the wrapping of Chinese text by columns). */
int text_u8_len(unsigned char c);
unsigned text_u8_code(const char *s, int n);

/* Strips leading and trailing white space in place; returns the start. */
char *text_trim(char *s);

#endif
