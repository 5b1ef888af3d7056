/*
** progress.c -- the progress bar of long runs: steps done, f, the rate and
** the time left, redrawn in place on stderr.  Short runs never show it.
** The line fits the terminal: a line that wraps cannot be redrawn in place.
*/
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

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

/* Columns of the terminal on stderr, read at each redraw so a resize shows. */
static int terminal_width(void) {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

/* "12.3s", "4m05s", "6h30m": as long as the time needs and no longer */
static const char *duration(char *buf, size_t n, double seconds) {
  if (!(seconds < 1e9)) snprintf(buf, n, "?");
  else if (seconds < 60) snprintf(buf, n, "%.1fs", seconds);
  else if (seconds < 3600) snprintf(buf, n, "%dm%02ds", (int)seconds / 60, (int)seconds % 60);
  else snprintf(buf, n, "%ldh%02dm", (long)seconds / 3600, (int)((long)seconds % 3600 / 60));
  return buf;
}

#define BAR_MAX 30

void sx_progress_update(sx_progress *p, long step, double f) {
  if (!p->on) return;
  double t = now();
  if (t - p->start < 0.5 || t - p->last < 0.1) return;
  p->last = t;
  double done = (double)step / (double)p->total, rate = (double)step / (t - p->start);
  double eta = rate > 0 ? (double)(p->total - step) / rate : 0;
  char facts[160], line[256], left[32];
  int nfacts = snprintf(facts, sizeof facts, "%3.0f%%  step %ld/%ld  f = %-10.5g %8.3g steps/s  ETA %s",
                        100 * done, step, p->total, f, rate, duration(left, sizeof left, eta));
  if (nfacts < 0) return;
  if (nfacts > (int)sizeof facts - 1) nfacts = (int)sizeof facts - 1;   /* what snprintf kept */
  int width = terminal_width() - 1;   /* the last column would wrap on some terminals */
  if (width > (int)sizeof line - 1) width = (int)sizeof line - 1;
  /* the bar gives up its room first, then the facts lose their tail */
  int bar = width - nfacts - 3;
  if (bar > BAR_MAX) bar = BAR_MAX;
  int n = 0;
  if (bar >= 5) {
    int fill = (int)(done * bar);
    line[n++] = '[';
    for (int i = 0; i < bar; i++) line[n++] = i < fill ? '#' : '.';
    line[n++] = ']';
    line[n++] = ' ';
  }
  int room = width - n;
  if (room < 0) room = 0;
  if (nfacts > room) nfacts = room;
  memcpy(line + n, facts, (size_t)nfacts);
  n += nfacts;
  /* pad over what the last line showed beyond this one */
  int end = n > p->shown ? n : p->shown;
  if (end > width) end = width;
  fprintf(stderr, "\r%.*s%*s", n, line, end - n, "");
  fflush(stderr);
  p->shown = end;
}

void sx_progress_end(sx_progress *p) {
  /* the whole width: the terminal echoes a Ctrl-C ("^C") after the bar */
  if (p->shown) fprintf(stderr, "\r%*s\r", terminal_width() - 1, "");
  p->shown = 0;
}
