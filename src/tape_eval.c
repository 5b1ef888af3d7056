/*
** tape_eval.c -- the tape's evaluator: value and gradient in one call.
**
** Each operation is written once, as a forward rule F(a, b) and the two
** derivative rules DA, DB (the adjoint contributions to a and b, given the
** output adjoint g and the output value o), in the tables below.  From them
** the macros generate the scalar interpreter and the block kernels of the row
** section.  Block kernels are separate small functions with restrict pointers
** and a trip count that is a multiple of 4, so gcc -O2 vectorizes them.
*/
#include <math.h>
#include <string.h>

#include "tape.h"

#define LN2    0.69314718055994530942
#define LN10   2.30258509299404568402
#define TWO_SQRTPI 1.1283791670955126   /* 2/sqrt(pi), as in diff.c */

/* The same definitions as sx_fn_eval, so tape and symbolic values agree. */
static inline double tp_sigmoid(double x) {
  if (x >= 0) return 1 / (1 + exp(-x));
  double e = exp(x);
  return e / (1 + e);
}
static inline double tp_softplus(double x) {
  return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}
static inline double tp_sign(double x) { return (x > 0) - (x < 0); }

/* The integer exponent of POWI (only POWI reads it; others may be huge). */
static inline int tp_ki(double k) { return fabs(k) <= 1024 ? (int)k : 0; }

/* x^n by repeated squaring (exact for small n, and no call to pow). */
static inline double tp_powi(double x, int n) {
  unsigned u = n < 0 ? 0u - (unsigned)n : (unsigned)n;
  double r = 1;
  while (u) {
    if (u & 1) r *= x;
    x *= x;
    u >>= 1;
  }
  return n < 0 ? 1 / r : r;
}

/*
** Binary operations: name, forward, adjoint of a, adjoint of b.
** Ties of min and max go to b, as in diff.c (step(a - b) picks a).
*/
#define TP_BINARY(X) \
  X(ADD,   a + b,          g,                        g) \
  X(SUB,   a - b,          g,                        -g) \
  X(MUL,   a * b,          g * b,                    g * a) \
  X(DIV,   a / b,          g / b,                    -g * o / b) \
  X(POW,   pow(a, b),      g * b * pow(a, b - 1),    g * o * log(a)) \
  X(ATAN2, atan2(a, b),    g * b / (a * a + b * b),  -g * a / (a * a + b * b)) \
  X(HYPOT, hypot(a, b),    g * a / o,                g * b / o) \
  X(MIN,   a < b ? a : b,  b > a ? g : 0,            b > a ? 0 : g) \
  X(MAX,   a > b ? a : b,  a > b ? g : 0,            a > b ? 0 : g)

/* Unary operations: name, forward, adjoint of a ('k' is the immediate). */
#define TP_UNARY(X) \
  X(NEG,      -a,               -g) \
  X(SQR,      a * a,            2 * a * g) \
  X(SQRT,     sqrt(a),          0.5 * g / o) \
  X(RECIP,    1 / a,            -g * o * o) \
  X(POWI,     tp_powi(a, ki),   g * k * tp_powi(a, ki - 1)) \
  X(POWK,     pow(a, k),        g * k * pow(a, k - 1)) \
  X(SIN,      sin(a),           g * cos(a)) \
  X(COS,      cos(a),           -g * sin(a)) \
  X(TAN,      tan(a),           g * (1 + o * o)) \
  X(ASIN,     asin(a),          g / sqrt(1 - a * a)) \
  X(ACOS,     acos(a),          -g / sqrt(1 - a * a)) \
  X(ATAN,     atan(a),          g / (1 + a * a)) \
  X(SINH,     sinh(a),          g * cosh(a)) \
  X(COSH,     cosh(a),          g * sinh(a)) \
  X(TANH,     tanh(a),          g * (1 - o * o)) \
  X(EXP,      exp(a),           g * o) \
  X(LOG,      log(a),           g / a) \
  X(LOG2,     log2(a),          g / (a * LN2)) \
  X(LOG10,    log10(a),         g / (a * LN10)) \
  X(CBRT,     cbrt(a),          g / (3 * o * o)) \
  X(ABS,      fabs(a),          g * tp_sign(a)) \
  X(SIGN,     tp_sign(a),       0.0) \
  X(STEP,     a > 0 ? 1.0 : 0.0, 0.0) \
  X(SIGMOID,  tp_sigmoid(a),    g * o * (1 - o)) \
  X(RELU,     a > 0 ? a : 0.0,  a > 0 ? g : 0.0) \
  X(SOFTPLUS, tp_softplus(a),   g * tp_sigmoid(a)) \
  X(ERF,      erf(a),           g * TWO_SQRTPI * exp(-a * a))

#define UNUSED4 (void)a; (void)b; (void)o; (void)g

/* ---- the scalar interpreter (pre and post sections) ---------------------- */

void tp_forward(const tp_ins *p, uint32_t n, double *v) {
  for (const tp_ins *I = p, *E = p + n; I < E; I++) {
    double a = v[I->a], b = v[I->b], k = I->k;
    int ki = tp_ki(k);
    (void)b; (void)k; (void)ki;
    switch (I->op) {
#define X(NAME, F, DA, DB) case TP_##NAME: v[I->out] = (F); break;
      TP_BINARY(X)
#undef X
#define X(NAME, F, DA) case TP_##NAME: v[I->out] = (F); break;
      TP_UNARY(X)
#undef X
    }
  }
}

void tp_backward(const tp_ins *p, uint32_t n, const double *v, double *gv) {
  for (const tp_ins *I = p + n; I-- > p; ) {
    if (!I->flags) continue;
    double a = v[I->a], b = v[I->b], o = v[I->out], g = gv[I->out], k = I->k;
    int ki = tp_ki(k);
    UNUSED4; (void)k; (void)ki;
    switch (I->op) {
#define X(NAME, F, DA, DB) case TP_##NAME: \
      if (I->flags & TP_DOA) gv[I->a] += (DA); \
      if (I->flags & TP_DOB) gv[I->b] += (DB); \
      break;
      TP_BINARY(X)
#undef X
#define X(NAME, F, DA) case TP_##NAME: gv[I->a] += (DA); break;
      TP_UNARY(X)
#undef X
    }
  }
}

/* ---- block kernels (row section) ----------------------------------------- */

/* 'm' is a multiple of 4 by contract; saying so lets gcc -O2 vectorize. */
#define LOOP(m) for (size_t i = 0, m4_ = (m) & ~(size_t)3; i < m4_; i++)

/* Sum of EXPR over rows [0, n) (never the padding), with four accumulators
** so the adds do not wait on each other. */
#define SUMROWS(n, LOAD, EXPR, RESULT) do { \
    double s_[4] = {0, 0, 0, 0}; \
    size_t n4_ = (n) & ~(size_t)3, j_ = 0; \
    for (; j_ < n4_; j_ += 4) \
      for (size_t l_ = 0; l_ < 4; l_++) { size_t i = j_ + l_; LOAD; s_[l_] += (EXPR); } \
    for (; j_ < (n); j_++) { size_t i = j_; LOAD; s_[0] += (EXPR); } \
    RESULT = (s_[0] + s_[1]) + (s_[2] + s_[3]); \
  } while (0)

double tp_sum(const double *x, size_t n) {
  double s;
  SUMROWS(n, (void)0, x[i], s);
  return s;
}

#define KERNELS2(NAME, F, DA, DB) \
static void fw_##NAME(size_t m, int shape, double *restrict O, const double *restrict A, \
                      const double *restrict B, double sa, double sb) { \
  if (shape == TP_VV) { LOOP(m) { double a = A[i], b = B[i]; O[i] = (F); } } \
  else if (shape == TP_VS) { double b = sb; LOOP(m) { double a = A[i]; O[i] = (F); } } \
  else { double a = sa; LOOP(m) { double b = B[i]; O[i] = (F); } } \
} \
/* adjoint of a vector operand a (shape VV or VS) */ \
static void bwa_##NAME(size_t m, int shape, int set, const double *restrict G, \
                       const double *restrict O, const double *restrict A, \
                       const double *restrict B, double sb, double *restrict GA) { \
  if (shape == TP_VV) { \
    if (set) { LOOP(m) { double a = A[i], b = B[i], o = O[i], g = G[i]; UNUSED4; GA[i] = (DA); } } \
    else { LOOP(m) { double a = A[i], b = B[i], o = O[i], g = G[i]; UNUSED4; GA[i] += (DA); } } \
  } else { \
    double b = sb; \
    if (set) { LOOP(m) { double a = A[i], o = O[i], g = G[i]; UNUSED4; GA[i] = (DA); } } \
    else { LOOP(m) { double a = A[i], o = O[i], g = G[i]; UNUSED4; GA[i] += (DA); } } \
  } \
} \
/* adjoint of a vector operand b (shape VV or SV) */ \
static void bwb_##NAME(size_t m, int shape, int set, const double *restrict G, \
                       const double *restrict O, const double *restrict A, \
                       const double *restrict B, double sa, double *restrict GB) { \
  if (shape == TP_VV) { \
    if (set) { LOOP(m) { double a = A[i], b = B[i], o = O[i], g = G[i]; UNUSED4; GB[i] = (DB); } } \
    else { LOOP(m) { double a = A[i], b = B[i], o = O[i], g = G[i]; UNUSED4; GB[i] += (DB); } } \
  } else { \
    double a = sa; \
    if (set) { LOOP(m) { double b = B[i], o = O[i], g = G[i]; UNUSED4; GB[i] = (DB); } } \
    else { LOOP(m) { double b = B[i], o = O[i], g = G[i]; UNUSED4; GB[i] += (DB); } } \
  } \
} \
/* adjoint of a scalar operand: the sum over the block's rows */ \
static double sa_##NAME(size_t n, const double *G, const double *O, double a, const double *B) { \
  double s; \
  SUMROWS(n, double b = B[i]; double o = O[i]; double g = G[i]; UNUSED4, (DA), s); \
  return s; \
} \
static double sb_##NAME(size_t n, const double *G, const double *O, const double *A, double b) { \
  double s; \
  SUMROWS(n, double a = A[i]; double o = O[i]; double g = G[i]; UNUSED4, (DB), s); \
  return s; \
}
TP_BINARY(KERNELS2)
#undef KERNELS2

#define KERNELS1(NAME, F, DA) \
static void fw_##NAME(size_t m, double *restrict O, const double *restrict A, double k) { \
  int ki = tp_ki(k); (void)ki; (void)k; \
  LOOP(m) { double a = A[i]; O[i] = (F); } \
} \
static void bw_##NAME(size_t m, int set, const double *restrict G, const double *restrict O, \
                      const double *restrict A, double k, double *restrict GA) { \
  int ki = tp_ki(k); (void)ki; (void)k; \
  double b = 0; \
  if (set) { LOOP(m) { double a = A[i], o = O[i], g = G[i]; UNUSED4; GA[i] = (DA); } } \
  else { LOOP(m) { double a = A[i], o = O[i], g = G[i]; UNUSED4; GA[i] += (DA); } } \
}
TP_UNARY(KERNELS1)
#undef KERNELS1

/* Operand value of a row instruction: a block, or a broadcast scalar. */
#define VEC(T, I, x, bit) (((I)->shape & (bit)) ? (T)->rv[(I)->x] : NULL)
#define SCA(T, I, x, bit) (((I)->shape & (bit)) ? 0.0 : (T)->sv[(I)->x])

void tp_row_forward(slope_tape *T, size_t m) {
  const tp_ins *I = T->ins + T->npre, *E = I + T->nrow;
  for (; I < E; I++) {
    double *O = T->rw[I->out];
    const double *A = VEC(T, I, a, TP_AV);
    switch (I->op) {
#define X(NAME, F, DA, DB) case TP_##NAME: \
      fw_##NAME(m, I->shape, O, A, VEC(T, I, b, TP_BV), SCA(T, I, a, TP_AV), SCA(T, I, b, TP_BV)); \
      break;
      TP_BINARY(X)
#undef X
#define X(NAME, F, DA) case TP_##NAME: fw_##NAME(m, O, A, I->k); break;
      TP_UNARY(X)
#undef X
    }
  }
}

/* One backward step of a binary instruction: each operand's adjoint is a
** block (vector operand) or a sum added to the reduction's partials. */
#define BACK2(NAME) do { \
    const double *B = VEC(T, I, b, TP_BV); \
    double sa = SCA(T, I, a, TP_AV), sb = SCA(T, I, b, TP_BV); \
    if (s->flags & TP_DOA) { \
      if (I->shape & TP_AV) bwa_##NAME(m, I->shape, s->flags & TP_SETA, G, O, A, B, sb, T->gb[s->ga]); \
      else part[s->ga] += sa_##NAME(n, G, O, sa, B); \
    } \
    if (s->flags & TP_DOB) { \
      if (I->shape & TP_BV) bwb_##NAME(m, I->shape, s->flags & TP_SETB, G, O, A, B, sa, T->gb[s->gb]); \
      else part[s->gb] += sb_##NAME(n, G, O, A, sb); \
    } \
  } while (0)

void tp_row_backward(slope_tape *T, const tp_red *r, size_t n, size_t m) {
  const tp_ins *row = T->ins + T->npre;
  double *part = r->part;
  for (const tp_bwd *s = T->bwd + r->bwd0 + r->nbwd; s-- > T->bwd + r->bwd0; ) {
    const tp_ins *I = row + s->ins;
    const double *G = T->gb[s->go], *O = T->rv[I->out], *A = VEC(T, I, a, TP_AV);
    switch (I->op) {
#define X(NAME, F, DA, DB) case TP_##NAME: BACK2(NAME); break;
      TP_BINARY(X)
#undef X
#define X(NAME, F, DA) case TP_##NAME: \
      bw_##NAME(m, s->flags & TP_SETA, G, O, A, I->k, T->gb[s->ga]); \
      break;
      TP_UNARY(X)
#undef X
    }
  }
}

/* ---- one call: value and gradient ----------------------------------------- */

/*
** Point the column registers at rows [start, start + n) of the selection: the
** bound columns themselves when every row is selected and the block needs no
** padding, else a gather buffer padded to 'm' rows with copies of the last
** row (padding is computed on but never summed).
*/
static void load_block(slope_tape *T, const size_t *rows, size_t start, size_t n, size_t m) {
  for (uint32_t c = 0; c < T->ncolreg; c++) {
    const double *col = T->cols[T->colidx[c]];
    double *buf = T->gather + (size_t)c * T->bs;
    if (!rows && n == m) {
      T->rv[T->colreg[c]] = col + start;
      continue;
    }
    if (rows) {
      const size_t *ix = rows + start;
      for (size_t i = 0; i < n; i++) buf[i] = col[ix[i]];
    } else {
      memcpy(buf, col + start, n * sizeof *buf);
    }
    for (size_t i = n; i < m; i++) buf[i] = buf[n - 1];
    T->rv[T->colreg[c]] = buf;
  }
}

/* The row section over all selected rows, in one pass: per block, forward,
** then each reduction's backward into its partial adjoints. */
static void run_rows(slope_tape *T, const size_t *rows, size_t count, int grad) {
  for (uint32_t r = 0; r < T->nred; r++) {
    tp_red *R = &T->red[r];
    R->acc = 0;
    if (grad && R->nbwd)
      for (uint32_t j = 0; j < T->nrread; j++) R->part[T->rread[j]] = 0;
  }
  for (size_t start = 0; start < count; start += T->bs) {
    size_t n = count - start < T->bs ? count - start : T->bs;
    size_t m = (n + 3) & ~(size_t)3;
    load_block(T, rows, start, n, m);
    tp_row_forward(T, m);
    for (uint32_t r = 0; r < T->nred; r++) {
      tp_red *R = &T->red[r];
      R->acc += tp_sum(T->rv[R->arg], n);
      if (grad && R->nbwd) tp_row_backward(T, R, n, m);
    }
  }
  for (uint32_t r = 0; r < T->nred; r++) {
    const tp_red *R = &T->red[r];
    T->sv[R->out] = R->mean ? R->acc / (double)count : R->acc;
  }
}

/* Chain rule across the reductions: d f/d k += d f/d r * d r/d k. */
static void combine(slope_tape *T, size_t count) {
  for (uint32_t r = 0; r < T->nred; r++) {
    const tp_red *R = &T->red[r];
    if (!R->nbwd) continue;
    double c = T->sg[R->out];
    if (R->mean) c /= (double)count;
    for (uint32_t j = 0; j < T->nrread; j++) {
      uint32_t k = T->rread[j];
      T->sg[k] += c * R->part[k];
    }
  }
}

/* How many rows an evaluation covers, in '*count'; an error code otherwise. */
static int selection(slope_tape *T, const size_t *rows, size_t nsel, size_t *count) {
  if (!T->bound)
    return sx_error(T->S, SLOPE_ERRDATA, "no data bound: the expression has mean/sum, "
                    "bind data columns first");
  if (!rows) {
    if (T->nrows == 0) return sx_error(T->S, SLOPE_ERRDATA, "the bound data has no rows");
    *count = T->nrows;
    return SLOPE_OK;
  }
  if (nsel == 0)
    return sx_error(T->S, SLOPE_ERRDATA, "the mini-batch selects no rows (nsel is 0)");
  for (size_t i = 0; i < nsel; i++)
    if (rows[i] >= T->nrows)
      return sx_error(T->S, SLOPE_ERRDATA, "row index %zu is out of range (the data has %zu rows)",
                      rows[i], T->nrows);
  *count = nsel;
  return SLOPE_OK;
}

int slope_tape_grad(slope_tape *T, const double *x, const size_t *rows,
                    size_t nsel, double *f, double *grad) {
  if (!T) return SLOPE_ERRARG;
  if (!x && T->nparams)
    return sx_error(T->S, SLOPE_ERRARG, "slope_tape_grad: the point 'x' is NULL");
  size_t count = 0;
  if (T->has_reduce) {
    int rc = selection(T, rows, nsel, &count);
    if (rc != SLOPE_OK) return rc;
    T->sv[T->nparams] = (double)count;
  }
  if (T->nparams) memcpy(T->sv, x, (size_t)T->nparams * sizeof *x);
  tp_forward(T->ins, T->npre, T->sv);
  if (T->nred) run_rows(T, rows, count, grad != NULL);
  const tp_ins *post = T->ins + T->npre + T->nrow;
  tp_forward(post, T->npost, T->sv);
  if (f) *f = T->sv[T->root];
  if (!grad) return SLOPE_OK;
  memset(T->sg, 0, T->nsreg * sizeof *T->sg);
  T->sg[T->root] = 1;
  tp_backward(post, T->npost, T->sv, T->sg);
  if (T->nred) combine(T, count);
  tp_backward(T->ins, T->npre, T->sv, T->sg);
  if (T->nparams) memcpy(grad, T->sg, (size_t)T->nparams * sizeof *grad);
  return SLOPE_OK;
}
