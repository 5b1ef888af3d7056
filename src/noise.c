/*
** noise.c -- the listing of the annealing noise kinds: their names, what
** each does and the hyperparameters of each, as slope_hyper rows like those
** of optimizers and schedules, so a host (or help text) can show them.
** The noise itself is added by the run loop (run.c), which reads the fields
** of 'slope_noise' these rows describe.
**
** ORDER NOISE: the kinds follow slope_noise_kind (SLOPE_NOISE_GAUSSIAN, ...);
** the numbers are those the Lua constructors (lua/noise.lua) and the run
** options (lua_run.c: gamma defaults to 0.55) take.
*/
#include <math.h>
#include <string.h>

#include "hyper.h"

/* A value >= 0 (the run loop refuses a negative one); 'def' NAN when required. */
#define NOISE_ROW(name_, def_, required_, about_) \
  { .name = name_, .n = 1, .def = {def_}, .lo = 0, .hi = INFINITY, .required = required_, .about = about_ }
#define NOISE_END { .name = NULL }

typedef struct noise_kind {
  const char *name, *about;
  slope_hyper args[3];
} noise_kind;

static const noise_kind kinds[] = {
  {"gaussian", "add N(0, s_t^2) to every parameter after each update, s_t = schedule(t, std)", {
    NOISE_ROW("std", NAN, 1, "standard deviation of the parameter noise (before the schedule)"),
    NOISE_END}},
  {"langevin", "stochastic gradient Langevin dynamics: add N(0, 2 lr_t T_t) to every parameter "
               "after each update, T_t = schedule(t, temperature)", {
    NOISE_ROW("temperature", NAN, 1, "temperature T (before the schedule); the variance follows each lr"),
    NOISE_END}},
  {"gradient", "add N(0, eta/(1+t)^gamma) to the gradient before each update (Neelakantan et al.)", {
    NOISE_ROW("eta", NAN, 1, "variance of the gradient noise at step 0"),
    NOISE_ROW("gamma", 0.55, 0, "decay exponent of the variance over steps"),
    NOISE_END}},
};

static const char *const kind_names[] = {"gaussian", "langevin", "gradient", NULL};

static const noise_kind *find_kind(const char *name) {
  for (size_t i = 0; name && i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(kinds[i].name, name) == 0) return &kinds[i];
  return NULL;
}

const char *const *slope_noise_kinds(void) { return kind_names; }

const char *slope_noise_about(const char *kind) {
  const noise_kind *k = find_kind(kind);
  return k ? k->about : NULL;
}

const slope_hyper *slope_noise_hyper_at(const char *kind, int i) {
  const noise_kind *k = find_kind(kind);
  if (!k || i < 0) return NULL;
  for (int j = 0; j <= i; j++)
    if (!k->args[j].name) return NULL;
  return &k->args[i];
}
