/*
** fit.c -- a host fits a line to data held in its own arrays: a tape bound
** to the arrays by pointer (nothing copied, so changing them changes the
** next value), and a problem over a data set (a copy) minimized by L-BFGS.
** Values are checked against hand loops and the least-squares closed form.
*/
#include <string.h>

#include <slope.h>
#include "hcheck.h"

#define N 50

/* mean((w*x + b - y)^2) and its gradient over rows[0..nsel) (all when NULL) */
static double hand_loss(const double *x, const double *y, const size_t *rows, size_t nsel,
                        double w, double b, double g[2]) {
  double f = 0;
  g[0] = g[1] = 0;
  for (size_t k = 0; k < nsel; k++) {
    size_t i = rows ? rows[k] : k;
    double r = w * x[i] + b - y[i];
    f += r * r;
    g[0] += 2 * r * x[i];
    g[1] += 2 * r;
  }
  g[0] /= (double)nsel;
  g[1] /= (double)nsel;
  return f / (double)nsel;
}

int main(void) {
  double hx[N], hy[N];
  for (int i = 0; i < N; i++) {
    hx[i] = i / 10.0;
    hy[i] = 3 * hx[i] - 2 + 0.1 * sin(i);
  }
  slope_ctx *S = slope_new();
  if (!S) return 1;
  const char *src = "mean((w*x + b - y)^2)";
  const char *params[] = {"w", "b"}, *cols[] = {"x", "y"};
  slope_expr e = slope_parse(S, src, strlen(src));

  /* the tape borrows the host's arrays */
  slope_tape *T = slope_compile(S, e, params, 2, cols, 2);
  check(T != NULL && slope_tape_nparams(T) == 2, "compile for w, b over columns x, y");
  const double *data[] = {hx, hy};
  check(slope_tape_bind(T, data, N) == SLOPE_OK, "bind the host's arrays");
  double wb[2] = {0.5, -0.25}, f = NAN, g[2] = {NAN, NAN}, hg[2];
  double hf = hand_loss(hx, hy, NULL, N, wb[0], wb[1], hg);
  check(slope_tape_grad(T, wb, NULL, 0, &f, g) == SLOPE_OK, "value and gradient over every row");
  check_near(f, hf, 1e-13, "f");
  check_near(g[0], hg[0], 1e-13, "df/dw");
  check_near(g[1], hg[1], 1e-13, "df/db");
  for (int i = 0; i < N; i++) hy[i] *= 2;     /* the host changes its data in place */
  hf = hand_loss(hx, hy, NULL, N, wb[0], wb[1], hg);
  check(slope_tape_grad(T, wb, NULL, 0, &f, g) == SLOPE_OK, "evaluate again without binding again");
  check_near(f, hf, 1e-13, "f after the host doubled y (the tape reads the host's array)");
  check_near(g[1], hg[1], 1e-13, "df/db after the host doubled y");
  const size_t rows[] = {3, 7, 7, 41};
  hf = hand_loss(hx, hy, rows, 4, wb[0], wb[1], hg);
  check(slope_tape_grad(T, wb, rows, 4, &f, g) == SLOPE_OK, "a mini-batch of 4 rows");
  check_near(f, hf, 1e-13, "f over rows 3, 7, 7, 41");
  check_near(g[0], hg[0], 1e-13, "df/dw over rows 3, 7, 7, 41");
  check(slope_tape_grad(T, wb, NULL, 0, NULL, NULL) == SLOPE_OK, "no outputs asked for is fine");
  for (int i = 0; i < N; i++) hy[i] /= 2;
  slope_tape_free(T);

  /* a data set copies: the host may reuse its arrays at once */
  slope_data *d = slope_data_new(S);
  check(d && slope_data_add(d, "x", hx, N) == SLOPE_OK && slope_data_add(d, "y", hy, N) == SLOPE_OK,
        "a data set of the host's columns");
  double y7 = hy[7];
  hy[7] = 1e6;
  const double *col = slope_data_find(d, "y");
  check(col && col[7] == y7 && slope_data_rows(d) == N && slope_data_ncols(d) == 2,
        "the data set holds a copy (%zu rows, %d columns)", slope_data_rows(d), slope_data_ncols(d));
  hy[7] = y7;

  /* least squares by the closed form, from sums over the host's arrays */
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < N; i++) {
    sx += hx[i]; sy += hy[i]; sxx += hx[i] * hx[i]; sxy += hx[i] * hy[i];
  }
  double wstar = (N * sxy - sx * sy) / (N * sxx - sx * sx), bstar = (sy - wstar * sx) / N;

  const double x0[] = {0, 0};
  slope_problem *p = slope_problem_new(S, e, params, x0, 2, d);
  slope_optim *o = slope_optim_new(S, "lbfgs", 2);
  double tiny = 1e-14;   /* run L-BFGS to the end, not to PyTorch's default tolerance */
  check(p && o && slope_optim_set_string(o, "line_search", "strong_wolfe") == SLOPE_OK &&
        slope_optim_set(o, "tolerance_grad", &tiny, 1) == SLOPE_OK &&
        slope_optim_set(o, "tolerance_change", &tiny, 1) == SLOPE_OK,
        "a problem over the data set, L-BFGS with strong Wolfe");
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 20;
  opts.trace_every = 0;
  slope_result r;
  slope_result_init(&r);
  check(slope_run(p, o, &opts, &r, NULL) == SLOPE_OK, "slope_run");
  const double *x = slope_problem_x(p);
  check_near(x[0], wstar, 1e-8, "w at the least-squares solution");
  check_near(x[1], bstar, 1e-8, "b at the least-squares solution");
  double fstar = hand_loss(hx, hy, NULL, N, wstar, bstar, hg);
  check_near(r.f, fstar, 1e-10, "f at the solution");
  check(r.status == SLOPE_MAX_STEPS || r.status == SLOPE_CONVERGED, "status %s", slope_status_name(r.status));
  slope_optim_free(o);
  slope_problem_free(p);
  slope_data_free(d);
  slope_free(S);
  return checks_done();
}
