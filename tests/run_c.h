/*
** run_c.h -- the tests of the C printer: compile a generated program with
** the system C compiler, warning-free as C99, run it and read what it prints.
*/
#ifndef SLOPE_RUN_C_H
#define SLOPE_RUN_C_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "expr.h"

/* Write program 'b' to a temporary folder, compile and run it, and hand its
** output to 'read' (whose checks count); the folder is removed after. */
static void run_c_program(const sx_buf *b, void (*read)(FILE *out, void *ud), void *ud) {
  char dir[] = "/tmp/slope_ccode_XXXXXX", src[64], exe[64], cmd[256];
  if (!CHECK(mkdtemp(dir) != NULL)) return;
  snprintf(src, sizeof src, "%s/gen.c", dir);
  snprintf(exe, sizeof exe, "%s/gen", dir);
  FILE *f = fopen(src, "w");
  int ok = f && !b->oom && b->p && fwrite(b->p, 1, b->n, f) == b->n;
  if (f) ok &= fclose(f) == 0;
  snprintf(cmd, sizeof cmd,
           "cc -std=c99 -O1 -Wall -Wextra -Wpedantic -Wshadow -Werror -o %s %s -lm", exe, src);
  if (CHECK(ok) && CHECK(system(cmd) == 0)) {
    FILE *out = popen(exe, "r");
    if (CHECK(out != NULL)) {
      read(out, ud);
      CHECK(pclose(out) == 0);
    }
  }
  remove(exe);
  remove(src);
  rmdir(dir);
}

#endif
