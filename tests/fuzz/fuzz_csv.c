/*
** fuzz_csv.c -- libFuzzer target: the CSV loader.
**
** 'slope_data_csv' reads a path, so each input is written to one temporary
** file (truncated and rewritten per input) and loaded from there.  Any input
** must load or fail with a message that names the file; a loaded data set
** must be consistent: at least one row, columns of one length, finite
** values, valid unique names that 'slope_data_find' finds again.
** Build and run with tests/fuzz/run.sh.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slope.h"

static char path[64];
static int fd = -1;

static void broken(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_csv: %s: %s\n", what, detail ? detail : "");
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  snprintf(path, sizeof path, "/tmp/slope_fuzz_csv.XXXXXX");
  fd = mkstemp(path);
  if (fd < 0) { perror("mkstemp"); abort(); }
  return 0;
}

static void check_data(const slope_data *d) {
  size_t rows = slope_data_rows(d);
  int nc = slope_data_ncols(d);
  if (rows == 0 || nc < 1) broken("a data set without rows or columns", "");
  for (int j = 0; j < nc; j++) {
    const char *name = slope_data_name(d, j);
    const double *v = slope_data_column(d, j);
    if (!name || !v) broken("a column without a name or values", name);
    if (slope_data_find(d, name) != v) broken("slope_data_find does not find the column", name);
    for (size_t i = 0; i < rows; i++) if (!isfinite(v[i])) broken("a value is not finite", name);
    for (int k = 0; k < j; k++) if (strcmp(slope_data_name(d, k), name) == 0) broken("duplicate name", name);
  }
  if (slope_data_name(d, nc) != NULL) broken("a name past the last column", "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
  slope_ctx *S = slope_new();
  if (!S) return 0;
  slope_data *d = slope_data_csv(S, path);
  if (d) {
    check_data(d);
    slope_data *train = NULL, *test = NULL;
    if (slope_data_rows(d) >= 2 && slope_data_split(d, 0.5, 7, &train, &test) == SLOPE_OK) {
      if (slope_data_rows(train) + slope_data_rows(test) != slope_data_rows(d)) broken("split lost rows", "");
    }
    slope_data_free(train);
    slope_data_free(test);
    slope_data_free(d);
  } else {
    slope_error err = slope_error_get(S);
    if (err.code == SLOPE_OK || !err.message || !strstr(err.message, path))
      broken("a failed load without a message naming the file", err.message);
  }
  slope_free(S);
  return 0;
}
