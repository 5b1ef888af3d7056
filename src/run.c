/*
** run.c -- the run loop: batches, schedules, clipping, noise, the optimizer
** step, divergence checks, logging, tracing and callbacks, all in C.
**
** Order of one step k (t = k-1):
**   select the batch; f, g at x; stop if either is not finite or has blown
**   up (diverged); record the trace row of x_{k-1} (full batch: f and g
**   there are the ones just computed); stop if |g| <= tol_grad (converged);
**   lr_t from the schedule; clip g; add gradient noise; update x; add
**   parameter noise; stop if x is not finite (the point before the update
**   is kept); record a mini-batch row, log, call back; stop if |df| <= tol_f.
** A full-batch run records its last row after the loop, from the
** evaluation that reports the final f.  Nothing is allocated inside the
** loop.
**
** Bounds: the update (and parameter noise) is followed by clamping x into
** the optimizer's box, so every point the run records lies in it.  A
** problem that gives values only has no g: the gradient parts of a step
** (divergence of g, tol_grad, clipping, gradient noise) are left out and
** |g| is NaN.  nfev counts every objective evaluation, the run's and the
** optimizer's, and each trace row holds the count when it was recorded.
**
** Log lines and on_step keep the training-log convention instead: after
** step k they show x_k with the f of step k, measured at x_{k-1}.
**
** Checkpoints are written after every k-th completed step, and a resumed run
** restores what the loop carries from step to step (position, generator,
** last f, epoch sums, batching, optimizer, plateau state) so that it goes
** on exactly as the interrupted run would have.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elements.h"
#include "progress.h"
#include "checkpoint.h"
#include "trace.h"

/*
** Sizes.  The caller's structs may be an older (smaller) layout than this
** library's: options are copied into a full struct holding the defaults, and
** results are made whole here and copied out as far as the caller's 'size'
** goes.  The smallest layouts accepted are those of slope 0.1, the first with
** 'size' (they end at 'progress' and 'message'); never change these two.
*/
#define OPTS_SIZE_MIN (offsetof(slope_run_opts, progress) + sizeof(int))
#define RESULT_SIZE_MIN (offsetof(slope_result, message) + 512)

static slope_run_opts defaults(void) {
  slope_run_opts o;
  memset(&o, 0, sizeof o);
  o.size = sizeof o;
  o.steps = 100;
  o.trace_every = 1;
  o.every = 1;
  return o;
}

/* Writes only the caller's 'size' bytes: a host built against an older
** slope.h has a smaller struct. */
void slope_run_defaults_sized(slope_run_opts *o, size_t size) {
  slope_run_opts d = defaults();
  if (!o || size < sizeof d.size) return;   /* not even room for the size */
  d.size = size;
  memcpy(o, &d, size < sizeof d ? size : sizeof d);
}

void slope_result_init_sized(slope_result *r, size_t size) {
  slope_result z;
  memset(&z, 0, sizeof z);
  if (!r || size < sizeof z.size) return;
  z.size = size;
  memcpy(r, &z, size < sizeof z ? size : sizeof z);
}

/* A struct's 'size' must be one of its layouts' (from min to this library's
** sizeof); 0 or garbage means it was not initialized, and a larger size a
** host built against a newer slope.h than this library. */
static int check_size(slope_ctx *S, const char *type, size_t size, size_t min, size_t max, const char *init) {
  if (size == 0)
    return sx_error(S, SLOPE_ERRARG, "%s.size is 0: initialize it with %s before setting fields", type, init);
  if (size < min || size > max)
    return sx_error(S, SLOPE_ERRARG, "%s.size is %zu, but this libslope takes %zu to %zu bytes: initialize "
                    "it with %s, and run the program with the libslope of the slope.h it was built with "
                    "or a newer one", type, size, min, max, init);
  return SLOPE_OK;
}

const char *slope_status_name(int status) {
  switch (status) {
  case SLOPE_MAX_STEPS: return "max_steps";
  case SLOPE_CONVERGED: return "converged";
  case SLOPE_DIVERGED: return "diverged";
  case SLOPE_STOPPED: return "stopped";
  case SLOPE_STATUS_ERROR: return "error";
  default: return "unknown";
  }
}

/* Everything one run needs, allocated once before the loop. */
typedef struct run {
  slope_problem *p;
  slope_optim *o;
  const slope_run_opts *opt;
  slope_result *r;
  slope_trace *trace;
  int n;
  int values;          /* the problem gives values only: no gradient */
  long nfev;           /* objective evaluations so far */
  double *g, *xprev, *lr, *base, *gscratch;
  int has_prev;        /* xprev holds the point before an update this run made
                       ** (not so at the start, nor right after a resume) */
  double f, fprev, gnorm, lr0;
  double f0;           /* f where this run (or the resumed one) started */
  int ascend;          /* the run maximizes */
  int minibatch;       /* a step's f and g cover only its batch */
  long recorded;       /* step of the last trace row; -1: none yet */
  int logged;          /* a log line was printed */
  long step, epoch;
  double epoch_fsum;
  long epoch_steps;
  slope_rng rng;
  struct timespec start;
  long next_clock;     /* the step at which the time limit is next checked */
  sx_ckpt ck;          /* the checkpoint writer, when checkpointing */
  int stepped;         /* the last call of 'step' completed an update */
  int resumed;         /* the run continues a checkpoint */
  sx_progress bar;
} run;

static double elapsed(const run *R) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - R->start.tv_sec) + 1e-9 * (double)(now.tv_nsec - R->start.tv_nsec);
}

static int all_finite(const double *v, int n) {
  for (int i = 0; i < n; i++) if (!isfinite(v[i])) return 0;
  return 1;
}

static double norm2(const double *v, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  if (isfinite(s)) return sqrt(s);
  /* the squares overflowed though the entries may be finite (|g| ~ 1e200):
  ** rescale by the largest magnitude, as clip.c does */
  double big = 0;
  for (int i = 0; i < n; i++) big = fmax(big, fabs(v[i]));
  if (!isfinite(big)) return big;
  s = 0;
  for (int i = 0; i < n; i++) s += (v[i] / big) * (v[i] / big);
  return big * sqrt(s);
}

/* f, and g unless the problem gives values only, at the current point over
** the current batch (eval_batch) or at 'x' over all rows (eval_all); each
** evaluation counts in nfev. */
static int eval_batch(run *R, double *f, double *g) {
  R->nfev++;
  return sx_problem_eval_batch(R->p, R->p->x, f, R->values ? NULL : g);
}

static int eval_all(run *R, const double *x, double *f, double *g) {
  R->nfev++;
  return slope_problem_eval(R->p, x, f, R->values ? NULL : g);
}

static double grad_norm(const run *R, const double *g) {
  return R->values ? NAN : norm2(g, R->n);
}

/* A problem known by its values only: what needs a gradient cannot run. */
static int check_values_only(slope_ctx *S, const slope_run_opts *o, const slope_optim *opt) {
  const char *kind = slope_optim_kind(opt);
  if (slope_optim_needs(kind) & SLOPE_NEEDS_GRAD)
    return sx_error(S, SLOPE_ERRARG, "%s needs the gradient, and this objective gives values only: "
                    "use a derivative-free kind (one whose needs lack the gradient, such as anneal)", kind);
  if (o->tol_grad > 0) return sx_error(S, SLOPE_ERRARG, "tol_grad needs a gradient, and this objective "
                                       "gives values only (use tol_f)");
  if (o->clip_norm > 0 || o->clip_value > 0)
    return sx_error(S, SLOPE_ERRARG, "clipping needs a gradient, and this objective gives values only");
  if (o->noise.kind == SLOPE_NOISE_GRADIENT)
    return sx_error(S, SLOPE_ERRARG, "gradient noise needs a gradient, and this objective gives values only");
  return SLOPE_OK;
}

/* The point must start inside the optimizer's box. */
static int check_start(const run *R) {
  const double *lo = R->o->lo, *hi = R->o->hi, *x = R->p->x;
  for (int i = 0; lo && i < R->n; i++)
    if (!(x[i] >= lo[i] && x[i] <= hi[i]))
      return sx_error(R->p->S, SLOPE_ERRARG, "the start of '%s' is %g, outside its bounds [%g, %g]",
                      R->p->names[i], x[i], lo[i], hi[i]);
  return SLOPE_OK;
}

/* Clamp the (finite) point into the optimizer's box.  The sampling kinds
** keep their points inside it already, and clamping a point in the box
** leaves it as it is, so no kind needs to be told apart. */
static void project(run *R) {
  const double *lo = R->o->lo, *hi = R->o->hi;
  double *x = R->p->x;
  for (int i = 0; lo && i < R->n; i++) x[i] = fmin(fmax(x[i], lo[i]), hi[i]);
}

static int check_opts(slope_ctx *S, const slope_run_opts *o, const slope_problem *p) {
  if (o->steps < 0) return sx_error(S, SLOPE_ERRARG, "steps must be >= 0, got %ld", o->steps);
  if (o->epochs < 0) return sx_error(S, SLOPE_ERRARG, "epochs must be >= 0, got %ld", o->epochs);
  if (o->steps && o->epochs) return sx_error(S, SLOPE_ERRARG, "give steps or epochs, not both");
  if (o->clip_norm < 0 || o->clip_value < 0)
    return sx_error(S, SLOPE_ERRARG, "%s must be >= 0 (0: off), got %g",
                    o->clip_norm < 0 ? "clip_norm" : "clip_value",
                    o->clip_norm < 0 ? o->clip_norm : o->clip_value);
  if (o->tol_grad < 0 || o->tol_f < 0) return sx_error(S, SLOPE_ERRARG, "tolerances must be >= 0");
  if (o->trace_every < 0 || o->log_every < 0 || o->every < 0)
    return sx_error(S, SLOPE_ERRARG, "trace, log and every must be >= 0");
  for (int j = 0; o->log_list && j < o->log_nlist; j++)
    if (o->log_list[j] < 0 || o->log_list[j] >= p->n)
      return sx_error(S, SLOPE_ERRARG, "log_list[%d] = %d is not a parameter index (0 to %d)", j, o->log_list[j], p->n - 1);
  if (o->lr) for (int i = 0; i < p->n; i++)
    if (!(o->lr[i] >= 0)) return sx_error(S, SLOPE_ERRARG, "lr for '%s' must be >= 0, got %g", p->names[i], o->lr[i]);
  if (o->schedule && sx_schedule_check(o->schedule) != SLOPE_OK) return S->errcode;
  if (o->checkpoint_every < 0 || (o->checkpoint_every > 0) != (o->checkpoint_path != NULL))
    return sx_error(S, SLOPE_ERRARG, "checkpoints need both a path and every >= 1 (steps between them)");
  const slope_noise *z = &o->noise;
  if (z->schedule && sx_schedule_check(z->schedule) != SLOPE_OK) return S->errcode;
  if (z->std < 0 || z->temperature < 0 || z->eta < 0 || z->gamma < 0)
    return sx_error(S, SLOPE_ERRARG, "noise std, temperature, eta and gamma must be >= 0");
  return SLOPE_OK;
}

/* The learning rate of each parameter at t; cycling schedules also set
** momentum (or beta1), which the optimizer may refuse: an error of the run. */
static int set_rates(run *R, long t) {
  const slope_run_opts *o = R->opt;
  for (int i = 0; i < R->n; i++)
    R->lr[i] = o->schedule ? slope_schedule_lr(o->schedule, t, R->base[i]) : R->base[i];
  double m, betas[2];
  int rc = SLOPE_OK;
  if (!o->schedule || !slope_schedule_momentum(o->schedule, t, &m)) return SLOPE_OK;
  if (slope_optim_get(R->o, "momentum", betas, 1) == 1) rc = slope_optim_set(R->o, "momentum", &m, 1);
  else if (slope_optim_get(R->o, "betas", betas, 2) == 2) {
    betas[0] = m;
    rc = slope_optim_set(R->o, "betas", betas, 2);
  }
  if (rc != SLOPE_OK) {
    const slope_schedule *s = o->schedule;
    sx_error_context(R->p->S, "the %s schedule set an invalid momentum",
                     s->kind ? s->kind->name : "sequential");
  }
  return rc;
}

static void add_gradient_noise(run *R, long t) {
  const slope_noise *z = &R->opt->noise;
  if (z->kind != SLOPE_NOISE_GRADIENT) return;
  double sd = sqrt(z->eta / pow(1.0 + (double)t, z->gamma));
  for (int i = 0; i < R->n; i++) R->g[i] += sd * slope_rng_normal(&R->rng);
}

static void add_parameter_noise(run *R, long t) {
  const slope_noise *z = &R->opt->noise;
  if (z->kind == SLOPE_NOISE_GAUSSIAN) {
    double sd = z->schedule ? slope_schedule_lr(z->schedule, t, z->std) : z->std;
    for (int i = 0; i < R->n; i++) R->p->x[i] += sd * slope_rng_normal(&R->rng);
  } else if (z->kind == SLOPE_NOISE_LANGEVIN) {
    /* SGLD's variance follows each parameter's own step size */
    double T = z->schedule ? slope_schedule_lr(z->schedule, t, z->temperature) : z->temperature;
    for (int i = 0; i < R->n; i++) R->p->x[i] += sqrt(2 * R->lr[i] * T) * slope_rng_normal(&R->rng);
  }
}

/* "  b = -0.3" for a scalar; "  w = [0.12, -0.3, 1]" for an array of at
** most LOG_ELEMENTS elements (a matrix's rows separated by ';'), and a
** summary of a longer one: "  w = [0.12, -0.3, ... 20 values]". */
enum { LOG_ELEMENTS = 4, LOG_SHOWN = 2 };
static void log_var(FILE *fp, const slope_problem *p, int k) {
  const struct sx_pvar *v = &p->vars[k];
  const double *x = p->x + v->offset;
  if (v->shape.rank == 0) {
    fprintf(fp, "  %s = %.4g", v->name, x[0]);
    return;
  }
  size_t n = sx_shape_count(&v->shape), shown = n <= LOG_ELEMENTS ? n : LOG_SHOWN;
  int cols = v->shape.rank == 2 ? v->shape.dim[1] : (int)n;
  fprintf(fp, "  %s = [", v->name);
  for (size_t e = 0; e < shown; e++)
    fprintf(fp, "%s%.4g", e == 0 ? "" : e % (size_t)cols ? ", " : "; ", x[e]);
  if (shown == n) fputc(']', fp);
  else if (v->shape.rank == 1) fprintf(fp, ", ... %zu values]", n);
  else fprintf(fp, ", ... %dx%d values]", v->shape.dim[0], v->shape.dim[1]);
}

/* The array parameter whose elements in order start list[0..n), or -1. */
static int whole_var(const slope_problem *p, const int *list, int n) {
  for (int k = 0; k < p->nvars; k++) {
    const struct sx_pvar *v = &p->vars[k];
    int count = (int)sx_shape_count(&v->shape);
    if (v->shape.rank == 0 || list[0] != v->offset || count > n) continue;
    int e = 1;
    while (e < count && list[e] == v->offset + e) e++;
    return e == count ? k : -1;
  }
  return -1;
}

/* "step 10  f = 0.5  w = 1.2  b = -0.3": f of step k and the point after it.
** A model past SLOPE_LOG_PARAMS parameters would print a wall of numbers on
** every line: it gets f, |g| and lr, and the first line says where the
** parameters are. */
static void log_line(run *R, const char *unit, long k) {
  const slope_run_opts *o = R->opt;
  FILE *fp = o->log_file ? o->log_file : stdout;
  fprintf(fp, "%s %ld  f = %.5g", unit, k, R->f);
  int all = o->log_params > 0 || (o->log_params == 0 && R->p->nvars <= SLOPE_LOG_PARAMS);
  if (o->log_list) {
    for (int j = 0; j < o->log_nlist; j++) {
      int v = whole_var(R->p, o->log_list + j, o->log_nlist - j);
      if (v >= 0) {
        log_var(fp, R->p, v);
        j += (int)sx_shape_count(&R->p->vars[v].shape) - 1;
      } else fprintf(fp, "  %s = %.4g", R->p->names[o->log_list[j]], R->p->x[o->log_list[j]]);
    }
  } else if (all) {
    for (int v = 0; v < R->p->nvars; v++) log_var(fp, R->p, v);
  } else {
    fprintf(fp, "  |g| = %.4g  lr = %.4g", R->gnorm, R->lr[0]);
    if (o->log_params == 0 && !R->logged)
      fprintf(fp, "   (%d parameters, not shown: they are in the trace; log_params = true "
              "or a list of names shows them)", R->n);
  }
  R->logged = 1;
  fputc('\n', fp);
}

static int stop(run *R, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(R->r->message, sizeof R->r->message, fmt, ap);
  va_end(ap);
  R->r->status = status;
  return 1;
}

/* Index of the first entry of 'v' that is not finite, or -1. */
static int first_bad(const double *v, int n) {
  for (int i = 0; i < n; i++) if (!isfinite(v[i])) return i;
  return -1;
}

/* "x = -0.65, y = 2" for the first few parameters of 'x'. */
static void point_text(const run *R, const double *x, char *out, size_t cap) {
  size_t k = 0;
  out[0] = '\0';
  for (int i = 0; i < R->n && i < 3 && k < cap; i++)
    k += (size_t)snprintf(out + k, cap - k, "%s%s = %.4g", i ? ", " : "", R->p->names[i], x[i]);
  if (R->n > 3 && k < cap) snprintf(out + k, cap - k, ", ...");
}

/* "; f = log(x) + x" (shortened to about 60 characters), or nothing for
** host callbacks.  Printing must not leave an error behind in the context. */
static void objective_text(const run *R, char *out, size_t cap) {
  slope_ctx *S = R->p->S;
  out[0] = '\0';
  if (!R->p->f || sx_failed(S)) return;
  const char *t = slope_print(S, R->p->f);
  if (!t) { slope_clear_error(S); return; }
  if (strlen(t) > 60) snprintf(out, cap, "; f = %.57s...", t);
  else snprintf(out, cap, "; f = %s", t);
}

/* What went wrong, for the message: f, one gradient entry or one parameter
** that is not finite, where, and the objective's text. */
enum { BAD_F, BAD_GRAD, BAD_X, BAD_GROWTH, BAD_BIG_X };

/*
** A run can blow up without ever reaching inf: lr 1e-4 on badly scaled data
** took f to 5e26 in 100 steps and ended as 'max_steps'.  Two bounds that a
** run going anywhere sensible does not reach tell it apart:
**  - f moved the wrong way (up when minimizing) by more than GROWTH times
**    (1 + |f at the start|).  An optimizer makes f smaller; noise, annealing
**    or a mini-batch make it larger only by small factors for a while, never
**    by twelve orders of magnitude: a run that does is growing geometrically
**    and would overflow some hundred steps later.
**  - a parameter passed BIG_X: its square (almost every loss has one) is
**    then within 1e8 of overflowing, and no quantity a model fits lives
**    there.  This bound also catches an ascent of a function unbounded above.
** A resumed run measures growth from the checkpoint's f.
*/
#define GROWTH 1e12
#define BIG_X 1e150

static int blew_up(const run *R) {
  double sign = R->ascend ? -1 : 1;
  if (sign * (R->f - R->f0) > GROWTH * (1 + fabs(R->f0))) return BAD_GROWTH;
  for (int i = 0; i < R->n; i++) if (fabs(R->p->x[i]) > BIG_X) return BAD_BIG_X;
  return 0;
}

/* "nan", "inf" or "-inf" ("-nan" would only confuse). */
static const char *bad_word(double v) { return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

static void what_text(const run *R, int bad, char *out, size_t cap) {
  char at[96], fn[80], why[200];
  int i = bad == BAD_GRAD ? first_bad(R->g, R->n) : bad == BAD_X ? first_bad(R->p->x, R->n) : -1;
  if (bad != BAD_F && i < 0) i = 0;
  point_text(R, R->p->x, at, sizeof at);
  if (bad == BAD_X) {
    snprintf(out, cap, "the update made %s %s", R->p->names[i], bad_word(R->p->x[i]));
    return;
  }
  if (bad == BAD_GROWTH) {
    snprintf(out, cap, "f %s from %.4g at the start to %.4g at %s (it grows without bound)",
             R->ascend ? "fell" : "rose", R->f0, R->f, at);
    return;
  }
  if (bad == BAD_BIG_X) {
    for (i = 0; fabs(R->p->x[i]) <= BIG_X; i++) {}
    snprintf(out, cap, "%s = %.4g passed %g (f = %.4g)", R->p->names[i], R->p->x[i], BIG_X, R->f);
    return;
  }
  char value[80];
  if (bad == BAD_F) snprintf(value, sizeof value, "f = %s", bad_word(R->f));
  else snprintf(value, sizeof value, "the gradient is not finite: d/d%s = %s", R->p->names[i], bad_word(R->g[i]));
  if (sx_problem_explain(R->p, R->p->x, i, why, sizeof why)) {
    snprintf(out, cap, "%s at %s, where %s", value, at, why);
    return;
  }
  objective_text(R, fn, sizeof fn);
  snprintf(out, cap, "%s at %s%s", value, at, fn);
}

/* f went to infinity in the direction the run goes (+inf when maximizing):
** no step size helps, the function has no optimum.  A parameter past BIG_X
** while f improved on its start is the same, caught before f overflows. */
static int unbounded(const run *R, int bad) {
  double sign = R->ascend ? 1 : -1;
  if (bad == BAD_F) return isinf(R->f) && sign * R->f > 0;
  return bad == BAD_BIG_X && sign * (R->f - R->f0) > 0;
}

/* Stop as diverged at the last point where f was finite: with 'revert' the
** point before the previous update (f or g is not finite at the current
** one), else the point before this update (the update itself went bad). */
static int diverged(run *R, int bad, int revert) {
  char what[400], advice[200];
  what_text(R, bad, what, sizeof what);
  if (revert && !R->has_prev) {   /* nothing finite to go back to: no update was made */
    R->step--;
    return stop(R, SLOPE_DIVERGED, "diverged at the %s point: %s; no step was made",
                R->step ? "resumed" : "start", what);
  }
  memcpy(R->p->x, R->xprev, (size_t)R->n * sizeof *R->xprev);
  if (revert) R->step--;
  /* the advice goes in whole: long names shorten the description instead */
  int len;
  if (unbounded(R, bad))
    len = snprintf(advice, sizeof advice, "; f is unbounded %s: it has no %s to find "
                   "(the last finite point is kept)", R->ascend ? "above" : "below",
                   R->ascend ? "maximum" : "minimum");
  else if (bad == BAD_GROWTH || bad == BAD_BIG_X) {
    char last[96];
    point_text(R, R->p->x, last, sizeof last);
    len = snprintf(advice, sizeof advice, "; the last point within bounds is kept (%s). "
                   "Try a smaller learning rate (lr = %g now) or clipping", last, R->lr[0]);
  } else
    len = snprintf(advice, sizeof advice, "; the last finite point is kept. "
                   "Try a smaller learning rate (lr = %g now) or clipping", R->lr[0]);
  int room = (int)sizeof R->r->message - len - 32;
  return stop(R, SLOPE_DIVERGED, "diverged at step %ld: %.*s%s", R->step, room > 0 ? room : 0, what, advice);
}

/* Row k is due: every trace_every-th step, and the run's first row. */
static int row_due(const run *R, long k) {
  if (!R->trace || k <= R->recorded) return 0;
  return R->recorded < 0 || k % R->opt->trace_every == 0;
}

/* Record row k, the current point x_k with f and |g| there, when it is due;
** 1 when the run stops because memory for the trace ran out. */
static int record(run *R, long k, double f, double gnorm, double batch_f) {
  if (!row_due(R, k)) return 0;
  if (sx_trace_add(R->trace, k, f, R->lr[0], gnorm, batch_f, R->nfev, R->p->x) != SLOPE_OK) {
    /* keep the run's results: stop where memory for the trace ran out */
    slope_clear_error(R->p->S);
    return stop(R, SLOPE_STOPPED, "stopped at step %ld: no memory left for the trace "
                "(record every k-th step with trace = k)", k);
  }
  R->recorded = k;
  return 0;
}

/* The row of x_k in a mini-batch run: its batch's f, and f and |g| over all
** the data when asked (the gradient goes to scratch: R->g is still used). */
static int record_minibatch(run *R, long k) {
  double f = NAN, gnorm = NAN;
  if (!row_due(R, k)) return 0;
  if (R->opt->trace_full) {
    if (eval_all(R, R->p->x, &f, R->gscratch) != SLOPE_OK) return -1;
    gnorm = grad_norm(R, R->gscratch);
  }
  return record(R, k, f, gnorm, R->f);
}

/* Record, log and call back after the update of step R->step. */
static int after_update(run *R, int end_epoch) {
  const slope_run_opts *o = R->opt;
  long k = R->step;
  if (R->minibatch) {
    int rc = record_minibatch(R, k);
    if (rc) return rc;
  }
  if (o->log_every) {
    if (o->epochs) { if (end_epoch && R->epoch % o->log_every == 0) log_line(R, "epoch", R->epoch); }
    else if (k % o->log_every == 0) log_line(R, "step", k);
  }
  if (o->on_step && o->every && k % o->every == 0) {
    slope_step_info s = {sizeof s, k, R->epoch, R->f, R->lr[0], R->gnorm, R->p->x, R->n};
    if (o->on_step(o->ud, &s)) {
      if (o->interrupt && *o->interrupt) return stop(R, SLOPE_STOPPED, "interrupted at step %ld", k);
      return stop(R, SLOPE_STOPPED, "stopped by on_step at step %ld", k);
    }
    if (sx_failed(R->p->S)) return -1;
  }
  return 0;
}

/*
** Whether the run is past its time limit at step t.  Reading the clock costs
** as much as a cheap step, so it is read about once a millisecond: every
** step when steps are slow (a 1000-parameter Newton step takes 0.1 s), at
** most every 64 steps when they are fast.
*/
static int over_time(run *R, long t) {
  double e = elapsed(R);
  double per_step = e / (double)(t + 1);
  long every = per_step > 0 ? (long)(1e-3 / per_step) : 64;
  R->next_clock = t + (every < 1 ? 1 : every > 64 ? 64 : every);
  return e > R->opt->max_seconds;
}

/* One step; returns 1 when the run ends, -1 on error. */
static int step(run *R) {
  const slope_run_opts *o = R->opt;
  slope_problem *p = R->p;
  int n = R->n;
  long t = R->step;   /* 0-based index of this step */
  R->stepped = 0;
  if (o->interrupt && *o->interrupt) return stop(R, SLOPE_STOPPED, "interrupted at step %ld", t);
  if (o->max_seconds > 0 && t >= R->next_clock && over_time(R, t))
    return stop(R, SLOPE_STOPPED, "time limit of %g s reached at step %ld", o->max_seconds, t);
  int end_epoch = sx_problem_next_batch(p);
  R->step++;
  if (eval_batch(R, &R->f, R->g) != SLOPE_OK) return -1;
  if (!isfinite(R->f)) return diverged(R, BAD_F, 1);
  if (!R->values && !all_finite(R->g, n)) return diverged(R, BAD_GRAD, 1);
  int big = blew_up(R);
  if (big) return diverged(R, big, 1);
  R->gnorm = grad_norm(R, R->g);
  if (!R->minibatch && record(R, t, R->f, R->gnorm, NAN)) {
    R->step--;   /* the step made no update */
    return 1;
  }
  if (o->tol_grad > 0 && R->gnorm <= o->tol_grad) {
    R->step--;
    return stop(R, SLOPE_CONVERGED, "converged: gradient norm %.3g <= tol_grad %g", R->gnorm, o->tol_grad);
  }
  if (set_rates(R, o->schedule_per_epoch ? R->epoch : t) != SLOPE_OK) return -1;
  if (o->clip_norm > 0) slope_clip_norm(R->g, n, o->clip_norm);
  if (o->clip_value > 0) slope_clip_value(R->g, n, o->clip_value);
  add_gradient_noise(R, t);
  memcpy(R->xprev, p->x, (size_t)n * sizeof *p->x);
  R->has_prev = 1;
  slope_objective obj = sx_problem_objective(p);
  int rc = slope_optim_step(R->o, p->x, R->f, R->values ? NULL : R->g,
                            o->lr || o->schedule ? R->lr : NULL, &obj, &R->rng);
  R->nfev += slope_optim_evals(R->o);
  if (rc != SLOPE_OK) return -1;
  add_parameter_noise(R, t);
  if (!all_finite(p->x, n)) return diverged(R, BAD_X, 0);
  project(R);
  R->epoch_fsum += R->f;
  R->epoch_steps++;
  if (end_epoch) {
    R->epoch++;
    if (o->schedule) slope_schedule_observe(o->schedule, R->epoch_fsum / (double)R->epoch_steps);
    R->epoch_fsum = 0;
    R->epoch_steps = 0;
  }
  R->stepped = 1;
  rc = after_update(R, end_epoch);
  if (rc) return rc;
  if (R->o->done) return stop(R, SLOPE_CONVERGED, "converged: %s", R->o->done);
  if (o->tol_f > 0 && R->step > 1 && fabs(R->f - R->fprev) <= o->tol_f)
    return stop(R, SLOPE_CONVERGED, "converged: |change in f| %.3g <= tol_f %g", fabs(R->f - R->fprev), o->tol_f);
  R->fprev = R->f;
  return 0;
}

/* Step R->step failed (the error is recorded): say which step, and count
** only the updates made.  Returns the error code. */
static int step_failed(run *R) {
  slope_ctx *S = R->p->S;
  if (!sx_failed(S)) sx_error(S, SLOPE_ERRARG, "%s: the step failed", slope_optim_kind(R->o));
  sx_error_context(S, "step %ld", R->step);
  if (!R->stepped) R->step--;
  return S->errcode;
}

/* The run failed with the error recorded in S: the result says so. */
static int failed(slope_result *r, slope_ctx *S) {
  if (!sx_failed(S)) sx_error(S, SLOPE_ERRARG, "the run failed");   /* not expected: say something */
  size_t n = strlen(S->errmsg);
  if (n >= sizeof r->message) n = sizeof r->message - 1;
  memcpy(r->message, S->errmsg, n);
  r->message[n] = '\0';
  r->status = SLOPE_STATUS_ERROR;
  return S->errcode;
}

/* Base rates: per parameter, or the optimizer's lr for all. */
static void set_base(run *R) {
  double lr0 = 0;
  slope_optim_get(R->o, "lr", &lr0, 1);
  for (int i = 0; i < R->n; i++) R->base[i] = R->opt->lr ? R->opt->lr[i] : lr0;
}

/* Continue from a checkpoint: its hyperparameters replace the optimizer's
** (as torch's load_state_dict does), except maximize, which the run sets
** from the call and the optimizer given now. */
static int resume(run *R, int has_max, double want_max) {
  slope_ctx *S = R->p->S;
  sx_run_pos pos = {0};
  pos.lr = R->lr;
  if (sx_ckpt_read(S, R->opt->resume_path, &pos, R->p, R->o, R->opt->schedule) != SLOPE_OK) return S->errcode;
  if (has_max && slope_optim_set(R->o, "maximize", &want_max, 1) != SLOPE_OK) return S->errcode;
  R->step = pos.step;
  R->epoch = pos.epoch;
  R->epoch_fsum = pos.epoch_fsum;
  R->epoch_steps = pos.epoch_steps;
  R->f = R->fprev = pos.f;   /* a completed step leaves fprev == f */
  R->gnorm = pos.grad_norm;
  R->rng = pos.rng;
  R->resumed = 1;
  set_base(R);
  return SLOPE_OK;
}

/* After step R->step completed: a checkpoint when one is due. */
static int checkpoint(run *R) {
  long every = R->opt->checkpoint_every;
  if (!every || !R->stepped || R->step % every != 0) return SLOPE_OK;
  sx_run_pos pos = {R->step, R->epoch, R->epoch_fsum, R->epoch_steps, R->f, R->gnorm, R->lr, R->rng};
  return sx_ckpt_write(&R->ck, &pos, R->p, R->o, R->opt->schedule);
}

static int setup(run *R) {
  slope_ctx *S = R->p->S;
  int n = R->n;
  R->g = malloc(5 * (size_t)n * sizeof *R->g);
  if (!R->g) return sx_error(S, SLOPE_ERRMEM, "out of memory");
  R->xprev = R->g + n;
  R->lr = R->g + 2 * n;
  R->base = R->g + 3 * n;
  R->gscratch = R->g + 4 * n;
  R->minibatch = sx_problem_steps_per_epoch(R->p) > 1;
  R->recorded = -1;
  set_base(R);
  sx_schedule_restart(R->opt->schedule);
  if (set_rates(R, 0) != SLOPE_OK) {   /* the rates of step 1 */
    sx_error_context(S, "step 1");
    return S->errcode;
  }
  slope_rng_seed(&R->rng, R->opt->seed ^ 0x5deece66dULL);
  clock_gettime(CLOCK_MONOTONIC, &R->start);
  return SLOPE_OK;
}

/* The run, with options and result in this library's full layouts. */
static int run_full(slope_problem *p, slope_optim *o, const slope_run_opts *opts,
                    slope_result *r, slope_trace **trace) {
  slope_ctx *S = p->S;
  memset(r, 0, sizeof *r);
  r->size = sizeof *r;
  if (sx_problem_check_optim(p, o, "slope_run") != SLOPE_OK) return failed(r, S);
  if ((opts->schedule && opts->schedule->S != S) || (opts->noise.schedule && opts->noise.schedule->S != S))
    return sx_misuse(S, "slope_run", "the %sschedule was made from another context",
                     opts->schedule && opts->schedule->S != S ? "" : "noise "), failed(r, S);
  if (check_opts(S, opts, p) != SLOPE_OK) return failed(r, S);
  long total = opts->epochs ? opts->epochs * (long)sx_problem_steps_per_epoch(p) : opts->steps;
  /* ascent when the call or the optimizer asks for it: a script ported from
  ** PyTorch says sgd(..., maximize=True) and calls a plain minimize */
  double was_max = 0;
  int has_max = slope_optim_get(o, "maximize", &was_max, 1) == 1;
  double want_max = opts->maximize || was_max != 0;
  if (opts->maximize && !has_max) {
    sx_error(S, SLOPE_ERRARG, "%s cannot maximize", slope_optim_kind(o));
    return failed(r, S);
  }
  if (p->values_only && check_values_only(S, opts, o) != SLOPE_OK) return failed(r, S);
  if ((opts->lower || opts->upper) && slope_optim_set_bounds(o, opts->lower, opts->upper) != SLOPE_OK)
    return failed(r, S);
  if (has_max && slope_optim_set(o, "maximize", &want_max, 1) != SLOPE_OK) return failed(r, S);

  run R = {0};
  R.p = p, R.o = o, R.opt = opts, R.r = r, R.n = p->n, R.values = p->values_only;
  int rc = setup(&R);
  if (rc == SLOPE_OK && opts->resume_path) rc = resume(&R, has_max, want_max);
  if (rc == SLOPE_OK) rc = check_start(&R);
  if (rc == SLOPE_OK && opts->checkpoint_every)
    rc = sx_ckpt_init(&R.ck, S, opts->checkpoint_path, p, o, opts->schedule, 1);
  if (rc == SLOPE_OK && trace && opts->trace_every)
    if (!(R.trace = sx_trace_new(S, R.n, (size_t)(total / opts->trace_every) + 2, R.minibatch)))
      rc = S->errcode;
  if (rc == SLOPE_OK && !R.resumed) {
    rc = eval_all(&R, p->x, &R.f, R.g);
    R.fprev = R.f;
    R.gnorm = grad_norm(&R, R.g);
  }
  R.f0 = R.f;
  R.ascend = want_max != 0;
  /* the first row: the start point, or a resumed run's checkpoint point,
  ** with f and |g| over all the data there (the loop's f at a checkpoint
  ** is that of the step before it) */
  r->status = SLOPE_MAX_STEPS;
  int end = 0;
  if (rc == SLOPE_OK && R.trace && R.resumed && R.minibatch) {
    /* as the interrupted run recorded it: the batch's f of the checkpoint's step */
    end = record_minibatch(&R, R.step);
    if (end < 0) rc = S->errcode;
  } else if (rc == SLOPE_OK && R.trace) {
    double f0 = R.f, *g0 = R.g;
    if (R.resumed) rc = eval_all(&R, p->x, &f0, g0 = R.gscratch);
    if (rc == SLOPE_OK) end = record(&R, R.step, f0, grad_norm(&R, g0), NAN);
  }
  sx_progress_start(&R.bar, opts->progress, total);
  while (rc == SLOPE_OK && !end && R.step < total) {
    end = step(&R);
    if ((R.step & 1023) == 0) sx_progress_update(&R.bar, R.step, R.f);
    rc = end < 0 ? step_failed(&R) : checkpoint(&R);
  }
  sx_progress_end(&R.bar);
  if (rc == SLOPE_OK && r->status == SLOPE_MAX_STEPS)
    snprintf(r->message, sizeof r->message, "reached the step limit (%ld steps)", R.step);
  if (rc == SLOPE_OK && opts->log_every && r->status != SLOPE_MAX_STEPS)
    fprintf(opts->log_file ? opts->log_file : stdout, "%s\n", r->message);
  /* report f and |g| at the final point over all rows, keeping them finite */
  double f = R.f;
  int final = rc == SLOPE_OK ? eval_all(&R, p->x, &f, R.g) : rc;
  if (final == SLOPE_OK && isfinite(f)) {
    r->f = f;
    r->grad_norm = grad_norm(&R, R.g);
    /* a full-batch run's last row costs this evaluation; a diverged run
    ** went back to a point it has recorded */
    if (!R.minibatch && r->status != SLOPE_DIVERGED) record(&R, R.step, f, r->grad_norm, NAN);
  } else {
    r->f = isfinite(R.f) ? R.f : R.fprev;
    if (rc == SLOPE_OK) slope_clear_error(S);   /* the run stands without that evaluation */
  }
  if (!isfinite(r->grad_norm)) r->grad_norm = R.values ? NAN : 0;
  r->steps = R.step;
  r->nfev = R.nfev;
  r->epochs = R.epoch;
  /* give the caller's maximize back (a value the optimizer held, so it is
  ** accepted); the setter's sx_enter set the run's error aside: take it back */
  if (has_max && slope_optim_set(o, "maximize", &was_max, 1) == SLOPE_OK && rc != SLOPE_OK)
    sx_error_back(S);
  if (rc != SLOPE_OK) failed(r, S);
  sx_ckpt_free(&R.ck);
  free(R.g);
  if (rc == SLOPE_OK && trace) *trace = R.trace;
  else slope_trace_free(R.trace);
  return rc;
}

int slope_run(slope_problem *p, slope_optim *o, const slope_run_opts *opts,
              slope_result *r, slope_trace **trace) {
  if (trace) *trace = NULL;
  SX_ENTER_OBJ(p, SLOPE_ERRMISUSE);
  slope_ctx *S = p->S;
  SX_MISUSE_IF(S, !r, SLOPE_ERRMISUSE, "the result 'r' is NULL");
  if (check_size(S, "slope_result", r->size, RESULT_SIZE_MIN, sizeof *r, "slope_result_init(&r)") != SLOPE_OK)
    return S->errcode;   /* no result to write into */
  slope_run_opts full = defaults();
  slope_result res;
  int rc = opts ? check_size(S, "slope_run_opts", opts->size, OPTS_SIZE_MIN, sizeof *opts, "slope_run_defaults(&opts)")
                : sx_misuse(S, "slope_run", "the options 'opts' are NULL");
  if (rc != SLOPE_OK) {
    memset(&res, 0, sizeof res);
    failed(&res, S);
  } else {
    memcpy(&full, opts, opts->size);   /* the fields the caller has; defaults for the rest */
    full.size = sizeof full;
    rc = run_full(p, o, &full, &res, trace);
  }
  res.size = r->size;
  memcpy(r, &res, r->size);
  return rc;
}
