/*
** progress.c -- the progress bar of long runs: steps done, f, the rate and
** the time left, redrawn in place on stderr.  Short runs never show it.
*/
#include <stdio.h>
#include <time.h>

#include "progress.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void sx_progress_start(sx_progress *p, int on, long total) {
  p->on = on && total > 0;
  p->shown = 0;
  p->total = total;
  p->start = p->last = p->on ? now() : 0;
}

void sx_progress_update(sx_progress *p, long step, double f) {
  if (!p->on) return;
  double t = now();
  if (t - p->start < 0.5 || t - p->last < 0.1) return;
  p->last = t;
  double done = (double)step / (double)p->total, rate = (double)step / (t - p->start);
  double eta = rate > 0 ? (double)(p->total - step) / rate : 0;
  char bar[31];
  int fill = (int)(done * 30);
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = '\0';
  fprintf(stderr, "\r[%s] %3.0f%%  step %ld/%ld  f = %-11.5g %8.3g steps/s  ETA %.1fs  ",
          bar, 100 * done, step, p->total, f, rate, eta);
  fflush(stderr);
  p->shown = 1;
}

void sx_progress_end(sx_progress *p) {
  if (p->shown) fprintf(stderr, "\r%*s\r", 110, "");
  p->shown = 0;
}
