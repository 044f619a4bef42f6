/* lesson: the lessons of `retsim lesson`, a question with choices over a
 * base scenario and its variants (scenarios/lessons/lessons.ini).  Here,
 * not in cli/, so the command file keeps only its options: what a lesson
 * says, how an answer and the lesson's `claims` are judged against the
 * measurement, and what is printed and written.  Finding lessons.ini
 * (cli/datadir.h) and the output folder transaction (cli/outdir.h) stay in
 * the command. */
#ifndef RETSIM_LESSON_H
#define RETSIM_LESSON_H

#include <iniparser/iniparser.h>

#include "../sim/diag.h"
#include "../sim/lang.h"
#include "../sim/runner.h"

#define LESSON_FILE "lessons.ini"
#define LESSON_MAX 64 /* lessons in one file */

typedef struct lesson lesson;
typedef struct lesson_session lesson_session;

/* The numbers N of ini's [lesson.N] sections, ascending, at most max. */
int lesson_numbers(dictionary *ini, int *out, int max);
/* Prints the numbers and titles ("retsim lesson" without N). */
int lesson_list(dictionary *ini, const char *dir, lang_id lang, diag *d);

lesson *lesson_new(void);
void lesson_free(lesson *ls);
/* Reads [lesson.number] of dir/lessons.ini into ls, the texts in lang;
 * ls points into ini, which must outlive it. */
int lesson_read(dictionary *ini, const char *dir, int number, lang_id lang, lesson *ls, diag *d);

/* The run, in three steps so that the command puts the output folder in
 * place between writing and printing (outdir.h):
 * lesson_start loads the scenarios, refuses an answer that is not a
 * choice, prints the question, takes the answer (answer_text, else the
 * terminal) and simulates; *out is set even on failure, for
 * lesson_session_free.  material > 0 overrides the lesson's. */
int lesson_start(const lesson *ls, const run_opts *ro, double material, int answer_given,
                 const char *answer_text, lang_id lang, lesson_session **out, diag *d);
/* Every scenario's run and the comparison files, into dir. */
int lesson_write(const lesson_session *s, const char *dir, lang_id lang, diag *d);
/* The result, the judgement, the takeaway (or why it is withheld), the
 * causal chains and the plots under out, on standard output. */
int lesson_print_result(const lesson_session *s, const char *out, lang_id lang, diag *d);
void lesson_session_free(lesson_session *s);

#endif
