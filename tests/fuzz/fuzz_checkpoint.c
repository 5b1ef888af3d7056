/*
** fuzz_checkpoint.c -- libFuzzer target: loading checkpoints.
**
** A checkpoint is a binary file a user may hand over from anywhere, so its
** reader gets the treatment of any parser.  Each input is a checkpoint
** without its closing section; the target appends a correct one (tag "END ",
** length 8, the FNV-1a hash of the bytes before it), so the fuzzer explores
** the sections instead of stopping at the checksum.  The file is then
**   - loaded as an optimizer into a problem like the one the seeds were
**     written from (w and b on four data rows, batches of two, shuffled),
**     which then takes a step;
**   - resumed by a three-step Adam run.
** Either works or fails with a message naming the file, never anything else.
** The seeds in tests/fuzz/corpus/checkpoint come from tests/fuzz/seed_checkpoints.lua.
** Build and run with tests/fuzz/run.sh.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slope.h"

static char path[64];
static int fd = -1;

static void broken(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_checkpoint: %s: %s\n", what, detail ? detail : "");
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  snprintf(path, sizeof path, "/tmp/slope_fuzz_ck.XXXXXX");
  fd = mkstemp(path);
  if (fd < 0) { perror("mkstemp"); abort(); }
  return 0;
}

/* The input and a closing section that makes its checksum right. */
static void write_checkpoint(const uint8_t *data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 0x100000001b3ULL;
  unsigned char end[20] = {0};
  memcpy(end, "END ", 4);
  end[4] = 8;   /* the length, a little-endian u64: 8 bytes of hash */
  for (int i = 0; i < 8; i++) end[12 + i] = (unsigned char)(h >> (8 * i));
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
      pwrite(fd, end, sizeof end, (off_t)size) != (ssize_t)sizeof end)
    abort();
}

/* A failure must leave an error that names the file. */
static void expect_error(slope_ctx *S, const char *what) {
  slope_error err = slope_error_get(S);
  if (err.code == SLOPE_OK || !err.message || !strstr(err.message, path)) broken(what, err.message);
  slope_clear_error(S);
}

/* The problem the seeds were written for. */
static slope_problem *problem(slope_ctx *S, slope_data *d) {
  const char *src = "mean((w*x + b - y)^2)", *names[] = {"w", "b"};
  slope_problem *p = slope_problem_new(S, slope_parse(S, src, strlen(src)), names, (double[]){0, 0}, 2, d);
  if (p && slope_problem_batch(p, 2, 1, 42) != SLOPE_OK) broken("batching", slope_error_get(S).message);
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  write_checkpoint(data, size);
  slope_ctx *S = slope_new();
  if (!S) return 0;
  slope_data *d = slope_data_new(S);
  if (!d || slope_data_add(d, "x", (double[]){1, 2, 3, 4}, 4) != SLOPE_OK ||
      slope_data_add(d, "y", (double[]){3, 5, 7, 9}, 4) != SLOPE_OK)
    broken("the data set", slope_error_get(S).message);
  slope_problem *p = problem(S, d);
  if (!p) broken("the problem", slope_error_get(S).message);

  slope_optim *o = slope_checkpoint_optim(S, path, p);
  if (o) {
    double f;
    if (slope_problem_step(p, o, &f) != SLOPE_OK) slope_clear_error(S);   /* e.g. a bad hyperparameter mix */
    slope_optim_free(o);
  } else {
    expect_error(S, "a failed load without a message naming the file");
  }

  slope_problem *q = problem(S, d);
  slope_optim *adam = slope_optim_new(S, "adam", 2);
  if (!q || !adam) broken("the resumed run's setup", slope_error_get(S).message);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 3;
  opts.resume_path = path;
  slope_result r;
  slope_result_init(&r);
  if (slope_run(q, adam, &opts, &r, NULL) != SLOPE_OK) expect_error(S, "a failed resume without a message naming the file");
  slope_optim_free(adam);
  slope_problem_free(q);
  slope_problem_free(p);
  slope_data_free(d);
  slope_free(S);
  return 0;
}
