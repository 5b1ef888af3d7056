/*
** progress.h -- a progress bar on stderr for long runs (internal).
*/
#ifndef SLOPE_PROGRESS_H
#define SLOPE_PROGRESS_H

typedef struct sx_progress {
  int on;            /* draw at all (the caller decides: a terminal, a long run) */
  int shown;         /* columns on the line that must be cleared at the end */
  long total;        /* steps the run will make at most */
  double start, last;
} sx_progress;

void sx_progress_start(sx_progress *p, int on, long total);
/* Cheap enough to call every few hundred steps: draws at most ten times a
** second, and only once the run has taken half a second. */
void sx_progress_update(sx_progress *p, long step, double f);
/* Clear the bar so what follows starts on a clean line. */
void sx_progress_end(sx_progress *p);

#endif
