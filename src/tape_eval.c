/*
** tape_eval.c -- the tape's evaluator: value and gradient in one call.
**
** Each operation is written once, as a forward rule F(a, b) and the
** derivative rules DA, DB (the adjoint contributions to a and b, given the
** output adjoint g and the output value o), in the tables below.  From them
** the macros generate the scalar interpreter and the block kernels of the row
** section.  Block kernels are separate small functions with restrict
** pointers, called through tables, whose loops gcc -O2 vectorizes (see
** LOOP4); the interpreter's cost is then one call per instruction per block.
*/
#include <math.h>
#include <string.h>

#include "jit.h"
#include "tape.h"
#include "tape_array.h"
#include "vmath.h"

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

/* The functions of the language, from their rows in functions.h: the
** value and the adjoints (ORDER FN).  'X' is whatever the expansion site
** defines it to be. */
#define TP_FN1(NAME, name, ar, VALUE, DA, ...) SX_IF1_##ar(X(NAME, VALUE, DA))
#define TP_FN2(NAME, name, ar, VALUE, DA, DB, ...) SX_IF2_##ar(X(NAME, VALUE, DA, DB))

/* Binary operations: name, forward, adjoint of a, adjoint of b. */
#define TP_BINARY(X) \
  X(ADD,   a + b,          g,                        g) \
  X(SUB,   a - b,          g,                        -g) \
  X(MUL,   a * b,          g * b,                    g * a) \
  X(DIV,   a / b,          g / b,                    -g * o / b) \
  X(POW,   pow(a, b),      g * b * pow(a, b - 1),    g * o * log(a)) \
  SX_FUNCTIONS(TP_FN2) \
  X(SQDIFF, (a - b) * (a - b), 2 * (a - b) * g,      -2 * (a - b) * g) \
  X(SQSUM, (a + b) * (a + b), 2 * (a + b) * g,       2 * (a + b) * g)

/* Ternary operations o = PA*(a*b) + PC*c: name, PA, PC. */
#define TP_TERNARY(X) \
  X(FMA,  1,  1) \
  X(FMS,  1, -1) \
  X(FNMA, -1, 1)

/* Unary operations: name, forward, adjoint of a ('k' is the immediate). */
#define TP_UNARY(X) \
  X(NEG,      -a,               -g) \
  X(SQR,      a * a,            2 * a * g) \
  X(SQRT,     sqrt(a),          0.5 * g / o) \
  X(RECIP,    1 / a,            -g * o * o) \
  X(POWI,     tp_powi(a, tp_ki(k)),   g * k * tp_powi(a, tp_ki(k) - 1)) \
  X(POWK,     pow(a, k),        g * k * pow(a, k - 1)) \
  SX_FUNCTIONS(TP_FN1)

#define UNUSED4 (void)a; (void)b; (void)o; (void)g

/* ---- the scalar interpreter (pre and post sections) ---------------------- */

/* Operands are loaded inside each case, so an instruction reads only what
** its rule uses: this loop runs millions of times a second for optimizers. */
void tp_forward(const tp_ins *p, uint32_t n, double *v) {
  for (const tp_ins *I = p, *E = p + n; I < E; I++) {
    switch (I->op) {
#define X(NAME, F, DA, DB) case TP_##NAME: { \
      double a = v[I->a], b = v[I->b]; \
      v[I->out] = (F); \
      break; }
      TP_BINARY(X)
#undef X
#define X(NAME, PA, PC) case TP_##NAME: \
      v[I->out] = PA * (v[I->a] * v[I->b]) + PC * v[I->c]; \
      break;
      TP_TERNARY(X)
#undef X
#define X(NAME, F, DA) case TP_##NAME: { \
      double a = v[I->a], k = I->k; \
      (void)k; \
      v[I->out] = (F); \
      break; }
      TP_UNARY(X)
#undef X
    }
  }
}

/* Adjoint contribution: the first write assigns (see scalar_sets in tape.c). */
#define ADJ(DO, SET, dst, val) \
  if (I->flags & (DO)) { if (I->flags & (SET)) dst = (val); else dst += (val); }

void tp_backward(const tp_ins *p, uint32_t n, const double *v, double *gv) {
  for (const tp_ins *I = p + n; I-- > p; ) {
    switch (I->op) {
#define X(NAME, F, DA, DB) case TP_##NAME: { \
      double a = v[I->a], b = v[I->b], o = v[I->out], g = gv[I->out]; \
      UNUSED4; \
      ADJ(TP_DOA, TP_SETA, gv[I->a], (DA)); \
      ADJ(TP_DOB, TP_SETB, gv[I->b], (DB)); \
      break; }
      TP_BINARY(X)
#undef X
#define X(NAME, PA, PC) case TP_##NAME: { \
      double g = gv[I->out]; \
      ADJ(TP_DOA, TP_SETA, gv[I->a], PA * g * v[I->b]); \
      ADJ(TP_DOB, TP_SETB, gv[I->b], PA * g * v[I->a]); \
      ADJ(TP_DOC, TP_SETC, gv[I->c], PC * g); \
      break; }
      TP_TERNARY(X)
#undef X
#define X(NAME, F, DA) case TP_##NAME: { \
      double a = v[I->a], b = 0, o = v[I->out], g = gv[I->out], k = I->k; \
      UNUSED4; (void)k; \
      ADJ(TP_DOA, TP_SETA, gv[I->a], (DA)); \
      break; }
      TP_UNARY(X)
#undef X
    }
  }
}

/* ---- block kernels (row section) ----------------------------------------- */

/* Sum of EXPR over rows [0, n) (never the padding), with eight accumulators
** written out, so the adds do not wait on each other and pair up in vectors. */
#define SUM1(k, LOAD, EXPR) { size_t i = j_ + k; LOAD; s##k += (EXPR); }
#define SUMROWS(n, LOAD, EXPR, RESULT) do { \
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; \
    size_t n8_ = (n) & ~(size_t)7, j_ = 0; \
    for (; j_ < n8_; j_ += 8) { \
      SUM1(0, LOAD, EXPR) SUM1(1, LOAD, EXPR) SUM1(2, LOAD, EXPR) SUM1(3, LOAD, EXPR) \
      SUM1(4, LOAD, EXPR) SUM1(5, LOAD, EXPR) SUM1(6, LOAD, EXPR) SUM1(7, LOAD, EXPR) \
    } \
    for (; j_ < (n); j_++) SUM1(0, LOAD, EXPR) \
    RESULT = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); \
  } while (0)

double tp_sum(const double *x, size_t n) {
  double s;
  SUMROWS(n, (void)0, x[i], s);
  return s;
}

/* Loads of the operands and results of an instruction at row i. */
#define LD_A double a = A[i]
#define LD_B double b = B[i]
#define LD_OG double o = O[i]; double g = G[i]; UNUSED4

#define KERNELS2(NAME, F, DA, DB) \
static void fw_##NAME(size_t m, int shape, double *restrict O, const double *restrict A, \
                      const double *restrict B, double sa, double sb) { \
  if (shape == TP_VV) { LOOP4(m, LD_A; LD_B; O[i] = (F)); } \
  else if (shape == TP_VS) { double b = sb; LOOP4(m, LD_A; O[i] = (F)); } \
  else { double a = sa; LOOP4(m, LD_B; O[i] = (F)); } \
} \
/* adjoint of a vector operand a (shape VV or VS) */ \
static void bwa_##NAME(size_t m, int shape, int set, const double *restrict G, \
                       const double *restrict O, const double *restrict A, \
                       const double *restrict B, double sb, double *restrict GA) { \
  if (shape == TP_VV) { \
    if (set) { LOOP4(m, LD_A; LD_B; LD_OG; GA[i] = (DA)); } \
    else { LOOP4(m, LD_A; LD_B; LD_OG; GA[i] += (DA)); } \
  } else { \
    double b = sb; \
    if (set) { LOOP4(m, LD_A; LD_OG; GA[i] = (DA)); } \
    else { LOOP4(m, LD_A; LD_OG; GA[i] += (DA)); } \
  } \
} \
/* adjoint of a vector operand b (shape VV or SV) */ \
static void bwb_##NAME(size_t m, int shape, int set, const double *restrict G, \
                       const double *restrict O, const double *restrict A, \
                       const double *restrict B, double sa, double *restrict GB) { \
  if (shape == TP_VV) { \
    if (set) { LOOP4(m, LD_A; LD_B; LD_OG; GB[i] = (DB)); } \
    else { LOOP4(m, LD_A; LD_B; LD_OG; GB[i] += (DB)); } \
  } else { \
    double a = sa; \
    if (set) { LOOP4(m, LD_B; LD_OG; GB[i] = (DB)); } \
    else { LOOP4(m, LD_B; LD_OG; GB[i] += (DB)); } \
  } \
} \
/* adjoint of a scalar operand: the sum over the block's rows */ \
static double sa_##NAME(size_t n, const double *G, const double *O, double a, const double *B) { \
  double s; \
  SUMROWS(n, LD_B; LD_OG, (DA), s); \
  return s; \
} \
static double sb_##NAME(size_t n, const double *G, const double *O, const double *A, double b) { \
  double s; \
  SUMROWS(n, LD_A; LD_OG, (DB), s); \
  return s; \
}
#define X KERNELS2
TP_BINARY(X)
#undef X
#undef KERNELS2

#define KERNELS1(NAME, F, DA) \
static void fw_##NAME(size_t m, double *restrict O, const double *restrict A, double k) { \
  (void)k; \
  LOOP4(m, LD_A; O[i] = (F)); \
} \
static void bw_##NAME(size_t m, int set, const double *restrict G, const double *restrict O, \
                      const double *restrict A, double k, double *restrict GA) { \
  (void)k; \
  double b = 0; \
  if (set) { LOOP4(m, LD_A; LD_OG; GA[i] = (DA)); } \
  else { LOOP4(m, LD_A; LD_OG; GA[i] += (DA)); } \
}
#define X KERNELS1
TP_UNARY(X)
#undef X
#undef KERNELS1

/*
** Ternary kernels.  The forward rule per op and shape ('a' is always a
** vector); the adjoints are products and copies shared by all three ops,
** with the sign passed in.
*/
#define KERNELS3(NAME, PA, PC) \
static void fw_##NAME(size_t m, int shape, double *restrict O, const double *restrict A, \
                      const double *restrict B, const double *restrict C, double sb, double sc) { \
  switch (shape) { \
  case TP_AV | TP_BV | TP_CV: LOOP4(m, O[i] = PA * (A[i] * B[i]) + PC * C[i]); break; \
  case TP_AV | TP_BV: LOOP4(m, O[i] = PA * (A[i] * B[i]) + PC * sc); break; \
  case TP_AV | TP_CV: LOOP4(m, O[i] = PA * (A[i] * sb) + PC * C[i]); break; \
  default: LOOP4(m, O[i] = PA * (A[i] * sb) + PC * sc); break; \
  } \
}
TP_TERNARY(KERNELS3)
#undef KERNELS3

/* GX (=|+=) s*G*Y for a vector Y (or the scalar y when Y is NULL). */
static void adj_mul(size_t m, int set, double s, const double *restrict G,
                    const double *restrict Y, double y, double *restrict GX) {
  if (Y) {
    if (set) { LOOP4(m, GX[i] = s * G[i] * Y[i]); }
    else { LOOP4(m, GX[i] += s * G[i] * Y[i]); }
  } else {
    if (set) { LOOP4(m, GX[i] = s * G[i] * y); }
    else { LOOP4(m, GX[i] += s * G[i] * y); }
  }
}

/* GX (=|+=) s*G. */
static void adj_copy(size_t m, int set, double s, const double *restrict G, double *restrict GX) {
  if (set) { LOOP4(m, GX[i] = s * G[i]); }
  else { LOOP4(m, GX[i] += s * G[i]); }
}

/* Sum of G*Y (Y a vector) or of G over rows [0, n). */
static double sum_mul(size_t n, const double *G, const double *Y) {
  double s;
  if (Y) SUMROWS(n, (void)0, G[i] * Y[i], s);
  else SUMROWS(n, (void)0, G[i], s);
  return s;
}

/*
** Sums of G*A and of G over rows [0, n) in one pass: the gradient of the
** scalars w and b of every w*x + b, so the inner loop of regression.  Four
** partial sums per result, kept two to a vector (lanes i, i+1 and i+2, i+3),
** which the compiler's scalar code would not pair by itself; the sums and
** their order are those of four scalar accumulators.
*/
typedef double tp_v2 __attribute__((vector_size(2 * sizeof(double))));

static inline tp_v2 tp_load2(const double *p) {
  tp_v2 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static void sum_mul2(size_t n, const double *G, const double *A, double *sga, double *sg) {
  tp_v2 t01 = {0, 0}, t23 = {0, 0}, u01 = {0, 0}, u23 = {0, 0};
  size_t n4 = n & ~(size_t)3, i = 0;
  for (; i < n4; i += 4) {
    tp_v2 g01 = tp_load2(G + i), g23 = tp_load2(G + i + 2);
    t01 += g01 * tp_load2(A + i);
    t23 += g23 * tp_load2(A + i + 2);
    u01 += g01;
    u23 += g23;
  }
  for (; i < n; i++) { t01[0] += G[i] * A[i]; u01[0] += G[i]; }
  *sga = (t01[0] + t01[1]) + (t23[0] + t23[1]);
  *sg = (u01[0] + u01[1]) + (u23[0] + u23[1]);
}

static void back3(slope_tape *T, const tp_ins *I, const tp_bwd *s, double *part,
                  size_t n, size_t m) {
  double pa = I->op == TP_FNMA ? -1 : 1, pc = I->op == TP_FMS ? -1 : 1;
  const double *G = T->gb[s->go], *A = T->rv[I->a];
  const double *B = I->shape & TP_BV ? T->rv[I->b] : NULL;
  double sb = B ? 0 : T->sv[I->b];
  if (s->flags & TP_DOA) adj_mul(m, s->flags & TP_SETA, pa, G, B, sb, T->gb[s->ga]);
  if ((s->flags & TP_DOB) && (s->flags & TP_DOC) && !B && !(I->shape & TP_CV)) {
    /* w*x + b: both sums in one pass */
    double sga, sg;
    sum_mul2(n, G, A, &sga, &sg);
    part[s->gb] += pa * sga;
    part[s->gc] += pc * sg;
    return;
  }
  if (s->flags & TP_DOB) {
    if (B) adj_mul(m, s->flags & TP_SETB, pa, G, A, 0, T->gb[s->gb]);
    else part[s->gb] += pa * sum_mul(n, G, A);
  }
  if (s->flags & TP_DOC) {
    if (I->shape & TP_CV) adj_copy(m, s->flags & TP_SETC, pc, G, T->gb[s->gc]);
    else part[s->gc] += pc * sum_mul(n, G, NULL);
  }
}

/*
** Dispatch tables.  Calling the kernels through pointers keeps each one a
** separate function whose restrict parameters the vectorizer trusts (inlined
** into one big switch, gcc -O2 leaves the loops scalar).
*/
#define X(NAME, F, DA, DB) [TP_##NAME] = fw_##NAME,
fw2_fn *const tp_fw2[TP_NOPS] = { TP_BINARY(X) };
#undef X
#define X(NAME, F, DA, DB) [TP_##NAME] = bwa_##NAME,
bw2_fn *const tp_bwa[TP_NOPS] = { TP_BINARY(X) };
#undef X
#define X(NAME, F, DA, DB) [TP_##NAME] = bwb_##NAME,
bw2_fn *const tp_bwb[TP_NOPS] = { TP_BINARY(X) };
#undef X
#define X(NAME, F, DA, DB) [TP_##NAME] = sa_##NAME,
sa_fn *const tp_suma[TP_NOPS] = { TP_BINARY(X) };
#undef X
#define X(NAME, F, DA, DB) [TP_##NAME] = sb_##NAME,
sb_fn *const tp_sumb[TP_NOPS] = { TP_BINARY(X) };
#undef X
#define X(NAME, F, DA) [TP_##NAME] = fw_##NAME,
fw1_fn *const tp_fw1[TP_NOPS] = { TP_UNARY(X) };
#undef X
typedef void fw3_fn(size_t, int, double *restrict, const double *restrict,
                    const double *restrict, const double *restrict, double, double);
#define X(NAME, PA, PC) [TP_##NAME] = fw_##NAME,
static fw3_fn *const fw3[TP_NOPS] = { TP_TERNARY(X) };
#undef X
#define X(NAME, F, DA) [TP_##NAME] = bw_##NAME,
bw1_fn *const tp_bw1[TP_NOPS] = { TP_UNARY(X) };
#undef X

/*
** fast_math: the unary operations libmvec covers, over a block.  Forward,
** the value; backward, the adjoints whose rule calls exp (softplus's
** sigmoid, expm1's exp), through a chunk on the stack.  The others (exp's
** g*o, log's g/a, tanh's g*(1 - o*o)) have no transcendental to speed up.
*/
void tp_fw1_vm(const vm_lib *vm, int op, size_t m, double *restrict O,
               const double *restrict A, double k) {
  switch (vm ? op : -1) {
  case TP_EXP: vm_map(vm, VM_EXP, m, O, A); return;
  case TP_LOG: vm_map(vm, VM_LOG, m, O, A); return;
  case TP_LOG1P: vm_map(vm, VM_LOG1P, m, O, A); return;
  case TP_EXPM1: vm_map(vm, VM_EXPM1, m, O, A); return;
  case TP_TANH: vm_map(vm, VM_TANH, m, O, A); return;
  case TP_SIGMOID: vm_sigmoid(vm, m, O, A); return;
  case TP_SOFTPLUS: vm_softplus(vm, m, O, A); return;
  default: tp_fw1[op](m, O, A, k); return;
  }
}

void tp_bw1_vm(const vm_lib *vm, int op, size_t m, int set, const double *restrict G,
               const double *restrict O, const double *restrict A, double k, double *restrict GA) {
  if (!vm || (op != TP_SOFTPLUS && op != TP_EXPM1)) {
    tp_bw1[op](m, set, G, O, A, k, GA);
    return;
  }
  enum { CHUNK = 64 };
  double d[CHUNK];
  for (size_t j = 0; j < m; j += CHUNK) {
    size_t n = m - j < CHUNK ? m - j : CHUNK;
    if (op == TP_SOFTPLUS) vm_sigmoid(vm, n, d, A + j);
    else vm_map(vm, VM_EXP, n, d, A + j);
    if (set) for (size_t i = 0; i < n; i++) GA[j + i] = G[j + i] * d[i];
    else for (size_t i = 0; i < n; i++) GA[j + i] += G[j + i] * d[i];
  }
}

/* Operand value of a row instruction: a block, or a broadcast scalar. */
#define VEC(T, I, x, bit) (((I)->shape & (bit)) ? (T)->rv[(I)->x] : NULL)
#define SCA(T, I, x, bit) (((I)->shape & (bit)) ? 0.0 : (T)->sv[(I)->x])

void tp_row_forward(slope_tape *T, size_t m) {
  for (const tp_ins *I = T->ins + T->npre, *E = I + T->nrow; I < E; I++) {
    const double *A = VEC(T, I, a, TP_AV);
    if (tp_is_binary(I->op))
      tp_fw2[I->op](m, I->shape, T->rw[I->out], A, VEC(T, I, b, TP_BV),
                 SCA(T, I, a, TP_AV), SCA(T, I, b, TP_BV));
    else if (tp_is_ternary(I->op))
      fw3[I->op](m, I->shape, T->rw[I->out], A, VEC(T, I, b, TP_BV), VEC(T, I, c, TP_CV),
                 SCA(T, I, b, TP_BV), SCA(T, I, c, TP_CV));
    else
      tp_fw1_vm(T->vm, I->op, m, T->rw[I->out], A, I->k);
  }
}

/* One reduction's sweep: each operand's adjoint is a block (vector operand)
** or a sum over the block's rows added to the partials (scalar operand). */
void tp_row_backward(slope_tape *T, const tp_red *r, size_t n, size_t m) {
  const tp_ins *row = T->ins + T->npre;
  double *part = r->part;
  for (const tp_bwd *s = T->bwd + r->bwd0 + r->nbwd; s-- > T->bwd + r->bwd0; ) {
    const tp_ins *I = row + s->ins;
    const double *G = T->gb[s->go], *O = T->rv[I->out], *A = VEC(T, I, a, TP_AV);
    if (tp_is_unary(I->op)) {
      tp_bw1_vm(T->vm, I->op, m, s->flags & TP_SETA, G, O, A, I->k, T->gb[s->ga]);
      continue;
    }
    if (tp_is_ternary(I->op)) {
      back3(T, I, s, part, n, m);
      continue;
    }
    const double *B = VEC(T, I, b, TP_BV);
    double sa = SCA(T, I, a, TP_AV), sb = SCA(T, I, b, TP_BV);
    if (s->flags & TP_DOA) {
      if (I->shape & TP_AV) tp_bwa[I->op](m, I->shape, s->flags & TP_SETA, G, O, A, B, sb, T->gb[s->ga]);
      else part[s->ga] += tp_suma[I->op](n, G, O, sa, B);
    }
    if (s->flags & TP_DOB) {
      if (I->shape & TP_BV) tp_bwb[I->op](m, I->shape, s->flags & TP_SETB, G, O, A, B, sa, T->gb[s->gb]);
      else part[s->gb] += tp_sumb[I->op](n, G, O, A, sb);
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
int tp_selection(slope_tape *T, const size_t *rows, size_t nsel, size_t *count) {
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
  SX_ENTER_OBJ(T, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(T->S, !x && T->nparams, SLOPE_ERRMISUSE, "the point 'x' is NULL");
  if (!T->vm && sj_take(T, rows, nsel)) return sj_grad(T, x, rows, nsel, f, grad);   /* native code */
  if (T->arr) return ta_grad(T, x, rows, nsel, f, grad);
  size_t count = 0;
  if (T->has_reduce) {
    int rc = tp_selection(T, rows, nsel, &count);
    if (rc != SLOPE_OK) return rc;
    T->sv[T->nparams] = (double)count;
  }
  for (int i = 0; i < T->nparams; i++) T->sv[i] = x[i];   /* no call for a few doubles */
  tp_forward(T->ins, T->npre, T->sv);
  if (T->nred) run_rows(T, rows, count, grad != NULL);
  const tp_ins *post = T->ins + T->npre + T->nrow;
  tp_forward(post, T->npost, T->sv);
  if (f) *f = T->sv[T->root];
  if (!grad) return SLOPE_OK;
  T->sg[T->root] = 1;
  tp_backward(post, T->npost, T->sv, T->sg);
  for (uint32_t i = 0; i < T->nzero; i++) T->sg[T->zero[i]] = 0;
  if (T->nred) combine(T, count);
  tp_backward(T->ins, T->npre, T->sv, T->sg);
  for (int i = 0; i < T->nparams; i++) grad[i] = T->sg[i];
  return SLOPE_OK;
}
