/*
** tape_array_c.c -- C source of a compiled array tape (tape_array.h): one
** function computing the value and the gradient, for jit.c to compile and
** load like a scalar tape's (tape_c.c, whose text helpers and rules it uses).
**
** The generated function is tape_array_eval.c written out for one tape: the
** same instructions in the same order, each a loop over its elements (and,
** in the row section, over the rows of a block), with the shapes, offsets
** and operations fixed, so the dispatch per instruction and element is gone
** and gcc sees every loop's operation.  Every sum is the interpreter's
** (tp_sum's eight accumulators, dotsum's four, the same blocks of rows), so
** the results are the interpreter's to the last bit.
**
** It works in the tape's own memory, passed in 'work' (tac_work): values,
** adjoints, partials, scratch, an error flag, then the row element pointers
** (ep) and adjoint pointers (gp).  A label outside its range sets the flag
** and returns; jit.c then lets the interpreter report the error.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "tape_array.h"

enum { W_VAL, W_ADJ, W_PART, W_SCRATCH, W_FLAG, W_EP };

size_t tac_nwork(const slope_tape *T) { return W_EP + 2 * (size_t)T->arr->nep + 1; }

void tac_work(const slope_tape *T, double **w, double *flag) {
  const tp_arr *A = T->arr;
  w[W_VAL] = A->val;
  w[W_ADJ] = A->adj;
  w[W_PART] = A->part;
  w[W_SCRATCH] = A->scratch;
  w[W_FLAG] = flag;
  for (uint32_t k = 0; k < A->nep; k++) {
    w[W_EP + k] = A->ep[k];
    w[W_EP + A->nep + k] = A->gp[k];
  }
}

/* The loops of tape_array_eval.c and tape_eval.c's SUMROWS, as text. */
static const char aprelude[] =
  /* loops of any length vectorized, with their tails (gcc's -O2 cost model
  ** leaves a loop alone when it needs one); no change to any result: a loop
  ** vectorizes only when its operations stay those of each element */
  "#if defined(__GNUC__) && !defined(__clang__)\n"
  "#pragma GCC optimize(\"tree-vectorize\", \"vect-cost-model=dynamic\")\n"
  "#endif\n"
  "#define VFILL(m, O, v) do { double *o_ = (O); for (size_t i = 0; i < (m); i++) o_[i] = (v); } while (0)\n"
  "#define VADD(m, O, v) do { double *o_ = (O); for (size_t i = 0; i < (m); i++) o_[i] += (v); } while (0)\n"
  "static inline void vmuladd(size_t m, double *restrict O, const double *restrict X, const double *restrict Y) {\n"
  "  for (size_t i = 0; i < m; i++) O[i] += X[i] * Y[i];\n}\n"
  "static inline void vaxpy(size_t m, double *restrict O, double a, const double *restrict X) {\n"
  "  for (size_t i = 0; i < m; i++) O[i] += a * X[i];\n}\n"
  "static inline double dotsum(size_t n, const double *X, const double *Y) {\n"
  "  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;\n  size_t i = 0;\n"
  "  for (; i + 4 <= n; i += 4) {\n"
  "    s0 += X[i] * Y[i]; s1 += X[i + 1] * Y[i + 1];\n"
  "    s2 += X[i + 2] * Y[i + 2]; s3 += X[i + 3] * Y[i + 3];\n  }\n"
  "  for (; i < n; i++) s0 += X[i] * Y[i];\n"
  "  return (s0 + s1) + (s2 + s3);\n}\n"
  "#define S1_(k, LOAD, EXPR) { size_t i = j_ + k; LOAD; s##k += (EXPR); }\n"
  "#define SUMROWS(n, LOAD, EXPR, RESULT) do { \\\n"
  "    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; \\\n"
  "    size_t n8_ = (n) & ~(size_t)7, j_ = 0; \\\n"
  "    for (; j_ < n8_; j_ += 8) { \\\n"
  "      S1_(0, LOAD, EXPR) S1_(1, LOAD, EXPR) S1_(2, LOAD, EXPR) S1_(3, LOAD, EXPR) \\\n"
  "      S1_(4, LOAD, EXPR) S1_(5, LOAD, EXPR) S1_(6, LOAD, EXPR) S1_(7, LOAD, EXPR) \\\n"
  "    } \\\n"
  "    for (; j_ < (n); j_++) S1_(0, LOAD, EXPR) \\\n"
  "    RESULT = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); \\\n"
  "  } while (0)\n"
  "static inline double tsum(const double *x, size_t n) { double s; SUMROWS(n, (void)0, x[i], s); return s; }\n";

typedef struct agen {
  const slope_tape *T;
  const tp_arr *A;
  tc_buf *B;
} agen;

#define P(...) tc_put(G->B, __VA_ARGS__)

/* Pointer to element e of register r: values, adjoints ('nadj' names the
** array of the scalar sections' adjoints at this site). */
static void val(agen *G, const ta_reg *R, const char *e) {
  if (R->row) P("EP[%u + %s]", (unsigned)R->off, e);
  else P("(V + %u + %s)", (unsigned)R->off, e);
}
static void adj(agen *G, const ta_reg *R, const char *e, const char *nadj) {
  if (R->row) P("GP[%u + %s]", (unsigned)R->off, e);
  else P("(%s + %u + %s)", nadj, (unsigned)R->goff, e);
}

/* const double *x = VAL(X, ex) etc.: the usual locals of a rule. */
static void decl_val(agen *G, const char *name, const ta_reg *R, const char *e) {
  P("const double *%s = ", name);
  val(G, R, e);
  P("; (void)%s; ", name);
}

/* The pointers a loop over the elements binds at element e: a value or an
** adjoint of a register, read-only or written. */
typedef struct ebind { const char *name; const ta_reg *R; int adj, out; } ebind;

/* "for (uint32_t e = 0; e < n; e++) { <the bindings>; " (the caller writes
** the body and the closing brace). */
static void each(agen *G, uint32_t n, const char *nadj, const ebind *b, int nb) {
  P("  for (uint32_t e = 0; e < %u; e++) { ", (unsigned)n);
  for (int i = 0; i < nb; i++) {
    if (i == 0 || b[i].out != b[i - 1].out) P("%s%s *%s = ", i ? "; " : "", b[i].out ? "double" : "const double", b[i].name);
    else P(", *%s = ", b[i].name);
    if (b[i].adj) adj(G, b[i].R, "e", nadj);
    else val(G, b[i].R, "e");
  }
  P("; ");
}

static void put_k(agen *G, double k) {
  P("const double k = ");
  tc_put_num(G->B, k);
  P("; (void)k; ");
}

/* ---- element-wise ---- */

static void ew_forward(agen *G, const ta_ins *I, const char *m) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  const tc_rule *R = &tc_rules[I->sub];
  P("  { ");
  put_k(G, I->k);
  if (!I->row) {
    size_t pn = (O->n + 3) & ~(size_t)3;
    int av = I->op == TA_EW1 || X->n == O->n, bv = Y->n == O->n;
    P("double *o = V + %u; const double *X = V + %u, *Y = V + %u; (void)Y;\n", (unsigned)O->off,
      (unsigned)X->off, (unsigned)Y->off);
    P("    for (size_t i = 0; i < %zu; i++) { const double a = %s, b = %s; (void)b; o[i] = (%s); } }\n", pn,
      av ? "X[i]" : "X[0]", I->op == TA_EW1 ? "0" : bv ? "Y[i]" : "Y[0]", R->f);
    return;
  }
  P("for (uint32_t e = 0; e < %u; e++) { double *restrict o = ", (unsigned)O->n);
  val(G, O, "e");
  P("; ");
  decl_val(G, "x", X, X->n == 1 ? "0" : "e");
  if (I->op == TA_EW1) {
    P("for (size_t i = 0; i < %s; i++) { const double a = x[i], b = 0; (void)b; o[i] = (%s); } } }\n", m, R->f);
    return;
  }
  decl_val(G, "y", Y, Y->n == 1 ? "0" : "e");
  P("const double sa = x[0], sb = y[0]; (void)sa; (void)sb;\n");
  P("    for (size_t i = 0; i < %s; i++) { const double a = %s, b = %s; o[i] = (%s); } } }\n", m,
    X->row ? "x[i]" : "sa", Y->row ? "y[i]" : "sb", R->f);
}

static uint32_t root_reg(const tp_arr *A, uint32_t r) { return A->reg[r].view ? A->reg[r].src : r; }

/* (x - y)^2 of two registers that do not overlap, both adjoints wanted: one
** d = 2 (x - y) g each, added to x's and taken from y's. */
static int sqdiff_apart(const tp_arr *A, const ta_ins *I) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  return I->op == TA_EW2 && I->sub == TP_SQDIFF && I->gmask == 3 && X->n == O->n && Y->n == O->n &&
         root_reg(A, I->a) != root_reg(A, I->b);
}

/* Whether a flat element-wise instruction adds to operand w's adjoint (0 a, 1 b). */
static int ew_wants(const ta_ins *I, int w) {
  if (w) return I->op == TA_EW2 && (I->gmask & 2) && !(I->smask & 8);
  return I->op == TA_EW1 || ((I->gmask & 1) && !(I->smask & 4));
}

/* Adjoint loop over exactly the elements [0, n) of a flat register: GD (=|+=) EXPR. */
static void flat_adj(agen *G, size_t n, uint32_t goff, int set, const char *load, const char *expr) {
  P("    for (size_t i = 0; i < %zu; i++) { %s D[%u + i] %s (%s); }\n", n, load, (unsigned)goff,
    set ? "=" : "+=", expr);
}

static void ew_backward_flat(agen *G, const ta_ins *I) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  const tc_rule *R = &tc_rules[I->sub];
  P("  { const double *Gp = D + %u, *Op = V + %u, *X = V + %u, *Y = V + %u; (void)Gp; (void)Op; (void)X; (void)Y; ",
    (unsigned)O->goff, (unsigned)O->off, (unsigned)X->off, (unsigned)Y->off);
  put_k(G, I->k);
  P("\n");
  if (sqdiff_apart(A, I)) {
    int sx = I->smask & 1, sy = (I->smask & 2) != 0;
    P("    for (size_t i = 0; i < %u; i++) { double d = 2 * (X[i] - Y[i]) * Gp[i]; D[%u + i] %s d; D[%u + i] %s d; }\n  }\n",
      (unsigned)O->n, (unsigned)X->goff, sx ? "=" : "+=", (unsigned)Y->goff, sy ? "= -" : "-=");
    return;
  }
  int av = I->op == TA_EW1 || X->n == O->n, bv = I->op != TA_EW1 && Y->n == O->n;
  char load[200];
  snprintf(load, sizeof load, "const double a = %s, b = %s, g = Gp[i], o = Op[i]; (void)a; (void)b; (void)o; (void)g;",
           av ? "X[i]" : "X[0]", I->op == TA_EW1 ? "0" : bv ? "Y[i]" : "Y[0]");
  for (int w = 0; w < 2; w++) {
    const ta_reg *Z = w ? Y : X;
    int set = (I->smask & (1 << w)) != 0;
    if (!ew_wants(I, w)) continue;
    if (w ? bv : av) flat_adj(G, Z->n, Z->goff, set, load, w ? R->db : R->da);
    else P("    { double s; SUMROWS(%u, const double a = %s; const double b = %s; const double o = Op[i]; "
           "const double g = Gp[i]; (void)a; (void)b; (void)o; (void)g, (%s), s); D[%u] %s s; }\n",
           (unsigned)O->n, w ? "X[i]" : "X[0]", w ? "Y[0]" : "Y[i]", w ? R->db : R->da, (unsigned)Z->goff,
           set ? "=" : "+=");
  }
  P("  }\n");
}

/* Backward of an element-wise row instruction (ew_backward). */
static void ew_backward_row(agen *G, const ta_ins *I, const char *nadj) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  const tc_rule *R = &tc_rules[I->sub];
  P("  for (uint32_t e = 0; e < %u; e++) { ", (unsigned)O->n);
  put_k(G, I->k);
  P("const double *restrict Gp = ");
  adj(G, O, "e", nadj);
  P(", *restrict Op = ");
  val(G, O, "e");
  P("; const uint32_t ex = %s, ey = %s; (void)ey; ", X->n == 1 ? "0" : "e", Y->n == 1 ? "0" : "e");
  decl_val(G, "x", X, "ex");
  decl_val(G, "y", Y, "ey");
  P("\n");
  if (I->op == TA_EW1) {
    P("    { double *restrict d = ");
    adj(G, X, "ex", nadj);
    P("; for (size_t i = 0; i < m; i++) { const double a = x[i], b = 0, o = Op[i], g = Gp[i]; "
      "(void)a; (void)b; (void)o; (void)g; d[i] += (%s); } } }\n", R->da);
    return;
  }
  const char *la = X->row ? "x[i]" : "x[0]", *lb = Y->row ? "y[i]" : "y[0]";
  for (int w = 0; w < 2; w++) {
    const ta_reg *Z = w ? Y : X;
    const char *rule = w ? R->db : R->da;
    if (!(I->gmask & (1 << w))) continue;
    if (Z->row) {
      P("    { double *restrict d = ");
      adj(G, Z, w ? "ey" : "ex", nadj);
      P("; for (size_t i = 0; i < m; i++) { const double a = %s, b = %s, o = Op[i], g = Gp[i]; "
        "(void)a; (void)b; (void)o; (void)g; d[i] += (%s); } }\n", la, lb, rule);
    } else {
      P("    { double s; SUMROWS(n, const double a = %s; const double b = %s; const double o = Op[i]; "
        "const double g = Gp[i]; (void)a; (void)b; (void)o; (void)g, (%s), s); %s[%u + %s] += s; }\n",
        la, lb, rule, nadj, (unsigned)Z->goff, w ? "ey" : "ex");
    }
  }
  P("  }\n");
}

/* ---- products ---- */

/* The elements of (M x K) @ (K x N) at i_, j_, l_: of the result, of a, of b. */
static void mm_index(const ta_ins *I, char eo[40], char ex[40], char ey[40]) {
  snprintf(eo, 40, "i_ * %u + j_", (unsigned)I->i2);
  snprintf(ex, 40, "i_ * %u + l_", (unsigned)I->i1);
  snprintf(ey, 40, "l_ * %u + j_", (unsigned)I->i2);
}

/* The adjoint of one operand P of a product (mm_adjoint). */
static void mm_adjoint(agen *G, const ta_reg *Pr, const ta_reg *Q, const char *ep, const char *eq,
                       const char *nadj) {
  P("{ double *gp = ");
  adj(G, Pr, ep, nadj);
  P("; const double *q = ");
  val(G, Q, eq);
  P("; ");
  if (Pr->row && Q->row) P("vmuladd(m, gp, g, q);");
  else if (Pr->row) P("vaxpy(m, gp, q[0], g);");
  else if (Q->row) P("gp[0] += dotsum(n, g, q);");
  else P("gp[0] += g[0] * q[0];");
  P(" } ");
}

/* The product, forward (o = sum over l of x * y) or backward (each
** operand's adjoint from g), over the same loops of i_, j_, l_. */
static void mm(agen *G, const ta_ins *I, int back, const char *m, const char *nadj) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  unsigned M = I->i0, K = I->i1, N = I->i2;
  char eo[40], ex[40], ey[40];
  mm_index(I, eo, ex, ey);
  P("  for (uint32_t i_ = 0; i_ < %u; i_++) for (uint32_t j_ = 0; j_ < %u; j_++) {\n    ", M, N);
  if (back) {
    P("const double *g = ");
    adj(G, O, eo, nadj);
    P(";\n    for (uint32_t l_ = 0; l_ < %u; l_++) { ", K);
    if (I->gmask & 1) mm_adjoint(G, X, Y, ex, ey, nadj);
    if (I->gmask & 2) mm_adjoint(G, Y, X, ey, ex, nadj);
    P("}\n  }\n");
    return;
  }
  P("double *o = ");
  val(G, O, eo);
  P("; VFILL(%s, o, 0);\n    for (uint32_t l_ = 0; l_ < %u; l_++) { const double *x = ", m, K);
  val(G, X, ex);
  P(", *y = ");
  val(G, Y, ey);
  P("; ");
  if (X->row && Y->row) P("vmuladd(%s, o, x, y);", m);
  else if (X->row) P("vaxpy(%s, o, y[0], x);", m);
  else if (Y->row) P("vaxpy(%s, o, x[0], y);", m);
  else P("o[0] += x[0] * y[0];");
  P(" }\n  }\n");
}

/* ---- pad, transpose: element by element, the source fixed ---- */

static long source_of(const ta_ins *I, uint32_t e, uint32_t na) {
  if (I->op == TA_PAD) return e < I->i0 || e >= I->i0 + na ? -1 : (long)(e - I->i0);
  uint32_t rows = I->i0, cols = I->i1;
  return (long)((e % rows) * cols + e / rows);
}

static void move(agen *G, const ta_ins *I, int back, const char *m, const char *nadj) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  if (I->op == TA_PAD) {   /* one loop per run: zeros, the copy, zeros */
    uint32_t lo = I->i0, hi = I->i0 + X->n;
    char e[40];
    snprintf(e, sizeof e, "e - %u", (unsigned)lo);
    if (!back) {
      P("  for (uint32_t e = 0; e < %u; e++) VFILL(%s, ", (unsigned)lo, m);
      val(G, O, "e");
      P(", 0);\n  for (uint32_t e = %u; e < %u; e++) VFILL(%s, ", (unsigned)hi, (unsigned)O->n, m);
      val(G, O, "e");
      P(", 0);\n  for (uint32_t e = %u; e < %u; e++) memcpy(", (unsigned)lo, (unsigned)hi);
      val(G, O, "e");
      P(", ");
      val(G, X, e);
      P(", %s * sizeof(double));\n", m);
    } else {
      P("  for (uint32_t e = %u; e < %u; e++) vaxpy(%s, ", (unsigned)lo, (unsigned)hi, m);
      adj(G, X, e, nadj);
      P(", 1, ");
      adj(G, O, "e", nadj);
      P(");\n");
    }
    return;
  }
  for (uint32_t e = 0; e < O->n; e++) {
    char es[16], ss[16];
    snprintf(es, sizeof es, "%u", (unsigned)e);
    snprintf(ss, sizeof ss, "%ld", source_of(I, e, X->n));
    if (!back) {
      P("  memcpy(");
      val(G, O, es);
      P(", ");
      val(G, X, ss);
      P(", %s * sizeof(double));\n", m);
    } else {
      P("  vaxpy(%s, ", m);
      adj(G, X, ss, nadj);
      P(", 1, ");
      adj(G, O, es, nadj);
      P(");\n");
    }
  }
}

/* ---- reductions of elements and classifiers, lane by lane ---- */

/* M[r], S[r] of lse_parts, for X read with lane stride 'sx'. */
static void lse_parts(agen *G, const ta_reg *X, int sx) {
  P("  for (size_t r = 0; r < m; r++) { M[r] = -INFINITY; S[r] = 0; }\n");
  const ebind x[] = {{"x", X, 0, 0}};
  each(G, X->n, NULL, x, 1);
  P("for (size_t r = 0; r < m; r++) if (x[r * %d] > M[r] || isnan(x[r * %d])) M[r] = x[r * %d]; }\n", sx, sx, sx);
  each(G, X->n, NULL, x, 1);
  P("for (size_t r = 0; r < m; r++) S[r] += exp(x[r * %d] - M[r]); }\n", sx);
}

/* The label of lane r into kk, or the flag and out (label_at). */
static void label(agen *G, const ta_reg *K, uint32_t n) {
  P("    const double kv = ");
  val(G, K, "0");
  P("[%s]; if (!(kv == floor(kv) && kv >= 1 && kv <= %u)) { *FL = 1; return; }\n"
    "    const uint32_t kk = (uint32_t)kv - 1;\n", K->row ? "r" : "0", (unsigned)n);
}

static void lane_forward(agen *G, const ta_ins *I) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  int sx = X->row && O->row ? 1 : 0;
  P("  { double *M = SC, *S = SC + %u, *o = ", (unsigned)A->bs);
  val(G, O, "0");
  P("; (void)M; (void)S; (void)o;\n");
  switch (I->op) {
  case TA_ESUM:
    if (!X->row) P("  o[0] = tsum(V + %u, %u);\n", (unsigned)X->off, (unsigned)X->n);
    else {
      P("  VFILL(m, o, 0);\n  for (uint32_t e = 0; e < %u; e++) vaxpy(m, o, 1, ", (unsigned)X->n);
      val(G, X, "e");
      P(");\n");
    }
    if (I->k != 1) { P("  for (size_t r = 0; r < m; r++) o[r] *= "); tc_put_num(G->B, I->k); P(";\n"); }
    break;
  case TA_NORM:
    P("  VFILL(m, o, 0);\n");
    each(G, X->n, NULL, (const ebind[]){{"x", X, 0, 0}}, 1);
    P("vmuladd(m, o, x, x); }\n  for (size_t r = 0; r < m; r++) o[r] = sqrt(o[r]);\n");
    break;
  case TA_AMAX:
    lse_parts(G, X, sx);
    P("  memcpy(o, M, m * sizeof *o);\n");
    break;
  case TA_LOGSUMEXP:
    lse_parts(G, X, sx);
    P("  for (size_t r = 0; r < m; r++) o[r] = M[r] + log(S[r]);\n");
    break;
  case TA_SOFTMAX: case TA_LOGSOFTMAX:
    lse_parts(G, X, sx);
    P("  for (size_t r = 0; r < m; r++) S[r] = %s;\n", I->op == TA_SOFTMAX ? "1 / S[r]" : "M[r] + log(S[r])");
    each(G, X->n, NULL, (const ebind[]){{"x", X, 0, 0}, {"y", O, 0, 1}}, 2);
    P("for (size_t r = 0; r < m; r++) y[r] = %s; }\n",
      I->op == TA_SOFTMAX ? "exp(x[r] - M[r]) * S[r]" : "x[r] - S[r]");
    break;
  case TA_XENT: {
    char e[48];
    lse_parts(G, X, sx);
    P("  for (size_t r = 0; r < m; r++) {\n");
    label(G, &A->reg[I->b], X->n);
    P("    o[r] = M[r] + log(S[r]) - ");
    snprintf(e, sizeof e, "kk");
    val(G, X, e);
    P("[r * %d];\n  }\n", sx);
    break;
  }
  case TA_ONEHOT:
    P("  for (uint32_t e = 0; e < %u; e++) VFILL(m, ", (unsigned)O->n);
    val(G, O, "e");
    P(", 0);\n  for (size_t r = 0; r < m; r++) {\n");
    label(G, X, O->n);
    P("    ");
    val(G, O, "kk");
    P("[r] = 1;\n  }\n");
    break;
  }
  P("  }\n");
}

static void lane_backward(agen *G, const ta_ins *I, const char *nadj) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a];
  P("  { const double *o = ");
  val(G, O, "0");
  P(", *g = ");
  adj(G, O, "0", nadj);
  P("; double *Dl = SC; (void)o; (void)g; (void)Dl;\n");
  const ebind xgx[] = {{"x", X, 0, 0}, {"gx", X, 1, 1}}, ygy[] = {{"y", O, 0, 0}, {"gy", O, 1, 0}, {"gx", X, 1, 1}};
  switch (I->op) {
  case TA_ESUM:
    if (!X->row) {
      P("  { const double d = ");
      tc_put_num(G->B, I->k);
      P(" * g[0]; for (size_t i = 0; i < %u; i++) %s[%u + i] %s d; }\n", (unsigned)X->n, nadj,
        (unsigned)X->goff, I->smask & 1 ? "=" : "+=");
      break;
    }
    P("  for (uint32_t e = 0; e < %u; e++) vaxpy(m, ", (unsigned)X->n);
    adj(G, X, "e", nadj);
    P(", ");
    tc_put_num(G->B, I->k);
    P(", g);\n");
    break;
  case TA_NORM:
    each(G, X->n, nadj, xgx, 2);
    P("for (size_t r = 0; r < m; r++) if (o[r] > 0) gx[r] += g[r] * x[r] / o[r]; }\n");
    break;
  case TA_AMAX:
    P("  for (size_t r = 0; r < m; r++) Dl[r] = g[r];\n");
    each(G, X->n, nadj, xgx, 2);
    P("for (size_t r = 0; r < m; r++) if (x[r] == o[r]) { gx[r] += Dl[r]; Dl[r] = 0; } }\n");
    break;
  case TA_LOGSUMEXP:
    each(G, X->n, nadj, xgx, 2);
    P("for (size_t r = 0; r < m; r++) gx[r] += g[r] * exp(x[r] - o[r]); }\n");
    break;
  case TA_SOFTMAX: case TA_LOGSOFTMAX:
    P("  VFILL(m, Dl, 0);\n");
    each(G, X->n, nadj, ygy, 2);
    P("(void)y; %s; }\n", I->op == TA_SOFTMAX ? "vmuladd(m, Dl, gy, y)" : "vaxpy(m, Dl, 1, gy)");
    each(G, X->n, nadj, ygy, 3);
    P("for (size_t r = 0; r < m; r++) gx[r] += %s; }\n",
      I->op == TA_SOFTMAX ? "y[r] * (gy[r] - Dl[r])" : "gy[r] - exp(y[r]) * Dl[r]");
    break;
  case TA_XENT: {
    const ta_reg *K = &A->reg[I->b];
    int sx = X->row ? 1 : 0;
    P("  const size_t lanes = %s;\n", O->row ? (X->row ? "m" : "n") : "1");
    P("  for (size_t r = 0; r < lanes; r++) {\n    const double kv = ");
    val(G, K, "0");
    P("[%s]; const uint32_t kk = (uint32_t)kv - 1;\n    const double L = o[r] + ", K->row ? "r" : "0");
    val(G, X, "kk");
    P("[r * %d];\n    for (uint32_t e = 0; e < %u; e++) ", sx, (unsigned)X->n);
    adj(G, X, "e", nadj);
    P("[r * %d] += g[r] * (exp(", sx);
    val(G, X, "e");
    P("[r * %d] - L) - (e == kk));\n  }\n", sx);
    break;
  }
  }
  P("  }\n");
}

/* One instruction, forward or (with 'back') backward. */
static void step(agen *G, const ta_ins *I, int back, const char *nadj) {
  switch (I->op) {
  case TA_EW1: case TA_EW2:
    if (!back) ew_forward(G, I, "m");
    else if (I->row) ew_backward_row(G, I, nadj);
    else ew_backward_flat(G, I);
    return;
  case TA_MATMUL: mm(G, I, back, "m", nadj); return;
  case TA_PAD: case TA_TRANSPOSE: move(G, I, back, "m", nadj); return;
  default:
    if (back) lane_backward(G, I, nadj);
    else lane_forward(G, I);
    return;
  }
}

/* ---- the sections ---- */

/* Clear the adjoints of the listed registers in 'adj' (text). */
static void clear(agen *G, const uint32_t *regs, uint32_t n, const char *adjv) {
  for (uint32_t j = 0; j < n; j++) {
    const ta_reg *R = &G->A->reg[regs[j]];
    P("  memset(%s + %u, 0, %zu * sizeof(double));\n", adjv, (unsigned)R->goff, ((size_t)R->n + 3) & ~(size_t)3);
  }
}

/* One reduction's sweep (see tape_array_eval.c's sweep): 'seed' NULL for ones. */
static void sweep(agen *G, const ta_red *R, const char *seed, const char *nadj) {
  const tp_arr *A = G->A;
  const ta_ins *row = A->ins + A->npre;
  const ta_reg *X = &A->reg[R->arg];
  for (uint32_t z = R->z0; z < R->z0 + R->nz; z++) {
    const ta_reg *Z = &A->reg[A->zreg[z]];
    P("  for (uint32_t e = 0; e < %u; e++) VFILL(m, GP[%u + e], 0);\n", (unsigned)Z->n, (unsigned)Z->off);
  }
  P("  for (uint32_t e = 0; e < %u; e++) VADD(m, GP[%u + e], %s);\n", (unsigned)X->n, (unsigned)X->off,
    seed ? seed : "1");
  for (uint32_t s = R->sw0; s < R->sw0 + R->nsw; s++) step(G, &row[A->sweep[s]], 1, nadj);
}

static void load_block(agen *G) {
  const tp_arr *A = G->A;
  for (uint32_t c = 0; c < A->ncolreg; c++) {
    const ta_reg *R = &A->reg[A->colreg[c]];
    P("  for (uint32_t e = 0; e < %u; e++) {\n"
      "    const double *col = cols[%d + e]; double *buf = GP[%u + e];\n"
      "    if (!rows && n == m) { EP[%u + e] = (double *)(col + start); continue; }\n"
      "    if (rows) for (size_t i = 0; i < n; i++) buf[i] = col[rows[start + i]];\n"
      "    else memcpy(buf, col + start, n * sizeof *buf);\n"
      "    for (size_t i = n; i < m; i++) buf[i] = buf[n - 1];\n"
      "    EP[%u + e] = buf;\n  }\n", (unsigned)R->n, (int)R->col, (unsigned)R->off, (unsigned)R->off,
      (unsigned)R->off);
  }
}

/* run_rows: 'mode' is a variable of the generated code. */
static void rows(agen *G) {
  const tp_arr *A = G->A;
  size_t nv = (size_t)A->nval + 4;
  P("  {\n");
  for (uint32_t r = 0; r < A->nred; r++) {
    const ta_red *R = &A->red[r];
    const ta_reg *O = &A->reg[R->out];
    char seed[32];
    snprintf(seed, sizeof seed, "(PA + %zu)", r * nv);
    P("  if (mode < 2) memset(V + %u, 0, %u * sizeof(double));\n", (unsigned)O->off, (unsigned)O->n);
    if (R->nsw) {
      P("  if (mode == 1) {\n");
      clear(G, A->pread, A->npread, seed);
      P("  }\n");
    }
    P("  if (mode == 2) for (uint32_t e = 0; e < %u; e++) %s[e] = D[%u + e]%s;\n", (unsigned)O->n, seed,
      (unsigned)O->goff, R->mean ? " / (double)count" : "");
  }
  P("  for (size_t start = 0; start < count; start += %u) {\n", (unsigned)A->bs);
  P("  const size_t n = count - start < %u ? count - start : %u, m = (n + 3) & ~(size_t)3;\n",
    (unsigned)A->bs, (unsigned)A->bs);
  load_block(G);
  const ta_ins *row = A->ins + A->npre;
  for (uint32_t i = 0; i < A->nrow; i++) step(G, &row[i], 0, "D");
  for (uint32_t r = 0; r < A->nred; r++) {
    const ta_red *R = &A->red[r];
    const ta_reg *X = &A->reg[R->arg], *O = &A->reg[R->out];
    char seed[48];
    P("  if (mode < 2) for (uint32_t e = 0; e < %u; e++) V[%u + e] += tsum(EP[%u + e], n);\n", (unsigned)X->n,
      (unsigned)O->off, (unsigned)X->off);
    if (!R->nsw) continue;
    snprintf(seed, sizeof seed, "(PA + %zu)", r * nv);
    P("  if (mode == 1) {\n");
    sweep(G, R, NULL, seed);
    P("  }\n");
    if (A->twopass) {
      P("  if (mode == 2) {\n");
      snprintf(seed, sizeof seed, "PA[%zu + e]", r * nv);
      sweep(G, R, seed, "D");
      P("  }\n");
    }
  }
  P("  }\n");
  for (uint32_t r = 0; r < A->nred; r++) {
    const ta_reg *O = &A->reg[A->red[r].out];
    if (A->red[r].mean)
      P("  if (mode < 2) for (uint32_t e = 0; e < %u; e++) V[%u + e] /= (double)count;\n", (unsigned)O->n,
        (unsigned)O->off);
  }
  P("  }\n");
}

static void combine(agen *G) {
  const tp_arr *A = G->A;
  size_t nv = (size_t)A->nval + 4;
  for (uint32_t r = 0; r < A->nred; r++) {
    const ta_red *R = &A->red[r];
    if (!R->nsw) continue;
    P("  { double c = D[%u];%s\n", (unsigned)A->reg[R->out].goff, R->mean ? " c /= (double)count;" : "");
    for (uint32_t j = 0; j < A->npread; j++) {
      const ta_reg *Pr = &A->reg[A->pread[j]];
      P("    for (uint32_t e = 0; e < %u; e++) D[%u + e] += c * PA[%zu + e];\n", (unsigned)Pr->n,
        (unsigned)Pr->goff, r * nv + Pr->goff);
    }
    P("  }\n");
  }
}

/* ---- fused element-wise runs ----
**
** Consecutive element-wise instructions of the scalar sections over the
** same number of lanes run as one loop, each lane computing every
** instruction in order: the same operations on the same values, one pass
** over the elements instead of one per instruction.  An operand made inside
** the run must be read as it is (not a view, not broadcast), so that lane i
** reads what lane i of the run wrote. */

static size_t lanes_of(const tp_arr *A, const ta_ins *I) { return ((size_t)A->reg[I->out].n + 3) & ~(size_t)3; }

static int fusable(const ta_ins *I) { return (I->op == TA_EW1 || I->op == TA_EW2) && !I->row; }

/* Whether p[j] joins the run p[i0..j): its operands made in the run are read plainly. */
static int joins(const tp_arr *A, const ta_ins *p, uint32_t i0, uint32_t j) {
  const ta_ins *J = &p[j];
  if (!fusable(J) || lanes_of(A, J) != lanes_of(A, &p[i0])) return 0;
  const ta_reg *O = &A->reg[J->out];
  for (int w = 0; w < (J->op == TA_EW2 ? 2 : 1); w++) {
    uint32_t r = w ? J->b : J->a;
    for (uint32_t k = i0; k < j; k++) {
      if (root_reg(A, r) != p[k].out) continue;
      if (r != p[k].out || A->reg[r].n != O->n) return 0;
    }
  }
  return 1;
}

static void fused_forward(agen *G, const ta_ins *p, uint32_t i0, uint32_t i1) {
  const tp_arr *A = G->A;
  P("  for (size_t i = 0; i < %zu; i++) {\n", lanes_of(A, &p[i0]));
  for (uint32_t j = i0; j < i1; j++) {
    const ta_ins *I = &p[j];
    const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
    P("    { ");
    put_k(G, I->k);
    P("const double a = V[%u + %s], b = ", (unsigned)X->off, X->n == O->n ? "i" : "0");
    if (I->op == TA_EW1) P("0");
    else P("V[%u + %s]", (unsigned)Y->off, Y->n == O->n ? "i" : "0");
    P("; (void)b; V[%u + i] = (%s); }\n", (unsigned)O->off, tc_rules[I->sub].f);
  }
  P("  }\n");
}

/*
** Backward, a run of element-wise adjoints runs as one loop too, when each
** adjoint element the run touches (one instruction writing it) is touched
** by all of them at the same index: trip i then does every instruction's
** element i in the interpreter's order, so each element receives the same
** additions in the same order (same bits).  Runs whose instructions meet
** at different offsets (x[2..n] and x[1..n-1]) stay apart: skewing their
** trips would keep the order, but the vector loop then reads what the
** previous trip stored at an offset of one element, and stalls (measured
** twice slower than the loops apart).
*/
typedef struct acc { uint32_t off, len; int write; } acc;

/* A sum of the elements of a flat register: its backward gives each the same value. */
static int flat_esum(const tp_arr *A, const ta_ins *I) {
  return I->op == TA_ESUM && !I->row && !A->reg[I->a].row;
}

/* The elements a backward member runs over. */
static uint32_t run_len(const tp_arr *A, const ta_ins *I) {
  return flat_esum(A, I) ? A->reg[I->a].n : A->reg[I->out].n;
}

/* Whether two accesses touch a common element. */
static int overlap(const acc *a, const acc *b) { return a->off < b->off + b->len && b->off < a->off + a->len; }

/* The adjoint accesses of a backward member (its g read first), or 0 when it cannot join. */
static int accesses(const tp_arr *A, const ta_ins *I, acc *a) {
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  if (flat_esum(A, I)) {   /* its one g, read by every element: apart from every write */
    a[0] = (acc){O->goff, 1, 0};
    a[1] = (acc){X->goff, X->n, 1};
    return overlap(&a[0], &a[1]) ? 0 : 2;
  }
  if (!fusable(I) || !I->gmask) return 0;
  int k = 0;
  a[k++] = (acc){O->goff, O->n, 0};
  if (ew_wants(I, 0)) { if (X->n != O->n) return 0; a[k++] = (acc){X->goff, O->n, 1}; }
  if (ew_wants(I, 1)) { if (Y->n != O->n) return 0; a[k++] = (acc){Y->goff, O->n, 1}; }
  for (int i = 1; i < k; i++)   /* its own accesses apart: no order inside one instruction */
    for (int j = 0; j < i; j++)
      if (overlap(&a[i], &a[j])) return 0;
  return k;
}

/* One element j of a member's adjoints (ew_backward_flat, element by element). */
static void member(agen *G, const ta_ins *I, uint32_t m) {
  const tp_arr *A = G->A;
  const ta_reg *O = &A->reg[I->out], *X = &A->reg[I->a], *Y = &A->reg[I->b];
  const tc_rule *R = &tc_rules[I->sub];
  P("    { const size_t j = i; ");
  if (flat_esum(A, I)) {   /* lane_backward's d = k * g[0], to every element */
    P("D[%u + j] %s ", (unsigned)X->goff, I->smask & 1 ? "=" : "+=");
    tc_put_num(G->B, I->k);
    P(" * gs%u; }\n", (unsigned)m);   /* read before the loop: no member writes it */
    return;
  }
  put_k(G, I->k);
  if (sqdiff_apart(A, I)) {
    P("double d = 2 * (V[%u + j] - V[%u + j]) * D[%u + j]; D[%u + j] %s d; D[%u + j] %s d; }\n",
      (unsigned)X->off, (unsigned)Y->off, (unsigned)O->goff, (unsigned)X->goff, I->smask & 1 ? "=" : "+=",
      (unsigned)Y->goff, I->smask & 2 ? "= -" : "-=");
    return;
  }
  P("const double a = V[%u + %s], b = ", (unsigned)X->off, X->n == O->n ? "j" : "0");
  if (I->op == TA_EW1) P("0");
  else P("V[%u + %s]", (unsigned)Y->off, Y->n == O->n ? "j" : "0");
  P(", g = D[%u + j], o = V[%u + j]; (void)a; (void)b; (void)g; (void)o; ", (unsigned)O->goff, (unsigned)O->off);
  if (ew_wants(I, 0))
    P("D[%u + j] %s (%s); ", (unsigned)X->goff, I->smask & 1 ? "=" : "+=", R->da);
  if (ew_wants(I, 1))
    P("D[%u + j] %s (%s); ", (unsigned)Y->goff, I->smask & 2 ? "=" : "+=", R->db);
  P("}\n");
}

enum { MAXRUN = 64 };

/* The run of backward members from p[i0] down, into mem; its length. */
static uint32_t back_run(const tp_arr *A, const ta_ins *p, uint32_t i0, const ta_ins **mem) {
  acc a[MAXRUN][3];
  int na[MAXRUN];
  uint32_t k = 0, n = run_len(A, &p[i0]);
  for (uint32_t i = i0 + 1; i-- > 0 && k < MAXRUN; ) {
    if (!p[i].gmask) continue;
    if (run_len(A, &p[i]) != n || !(na[k] = accesses(A, &p[i], a[k]))) break;
    int apart = 0;
    for (uint32_t w = 0; w < k; w++)
      for (int x = 0; x < na[w]; x++)
        for (int y = 0; y < na[k]; y++) {
          const acc *aw = &a[w][x], *am = &a[k][y];
          apart |= (aw->write || am->write) && overlap(aw, am) &&
                   (aw->off != am->off || aw->len != am->len);
        }
    if (apart) break;
    mem[k++] = &p[i];
  }
  return k;
}

static void fused_backward(agen *G, const ta_ins *const *mem, uint32_t k) {
  P("  {\n");
  for (uint32_t m = 0; m < k; m++)
    if (flat_esum(G->A, mem[m])) P("  const double gs%u = D[%u];\n", (unsigned)m, (unsigned)G->A->reg[mem[m]->out].goff);
  P("  for (size_t i = 0; i < %u; i++) {\n", (unsigned)run_len(G->A, mem[0]));
  for (uint32_t m = 0; m < k; m++) member(G, mem[m], m);
  P("  }\n  }\n");
}

static void section(agen *G, const ta_ins *p, uint32_t n, int back) {
  P("  { const size_t m = 1, n = 1; (void)m; (void)n;\n");
  if (back) {
    const ta_ins *mem[MAXRUN];
    for (uint32_t i = n; i-- > 0; ) {
      if (!p[i].gmask) continue;
      uint32_t k = back_run(G->A, p, i, mem);
      if (k < 2) { step(G, &p[i], 1, "D"); continue; }
      fused_backward(G, mem, k);
      i = (uint32_t)(mem[k - 1] - p);
    }
  } else {
    for (uint32_t i = 0; i < n; ) {
      uint32_t j = i + 1;
      if (fusable(&p[i])) while (j < n && joins(G->A, p, i, j)) j++;
      if (j - i > 1) fused_forward(G, p, i, j);
      else step(G, &p[i], 0, "D");
      i = j;
    }
  }
  P("  }\n");
}

char *tac_source(const slope_tape *T) {
  const tp_arr *A = T->arr;
  tc_buf B = {0};
  agen g = { T, A, &B }, *G = &g;
  const ta_ins *pre = A->ins, *post = A->ins + A->npre + A->nrow;
  P("/* generated by slope from a compiled array tape: value and gradient */\n%s%s#include <stdint.h>\n",
    tc_prelude, aprelude);
  P("void tape_native(const double *x, const double *const *cols, const size_t *rows,\n"
    "                 size_t count, double *f, double *grad, double *const *work) {\n"
    "  (void)x; (void)cols; (void)rows; (void)count;\n"
    "  double *restrict V = work[%d], *restrict D = work[%d], *restrict PA = work[%d], *restrict SC = work[%d], *FL = work[%d];\n"
    "  (void)V; (void)D; (void)PA; (void)SC; (void)FL;\n"
    "  double *EP[%u]; double *const *GP = work + %u; (void)GP;\n"
    "  memcpy(EP, work + %d, sizeof EP);\n", W_VAL, W_ADJ, W_PART, W_SCRATCH, W_FLAG,
    (unsigned)A->nep + 1, (unsigned)(W_EP + A->nep), W_EP);
  if (A->count != UINT32_MAX) P("  V[%u] = (double)count;\n", (unsigned)A->reg[A->count].off);
  for (int i = 0, o = 0; i < A->nparams; i++) {
    const ta_reg *Pr = &A->reg[A->poff[i]];
    P("  memcpy(V + %u, x + %d, %u * sizeof(double));\n", (unsigned)Pr->off, o, (unsigned)Pr->n);
    o += (int)Pr->n;
  }
  section(G, pre, A->npre, 0);
  if (A->nred) { P("  { const int mode = grad && %d;\n", !A->twopass); rows(G); P("  }\n"); }
  section(G, post, A->npost, 0);
  const ta_reg *R = &A->reg[A->root];
  P("  *f = V[%u];\n  if (!grad) return;\n", (unsigned)R->off);
  clear(G, A->zadj, A->nzadj, "D");
  P("  D[%u] %s 1;\n", (unsigned)R->goff, R->view ? "+=" : "=");
  section(G, post, A->npost, 1);
  if (!A->twopass) combine(G);
  else if (A->nred) { P("  { const int mode = 2;\n"); rows(G); P("  }\n"); }
  section(G, pre, A->npre, 1);
  for (int i = 0, o = 0; i < A->nparams; i++) {
    const ta_reg *Pr = &A->reg[A->poff[i]];
    P("  memcpy(grad + %d, D + %u, %u * sizeof(double));\n", o, (unsigned)Pr->goff, (unsigned)Pr->n);
    o += (int)Pr->n;
  }
  P("}\n");
  if (B.oom) { free(B.p); return NULL; }
  return B.p;
}
