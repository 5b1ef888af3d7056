/*
** wrap.c -- slope fits a line to data the host already holds, without
** copying it.
**
** The host has its own arrays (here 1000 points on y = 0.5x - 2).
** slope_data_wrap makes a data set that borrows them, so the expression
** mean((w*x + b - y)^2) reads the host's memory directly, and mini-batch SGD
** runs over it for 20 epochs.  Then the same fit again through a host
** objective over rows (slope_problem_callback_rows): the host's own loss,
** called with the rows of each mini-batch, batched and shuffled by slope
** exactly as the expression problem was.
**
**   cc wrap.c $(pkg-config --cflags --libs slope) -o wrap && ./wrap
**
** Ownership: the data set copies the column names and borrows the arrays:
** the host keeps them alive (and as long) until the data set and every
** problem made with it are freed, and slope never writes to them.
** slope_data_free frees slope's memory only.
*/
#include <stdio.h>
#include <string.h>

#include <slope.h>

#define NPOINTS 1000

typedef struct line_data {
  double x[NPOINTS], y[NPOINTS];
} line_data;

/* The host's loss over the rows slope picks: the mean of (w*x + b - y)^2
** over rows[0..nsel) and its gradient (when 'g' is not NULL). */
static int line_fg(void *ud, const double *p, const size_t *rows, size_t nsel, double *f, double *g) {
  const line_data *h = ud;
  double w = p[0], b = p[1], s = 0, gw = 0, gb = 0;
  for (size_t k = 0; k < nsel; k++) {
    size_t i = rows[k];
    double r = w * h->x[i] + b - h->y[i];
    s += r * r;
    gw += 2 * r * h->x[i];
    gb += 2 * r;
  }
  *f = s / (double)nsel;
  if (g) {
    g[0] = gw / (double)nsel;
    g[1] = gb / (double)nsel;
  }
  return SLOPE_OK;
}

/* SGD(lr = 0.1) on 'p', 50 rows a step, shuffled from seed 1, 20 epochs. */
static int fit(slope_ctx *S, slope_problem *p, const char *label) {
  const double lr = 0.1;
  slope_optim *sgd = slope_optim_new(S, "sgd", 2);
  int ok = sgd && slope_optim_set(sgd, "lr", &lr, 1) == SLOPE_OK &&
           slope_problem_batch(p, 50, 1, 1) == SLOPE_OK;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 0;         /* the length comes from epochs */
  opts.epochs = 20;
  opts.trace_every = 0;   /* no trace kept */
  slope_result r;
  slope_result_init(&r);
  if (ok && slope_run(p, sgd, &opts, &r, NULL) == SLOPE_OK) {
    const double *x = slope_problem_x(p);
    printf("%s: w = %.6f\n%s: b = %.6f\n%s: steps = %ld\n%s: epochs = %ld\n",
           label, x[0], label, x[1], label, r.steps, label, r.epochs);
  } else ok = 0;
  slope_optim_free(sgd);
  return ok;
}

int main(void) {
  static line_data host;   /* the host's own arrays */
  for (int i = 0; i < NPOINTS; i++) {
    host.x[i] = -2 + 4.0 * i / (NPOINTS - 1);
    host.y[i] = 0.5 * host.x[i] - 2;
  }
  const char *const names[] = {"x", "y"};
  const double *const cols[] = {host.x, host.y};
  const char *const params[] = {"w", "b"};
  const double x0[] = {0, 0};
  const char *loss = "mean((w*x + b - y)^2)";

  slope_ctx *S = slope_new();
  if (!S) return 1;
  slope_data *d = slope_data_wrap(S, names, cols, 2, NPOINTS);
  slope_expr f = slope_parse(S, loss, strlen(loss));
  slope_problem *p = d && f ? slope_problem_new(S, f, params, x0, 2, d) : NULL;
  slope_problem *q = slope_problem_callback_rows(S, 2, params, x0, NPOINTS, line_fg, &host);
  int ok = p && q && slope_data_column(d, 0) == host.x   /* the host's array, not a copy */
           && fit(S, p, "data") && fit(S, q, "callback");
  if (!ok) {
    slope_error e = slope_error_get(S);
    fprintf(stderr, "wrap: error %d: %s\n", e.code, e.message);
  }
  slope_problem_free(q);
  slope_problem_free(p);
  slope_data_free(d);   /* leaves host.x and host.y alone */
  slope_free(S);
  return ok ? 0 : 1;
}
