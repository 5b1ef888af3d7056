/*
** tape_array_eval.c -- the array tape's evaluator: value and gradient in one
** call (see tape_array.h).
**
** Element-wise instructions run the block kernels of tape_eval.c: over the
** rows of a block once per element for a row register, over the elements at
** once for a register of the scalar sections.  The other instructions are
** written once over 'm' lanes: the rows of a block for a row result (an
** operand of the scalar sections has lane stride 0: the same value in every
** row), one lane otherwise.  Backward, an operand outside the row section
** that a row instruction reads gets its adjoint summed over the block's
** real rows, into the reduction's partials ('nadj').
*/
#include <math.h>
#include <string.h>

#include "tape_array.h"
#include "vmath.h"

/* ---- lanes ------------------------------------------------------------------ */

/* The register whose storage 'r' uses (itself, or a view's source). */
static inline uint32_t root_reg(const tp_arr *A, uint32_t r) { return A->reg[r].view ? A->reg[r].src : r; }

static inline double *VAL(const tp_arr *A, const ta_reg *R, uint32_t e) {
  return R->row ? A->ep[R->off + e] : A->val + R->off + e;
}
static inline double *ADJ(const tp_arr *A, const ta_reg *R, uint32_t e, double *nadj) {
  return R->row ? A->gp[R->off + e] : nadj + R->goff + e;
}

/* O (=) v, O += X*Y, O += a*X, over m lanes (LOOP4 wants a multiple of 4). */
static void vfill(size_t m, double *restrict O, double v) {
  if (m & 3) { for (size_t i = 0; i < m; i++) O[i] = v; return; }
  LOOP4(m, O[i] = v);
}
static void vmuladd(size_t m, double *restrict O, const double *restrict X, const double *restrict Y) {
  if (m & 3) { for (size_t i = 0; i < m; i++) O[i] += X[i] * Y[i]; return; }
  LOOP4(m, O[i] += X[i] * Y[i]);
}
static void vaxpy(size_t m, double *restrict O, double a, const double *restrict X) {
  if (m & 3) { for (size_t i = 0; i < m; i++) O[i] += a * X[i]; return; }
  LOOP4(m, O[i] += a * X[i]);
}
static void vadd(size_t m, double *restrict O, double v) {
  if (m & 3) { for (size_t i = 0; i < m; i++) O[i] += v; return; }
  LOOP4(m, O[i] += v);
}
/* Sum of X*Y over rows [0, n). */
static double dotsum(size_t n, const double *X, const double *Y) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += X[i] * Y[i]; s1 += X[i + 1] * Y[i + 1];
    s2 += X[i + 2] * Y[i + 2]; s3 += X[i + 3] * Y[i + 3];
  }
  for (; i < n; i++) s0 += X[i] * Y[i];
  return (s0 + s1) + (s2 + s3);
}

/* ---- element-wise ----------------------------------------------------------- */

/* The kernel shape of a row instruction: which operands are blocks of rows. */
static int row_shape(const ta_reg *a, const ta_reg *b) {
  return (a->row ? TP_AV : 0) | (b->row ? TP_BV : 0);
}

static void ew_forward(tp_arr *A, const ta_ins *I, size_t m) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  if (!I->row) {   /* the elements are the lanes */
    size_t pn = (O->n + 3) & ~(size_t)3;
    double *o = A->val + O->off, *x = A->val + X->off, *y = A->val + Y->off;
    if (I->op == TA_EW1) { tp_fw1_vm(A->vm, I->sub, pn, o, x, I->k); return; }
    int sh = (X->n == O->n ? TP_AV : 0) | (Y->n == O->n ? TP_BV : 0);
    tp_fw2[I->sub](pn, sh, o, sh & TP_AV ? x : NULL, sh & TP_BV ? y : NULL, x[0], y[0]);
    return;
  }
  int sh = row_shape(X, Y);
  for (uint32_t e = 0; e < O->n; e++) {
    double *o = A->ep[O->off + e];
    const double *x = VAL(A, X, X->n == 1 ? 0 : e);
    if (I->op == TA_EW1) { tp_fw1_vm(A->vm, I->sub, m, o, x, I->k); continue; }
    const double *y = VAL(A, Y, Y->n == 1 ? 0 : e);
    tp_fw2[I->sub](m, sh, o, X->row ? x : NULL, Y->row ? y : NULL, x[0], y[0]);
  }
}

/*
** Adjoint kernel CALL of an operand outside the row section, run over lanes
** [o_, o_ + m_) into d_ (assigning when s_).  A view's lanes past its end
** are its source's next elements, so for a view the multiple of 4 goes in
** place and the tail through four lanes on the stack; others take their
** padding.  SET: the first write of the adjoint, assigning (tape_array.c).
*/
#define EXACT(X, T, SET, CALL) do { \
    size_t n_ = (X)->n, pn_ = (n_ + 3) & ~(size_t)3, n4_ = (X)->view ? n_ & ~(size_t)3 : pn_; \
    if (n4_) { size_t m_ = n4_, o_ = 0; int s_ = (SET); double *d_ = (T); (void)o_; CALL; } \
    if (n4_ < n_) { \
      double tmp_[4]; size_t m_ = 4, o_ = n4_; int s_ = 1; double *d_ = tmp_; (void)o_; CALL; \
      for (size_t i_ = 0; i_ < n_ - n4_; i_++) { if (SET) (T)[n4_ + i_] = tmp_[i_]; else (T)[n4_ + i_] += tmp_[i_]; } \
    } \
  } while (0)

/* Both adjoints of (x - y)^2 in one pass over exactly n elements (least
** squares, Rosenbrock): d = 2*(x - y)*g goes to x and -d to y. */
static void sqdiff_both(size_t n, const double *restrict G, const double *restrict X,
                        const double *restrict Y, double *restrict GX, double *restrict GY, int sx, int sy) {
  size_t n4 = n & ~(size_t)3;
#define SQD(i) do { double d_ = 2 * (X[i] - Y[i]) * G[i]; \
    if (sx) GX[i] = d_; else GX[i] += d_; if (sy) GY[i] = -d_; else GY[i] -= d_; } while (0)
  if (sx && sy) { LOOP4(n4, double d = 2 * (X[i] - Y[i]) * G[i]; GX[i] = d; GY[i] = -d); }
  else if (sx) { LOOP4(n4, double d = 2 * (X[i] - Y[i]) * G[i]; GX[i] = d; GY[i] -= d); }
  else if (sy) { LOOP4(n4, double d = 2 * (X[i] - Y[i]) * G[i]; GX[i] += d; GY[i] = -d); }
  else { LOOP4(n4, double d = 2 * (X[i] - Y[i]) * G[i]; GX[i] += d; GY[i] -= d); }
  for (size_t i = n4; i < n; i++) SQD(i);
#undef SQD
}

static void ew_backward_flat(tp_arr *A, const ta_ins *I, double *adj) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  const double *g = adj + O->goff, *o = A->val + O->off, *x = A->val + X->off, *y = A->val + Y->off;
  double *gx = adj + X->goff, *gy = adj + Y->goff;
  if (I->op == TA_EW2 && I->sub == TP_SQDIFF && I->gmask == 3 && X->n == O->n && Y->n == O->n &&
      root_reg(A, I->a) != root_reg(A, I->b)) {
    sqdiff_both(O->n, g, x, y, gx, gy, I->smask & 1, (I->smask & 2) != 0);
    return;
  }
  if (I->op == TA_EW1) {
    EXACT(X, gx, I->smask & 1, tp_bw1_vm(A->vm, I->sub, m_, s_, g + o_, o + o_, x + o_, I->k, d_));
    return;
  }
  int sh = (X->n == O->n ? TP_AV : 0) | (Y->n == O->n ? TP_BV : 0);
  if ((I->gmask & 1) && !(I->smask & 4)) {
    if (sh & TP_AV)
      EXACT(X, gx, I->smask & 1, tp_bwa[I->sub](m_, sh, s_, g + o_, o + o_, x + o_,
                                              sh & TP_BV ? y + o_ : NULL, y[0], d_));
    else if (I->smask & 1) gx[0] = tp_suma[I->sub](O->n, g, o, x[0], y);
    else gx[0] += tp_suma[I->sub](O->n, g, o, x[0], y);
  }
  if ((I->gmask & 2) && !(I->smask & 8)) {
    if (sh & TP_BV)
      EXACT(Y, gy, (I->smask & 2) != 0, tp_bwb[I->sub](m_, sh, s_, g + o_, o + o_, sh & TP_AV ? x + o_ : NULL,
                                                       y + o_, x[0], d_));
    else if (I->smask & 2) gy[0] = tp_sumb[I->sub](O->n, g, o, x, y[0]);
    else gy[0] += tp_sumb[I->sub](O->n, g, o, x, y[0]);
  }
}

static void ew_backward(tp_arr *A, const ta_ins *I, size_t n, size_t m, double *nadj) {
  if (!I->row) { ew_backward_flat(A, I, nadj); return; }
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  int sh = row_shape(X, Y);
  for (uint32_t e = 0; e < O->n; e++) {
    const double *g = A->gp[O->off + e], *o = A->ep[O->off + e];
    uint32_t ex = X->n == 1 ? 0 : e, ey = Y->n == 1 ? 0 : e;
    const double *x = VAL(A, X, ex), *y = VAL(A, Y, ey);
    if (I->op == TA_EW1) { tp_bw1_vm(A->vm, I->sub, m, 0, g, o, x, I->k, A->gp[X->off + ex]); continue; }
    if (I->gmask & 1) {
      if (X->row) tp_bwa[I->sub](m, sh, 0, g, o, x, Y->row ? y : NULL, y[0], A->gp[X->off + ex]);
      else nadj[X->goff + ex] += tp_suma[I->sub](n, g, o, x[0], y);
    }
    if (I->gmask & 2) {
      if (Y->row) tp_bwb[I->sub](m, sh, 0, g, o, X->row ? x : NULL, y, x[0], A->gp[Y->off + ey]);
      else nadj[Y->goff + ey] += tp_sumb[I->sub](n, g, o, x, y[0]);
    }
  }
}

/* ---- products: (M x K) @ (K x N); dot and outer are special cases -------------- */

static void mm_forward(tp_arr *A, const ta_ins *I, size_t m) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  uint32_t M = I->i0, K = I->i1, N = I->i2;
  for (uint32_t i = 0; i < M; i++)
    for (uint32_t j = 0; j < N; j++) {
      double *o = VAL(A, O, i * N + j);
      vfill(m, o, 0);
      for (uint32_t l = 0; l < K; l++) {
        const double *x = VAL(A, X, i * K + l), *y = VAL(A, Y, l * N + j);
        if (X->row && Y->row) vmuladd(m, o, x, y);
        else if (X->row) vaxpy(m, o, y[0], x);
        else if (Y->row) vaxpy(m, o, x[0], y);
        else o[0] += x[0] * y[0];
      }
    }
}

/* The adjoint of one operand: GP (=) G * Q over the product's index pairs. */
static void mm_adjoint(tp_arr *A, const ta_reg *P, const ta_reg *Q, const double *g,
                       uint32_t ep, uint32_t eq, size_t n, size_t m, double *nadj) {
  double *gp = ADJ(A, P, ep, nadj);
  const double *q = VAL(A, Q, eq);
  if (P->row && Q->row) vmuladd(m, gp, g, q);
  else if (P->row) vaxpy(m, gp, q[0], g);
  else if (Q->row) gp[0] += dotsum(n, g, q);
  else gp[0] += g[0] * q[0];   /* neither is a row register: one lane */
}

static void mm_backward(tp_arr *A, const ta_ins *I, size_t n, size_t m, double *nadj) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  uint32_t M = I->i0, K = I->i1, N = I->i2;
  for (uint32_t i = 0; i < M; i++)
    for (uint32_t j = 0; j < N; j++) {
      const double *g = ADJ(A, O, i * N + j, nadj);
      for (uint32_t l = 0; l < K; l++) {
        if (I->gmask & 1) mm_adjoint(A, X, Y, g, i * K + l, l * N + j, n, m, nadj);
        if (I->gmask & 2) mm_adjoint(A, Y, X, g, l * N + j, i * K + l, n, m, nadj);
      }
    }
}

/* ---- moving elements: pad, transpose --------------------------------------------- */

/* The element of the operand that element e of the result copies, or -1 (a zero). */
static long source_of(const ta_ins *I, uint32_t e, uint32_t na) {
  if (I->op == TA_PAD) return e < I->i0 || e >= I->i0 + na ? -1 : (long)(e - I->i0);
  uint32_t rows = I->i0, cols = I->i1;   /* out[j][i] = a[i][j] */
  return (long)((e % rows) * cols + e / rows);
}

static void move_forward(tp_arr *A, const ta_ins *I, size_t m) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  for (uint32_t e = 0; e < O->n; e++) {
    long s = source_of(I, e, X->n);
    double *o = VAL(A, O, e);
    if (s < 0) vfill(m, o, 0);
    else memcpy(o, VAL(A, X, (uint32_t)s), m * sizeof *o);
  }
}

static void move_backward(tp_arr *A, const ta_ins *I, size_t m, double *nadj) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  for (uint32_t e = 0; e < O->n; e++) {
    long s = source_of(I, e, X->n);
    if (s >= 0) vaxpy(m, ADJ(A, X, (uint32_t)s, nadj), 1, ADJ(A, O, e, nadj));
  }
}

/* ---- reductions of elements and classifiers, lane by lane ----------------------- */

/* fast_math: S[r] += exp(x[r] - M[r]) by the vector exp, through a chunk on the stack. */
static void lse_add_vm(const vm_lib *vm, size_t m, const double *x, const double *M, double *S) {
  enum { CHUNK = 64 };
  double t[CHUNK];
  for (size_t j = 0; j < m; j += CHUNK) {
    size_t k = m - j < CHUNK ? m - j : CHUNK;
    for (size_t i = 0; i < k; i++) t[i] = x[j + i] - M[j + i];
    vm_map(vm, VM_EXP, k, t, t);
    for (size_t i = 0; i < k; i++) S[j + i] += t[i];
  }
}

/* Lanes: M[r] = the largest element, S[r] = sum of exp(a - M[r]). */
static void lse_parts(tp_arr *A, const ta_reg *X, size_t m, size_t sx, double *M, double *S) {
  for (size_t r = 0; r < m; r++) { M[r] = -INFINITY; S[r] = 0; }
  for (uint32_t e = 0; e < X->n; e++) {
    const double *x = VAL(A, X, e);
    for (size_t r = 0; r < m; r++) if (x[r * sx] > M[r] || isnan(x[r * sx])) M[r] = x[r * sx];
  }
  for (uint32_t e = 0; e < X->n; e++) {
    const double *x = VAL(A, X, e);
    if (A->vm && sx == 1) { lse_add_vm(A->vm, m, x, M, S); continue; }
    for (size_t r = 0; r < m; r++) S[r] += exp(x[r * sx] - M[r]);
  }
}

/* The label in lane r as an element index, or an error naming it and the row. */
static int label_at(tp_arr *A, slope_tape *T, const ta_reg *K, size_t r, uint32_t n, uint32_t *e) {
  double k = VAL(A, K, 0)[K->row ? r : 0];
  if (k == floor(k) && k >= 1 && k <= n) { *e = (uint32_t)k - 1; return SLOPE_OK; }
  if (!K->row)
    return sx_error(T->S, SLOPE_ERRDATA, "the label %.17g is outside 1..%u", k, (unsigned)n);
  size_t row = A->rows ? A->rows[A->start + r] : A->start + r;
  return sx_error(T->S, SLOPE_ERRDATA, "the label %.17g in data row %zu (counting from 1) is outside "
                  "1..%u (a class number, 1-based)", k, row + 1, (unsigned)n);
}

static int lane_forward(tp_arr *A, slope_tape *T, const ta_ins *I, size_t m) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  double *M = A->scratch, *S = M + A->bs, *o = VAL(A, O, 0);
  size_t sx = X->row && O->row ? 1 : 0;
  switch (I->op) {
  case TA_ESUM:
    if (!X->row) { o[0] = tp_sum(A->val + X->off, X->n); }
    else { vfill(m, o, 0); for (uint32_t e = 0; e < X->n; e++) vaxpy(m, o, 1, VAL(A, X, e)); }
    if (I->k != 1) for (size_t r = 0; r < m; r++) o[r] *= I->k;
    return SLOPE_OK;
  case TA_NORM:
    vfill(m, o, 0);
    for (uint32_t e = 0; e < X->n; e++) { const double *x = VAL(A, X, e); vmuladd(m, o, x, x); }
    for (size_t r = 0; r < m; r++) o[r] = sqrt(o[r]);
    return SLOPE_OK;
  case TA_AMAX:
    lse_parts(A, X, m, sx, M, S);
    memcpy(o, M, m * sizeof *o);
    return SLOPE_OK;
  case TA_LOGSUMEXP:
    lse_parts(A, X, m, sx, M, S);
    for (size_t r = 0; r < m; r++) o[r] = M[r] + log(S[r]);
    return SLOPE_OK;
  case TA_SOFTMAX: case TA_LOGSOFTMAX:
    lse_parts(A, X, m, sx, M, S);
    for (size_t r = 0; r < m; r++) S[r] = I->op == TA_SOFTMAX ? 1 / S[r] : M[r] + log(S[r]);
    for (uint32_t e = 0; e < X->n; e++) {
      const double *x = VAL(A, X, e);
      double *y = VAL(A, O, e);
      if (I->op == TA_SOFTMAX) for (size_t r = 0; r < m; r++) y[r] = exp(x[r] - M[r]) * S[r];
      else for (size_t r = 0; r < m; r++) y[r] = x[r] - S[r];
    }
    return SLOPE_OK;
  case TA_XENT: {
    const ta_reg *K = &A->reg[I->b];
    lse_parts(A, X, m, sx, M, S);
    for (size_t r = 0; r < m; r++) {
      uint32_t k;
      int rc = label_at(A, T, K, r, X->n, &k);
      if (rc != SLOPE_OK) return rc;
      o[r] = M[r] + log(S[r]) - VAL(A, X, k)[r * sx];
    }
    return SLOPE_OK;
  }
  case TA_ONEHOT:
    for (uint32_t e = 0; e < O->n; e++) vfill(m, VAL(A, O, e), 0);
    for (size_t r = 0; r < m; r++) {
      uint32_t k;
      int rc = label_at(A, T, X, r, O->n, &k);
      if (rc != SLOPE_OK) return rc;
      VAL(A, O, k)[r] = 1;
    }
    return SLOPE_OK;
  }
  return SLOPE_OK;
}

static void lane_backward(tp_arr *A, const ta_ins *I, size_t n, size_t m, double *nadj) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  const double *o = VAL(A, O, 0), *g = ADJ(A, O, 0, nadj);
  double *D = A->scratch;
  switch (I->op) {
  case TA_ESUM:
    if (!X->row) {   /* every element gets k*g */
      double *gx = nadj + X->goff, d = I->k * g[0];
      EXACT(X, gx, I->smask & 1, { if (s_) vfill(m_, d_, d); else vadd(m_, d_, d); });
      return;
    }
    for (uint32_t e = 0; e < X->n; e++) vaxpy(m, ADJ(A, X, e, nadj), I->k, g);
    return;
  case TA_NORM:
    for (uint32_t e = 0; e < X->n; e++) {
      const double *x = VAL(A, X, e);
      double *gx = ADJ(A, X, e, nadj);
      for (size_t r = 0; r < m; r++) if (o[r] > 0) gx[r] += g[r] * x[r] / o[r];
    }
    return;
  case TA_AMAX:
    for (size_t r = 0; r < m; r++) D[r] = g[r];   /* the first largest element takes it */
    for (uint32_t e = 0; e < X->n; e++) {
      const double *x = VAL(A, X, e);
      double *gx = ADJ(A, X, e, nadj);
      for (size_t r = 0; r < m; r++) if (x[r] == o[r]) { gx[r] += D[r]; D[r] = 0; }
    }
    return;
  case TA_LOGSUMEXP:
    for (uint32_t e = 0; e < X->n; e++) {
      const double *x = VAL(A, X, e);
      double *gx = ADJ(A, X, e, nadj);
      for (size_t r = 0; r < m; r++) gx[r] += g[r] * exp(x[r] - o[r]);
    }
    return;
  case TA_SOFTMAX: case TA_LOGSOFTMAX:
    vfill(m, D, 0);
    for (uint32_t e = 0; e < X->n; e++) {
      const double *y = VAL(A, O, e), *gy = ADJ(A, O, e, nadj);
      if (I->op == TA_SOFTMAX) vmuladd(m, D, gy, y);
      else vaxpy(m, D, 1, gy);
    }
    for (uint32_t e = 0; e < X->n; e++) {
      const double *y = VAL(A, O, e), *gy = ADJ(A, O, e, nadj);
      double *gx = ADJ(A, X, e, nadj);
      if (I->op == TA_SOFTMAX) for (size_t r = 0; r < m; r++) gx[r] += y[r] * (gy[r] - D[r]);
      else for (size_t r = 0; r < m; r++) gx[r] += gy[r] - exp(y[r]) * D[r];
    }
    return;
  case TA_XENT: {
    /* the logits may be the same in every row (lane stride 0): then their
    ** adjoint sums over the block's real rows */
    const ta_reg *K = &A->reg[I->b];
    size_t sx = X->row ? 1 : 0, lanes = O->row ? (X->row ? m : n) : 1;
    for (size_t r = 0; r < lanes; r++) {
      double k = VAL(A, K, 0)[K->row ? r : 0];
      uint32_t kk = (uint32_t)k - 1;   /* checked by the forward pass */
      double L = o[r] + VAL(A, X, kk)[r * sx];
      for (uint32_t e = 0; e < X->n; e++)
        ADJ(A, X, e, nadj)[r * sx] += g[r] * (exp(VAL(A, X, e)[r * sx] - L) - (e == kk));
    }
    return;
  }
  }
}

/* ---- one instruction -------------------------------------------------------------- */

static int forward(tp_arr *A, slope_tape *T, const ta_ins *I, size_t m) {
  switch (I->op) {
  case TA_EW1: case TA_EW2: ew_forward(A, I, m); return SLOPE_OK;
  case TA_MATMUL: mm_forward(A, I, m); return SLOPE_OK;
  case TA_PAD: case TA_TRANSPOSE: move_forward(A, I, m); return SLOPE_OK;
  default: return lane_forward(A, T, I, m);
  }
}

static void backward(tp_arr *A, const ta_ins *I, size_t n, size_t m, double *nadj) {
  switch (I->op) {
  case TA_EW1: case TA_EW2: ew_backward(A, I, n, m, nadj); return;
  case TA_MATMUL: mm_backward(A, I, n, m, nadj); return;
  case TA_PAD: case TA_TRANSPOSE: move_backward(A, I, m, nadj); return;
  default: lane_backward(A, I, n, m, nadj); return;
  }
}

static int run(tp_arr *A, slope_tape *T, const ta_ins *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    int rc = forward(A, T, &p[i], 1);
    if (rc != SLOPE_OK) return rc;
  }
  return SLOPE_OK;
}

static void run_back(tp_arr *A, const ta_ins *p, uint32_t n) {
  for (uint32_t i = n; i-- > 0; ) if (p[i].gmask) backward(A, &p[i], 1, 1, A->adj);
}

/* ---- the row section -------------------------------------------------------------- */

/*
** Point each data column's elements at rows [start, start + n): the bound
** columns themselves when every row is selected and the block needs no
** padding, else its gather blocks (kept in its adjoint entries, which a
** column does not need), padded to 'm' rows with copies of the last row.
*/
static void load_block(tp_arr *A, slope_tape *T, const size_t *rows, size_t start, size_t n, size_t m) {
  for (uint32_t c = 0; c < A->ncolreg; c++) {
    const ta_reg *R = &A->reg[A->colreg[c]];
    for (uint32_t e = 0; e < R->n; e++) {
      const double *col = T->cols[R->col + (int32_t)e];
      double *buf = A->gp[R->off + e];
      if (!rows && n == m) { A->ep[R->off + e] = (double *)(uintptr_t)(col + start); continue; }
      if (rows) for (size_t i = 0; i < n; i++) buf[i] = col[rows[start + i]];
      else memcpy(buf, col + start, n * sizeof *buf);
      for (size_t i = n; i < m; i++) buf[i] = buf[n - 1];
      A->ep[R->off + e] = buf;
    }
  }
}

/* Clear the adjoints of the listed registers in 'adj'. */
static void clear(const tp_arr *A, const uint32_t *regs, uint32_t n, double *adj) {
  for (uint32_t j = 0; j < n; j++) {
    const ta_reg *R = &A->reg[regs[j]];
    memset(adj + R->goff, 0, ((R->n + 3) & ~(size_t)3) * sizeof *adj);
  }
}

/* One reduction's backward sweep over the block, into 'nadj': element e of
** its argument seeded with seed[e] (ones for the partials of a scalar one). */
static void sweep(tp_arr *A, const ta_red *R, const double *seed, double *nadj, size_t n, size_t m) {
  const ta_ins *row = A->ins + A->npre;
  const ta_reg *X = &A->reg[R->arg];
  for (uint32_t z = R->z0; z < R->z0 + R->nz; z++) {
    const ta_reg *Z = &A->reg[A->zreg[z]];
    for (uint32_t e = 0; e < Z->n; e++) vfill(m, A->gp[Z->off + e], 0);
  }
  for (uint32_t e = 0; e < X->n; e++) vadd(m, A->gp[X->off + e], seed ? seed[e] : 1);
  for (uint32_t s = R->sw0; s < R->sw0 + R->nsw; s++) backward(A, &row[A->sweep[s]], n, m, nadj);
}

/*
** The row section over all selected rows, block by block: forward, the
** reductions' sums, and then per 'mode': 0 nothing more, 1 each scalar
** reduction's sweep into its partials, 2 each reduction's sweep seeded with
** its result's adjoint (divided by the count for a mean) into the adjoints.
*/
static int run_rows(tp_arr *A, slope_tape *T, const size_t *rows, size_t count, int mode) {
  size_t nv = (size_t)A->nval + 4;
  for (uint32_t r = 0; r < A->nred; r++) {
    const ta_reg *O = &A->reg[A->red[r].out];
    double *seed = A->part + r * nv;   /* mode 2: the seeds, where mode 1 keeps partials */
    if (mode < 2) memset(A->val + O->off, 0, O->n * sizeof *A->val);
    if (mode == 1 && A->red[r].nsw) clear(A, A->pread, A->npread, seed);
    for (uint32_t e = 0; mode == 2 && e < O->n; e++)
      seed[e] = A->red[r].mean ? A->adj[O->goff + e] / (double)count : A->adj[O->goff + e];
  }
  A->rows = rows;
  for (size_t start = 0; start < count; start += A->bs) {
    size_t n = count - start < A->bs ? count - start : A->bs;
    size_t m = (n + 3) & ~(size_t)3;
    A->start = start;
    load_block(A, T, rows, start, n, m);
    const ta_ins *row = A->ins + A->npre;
    for (uint32_t i = 0; i < A->nrow; i++) {
      int rc = forward(A, T, &row[i], m);
      if (rc != SLOPE_OK) return rc;
    }
    for (uint32_t r = 0; r < A->nred; r++) {
      const ta_red *R = &A->red[r];
      const ta_reg *X = &A->reg[R->arg], *O = &A->reg[R->out];
      if (mode < 2) for (uint32_t e = 0; e < X->n; e++) A->val[O->off + e] += tp_sum(VAL(A, X, e), n);
      if (mode == 1 && R->nsw) sweep(A, R, NULL, A->part + r * nv, n, m);
      if (mode == 2 && R->nsw) sweep(A, R, A->part + r * nv, A->adj, n, m);
    }
  }
  for (uint32_t r = 0; mode < 2 && r < A->nred; r++) {
    const ta_reg *O = &A->reg[A->red[r].out];
    if (A->red[r].mean) for (uint32_t e = 0; e < O->n; e++) A->val[O->off + e] /= (double)count;
  }
  return SLOPE_OK;
}

/* Chain rule across the reductions: d f/d k += d f/d r * d r/d k. */
static void combine(tp_arr *A, size_t count) {
  size_t nv = (size_t)A->nval + 4;
  for (uint32_t r = 0; r < A->nred; r++) {
    const ta_red *R = &A->red[r];
    if (!R->nsw) continue;
    double c = A->adj[A->reg[R->out].goff];
    if (R->mean) c /= (double)count;
    const double *part = A->part + r * nv;
    for (uint32_t j = 0; j < A->npread; j++) {
      const ta_reg *P = &A->reg[A->pread[j]];
      for (uint32_t e = 0; e < P->n; e++) A->adj[P->goff + e] += c * part[P->goff + e];
    }
  }
}

int ta_grad(slope_tape *T, const double *x, const size_t *rows, size_t nsel, double *f, double *grad) {
  tp_arr *A = T->arr;
  size_t count = 0;
  int rc;
  A->vm = T->vm;
  if (A->count != UINT32_MAX) {
    if ((rc = tp_selection(T, rows, nsel, &count)) != SLOPE_OK) return rc;
    A->val[A->reg[A->count].off] = (double)count;
  }
  for (int i = 0, o = 0; i < A->nparams; i++) {
    const ta_reg *P = &A->reg[A->poff[i]];
    memcpy(A->val + P->off, x + o, P->n * sizeof *x);
    o += (int)P->n;
  }
  const ta_ins *pre = A->ins, *post = A->ins + A->npre + A->nrow;
  if ((rc = run(A, T, pre, A->npre)) != SLOPE_OK) return rc;
  if (A->nred && (rc = run_rows(A, T, rows, count, grad && !A->twopass)) != SLOPE_OK) return rc;
  if ((rc = run(A, T, post, A->npost)) != SLOPE_OK) return rc;
  if (f) *f = A->val[A->reg[A->root].off];
  if (!grad) return SLOPE_OK;
  clear(A, A->zadj, A->nzadj, A->adj);
  const ta_reg *R = &A->reg[A->root];
  if (R->view) A->adj[R->goff] += 1;   /* an element of a cleared register */
  else A->adj[R->goff] = 1;
  run_back(A, post, A->npost);
  if (!A->twopass) combine(A, count);
  else if (A->nred && (rc = run_rows(A, T, rows, count, 2)) != SLOPE_OK) return rc;
  run_back(A, pre, A->npre);
  for (int i = 0, o = 0; i < A->nparams; i++) {
    const ta_reg *P = &A->reg[A->poff[i]];
    memcpy(grad + o, A->adj + P->goff, P->n * sizeof *grad);
    o += (int)P->n;
  }
  return SLOPE_OK;
}
