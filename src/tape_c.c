/*
** tape_c.c -- C source of a compiled scalar tape: one function computing the
** value and the gradient, for jit.c to compile and load.
**
** The generated function does what tape_eval.c does, in the same order, so
** that its results agree with the interpreter's to the last bit: the scalar
** sections become straight-line code over locals (v<k> the value of scalar
** register k, d<k> its adjoint); the row section becomes one loop over the
** rows of each block, in the interpreter's blocks of 'bs' rows, computing a
** row's forward values, each reduction's term and each reduction's backward
** sweep in registers (w<r> a row register's value, q<b> adjoint buffer b's).
** What the interpreter sums over a block's rows it sums here with the same
** accumulators in the same order: eight of them, row i going to i mod 8 and
** the tail rows to the first (SUMROWS in tape_eval.c), or four for the fused
** w*x + b sums (sum_mul2).  Only the padding rows are left out: the
** interpreter computes on them but never sums them.
**
** The rules of each operation are the text of tape_eval.c's tables (copied
** below for the operations tape_eval.c defines, stringified from
** functions.h for the functions of the language); tests/test_jit.c compares
** every operation with the interpreter bit for bit.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "tape.h"

/* ---- the rules as text ------------------------------------------------------ */


#define TC_FN(NAME, name, ar, VALUE, DA, DB, ...) [TP_##NAME] = { #VALUE, #DA, #DB },
const tc_rule tc_rules[TP_NOPS] = {
  /* as in tape_eval.c's TP_BINARY and TP_UNARY (ORDER FN) */
  [TP_ADD] = { "a + b", "g", "g" },
  [TP_SUB] = { "a - b", "g", "-g" },
  [TP_MUL] = { "a * b", "g * b", "g * a" },
  [TP_DIV] = { "a / b", "g / b", "-g * o / b" },
  [TP_POW] = { "pow(a, b)", "g * b * pow(a, b - 1)", "g * o * log(a)" },
  [TP_SQDIFF] = { "(a - b) * (a - b)", "2 * (a - b) * g", "-2 * (a - b) * g" },
  [TP_SQSUM] = { "(a + b) * (a + b)", "2 * (a + b) * g", "2 * (a + b) * g" },
  [TP_NEG] = { "-a", "-g", "0" },
  [TP_SQR] = { "a * a", "2 * a * g", "0" },
  [TP_SQRT] = { "sqrt(a)", "0.5 * g / o", "0" },
  [TP_RECIP] = { "1 / a", "-g * o * o", "0" },
  [TP_POWI] = { "tp_powi(a, tp_ki(k))", "g * k * tp_powi(a, tp_ki(k) - 1)", "0" },
  [TP_POWK] = { "pow(a, k)", "g * k * pow(a, k - 1)", "0" },
  SX_FUNCTIONS(TC_FN)
};
#undef TC_FN

#define TC_STR_(x) #x
#define TC_STR(x) TC_STR_(x)
#define TC_HELPER(NAME, ...) "static inline double sx_" #NAME "(double a) " #__VA_ARGS__ "\n"

/* What the rules use beyond <math.h>: the constants and helpers of
** functions.h and tape_eval.c's integer power. */
const char tc_prelude[] =
  "#include <math.h>\n"
  "#include <stddef.h>\n"
  "#include <string.h>\n"
  "#define SX_LN2 " TC_STR(SX_LN2) "\n"
  "#define SX_LN10 " TC_STR(SX_LN10) "\n"
  "#define SX_TWO_SQRTPI " TC_STR(SX_TWO_SQRTPI) "\n"
  SX_HELPERS(TC_HELPER)
  "static inline int tp_ki(double k) { return fabs(k) <= 1024 ? (int)k : 0; }\n"
  "static inline double tp_powi(double x, int n) {\n"
  "  unsigned u = n < 0 ? 0u - (unsigned)n : (unsigned)n;\n"
  "  double r = 1;\n"
  "  while (u) { if (u & 1) r *= x; x *= x; u >>= 1; }\n"
  "  return n < 0 ? 1 / r : r;\n"
  "}\n"
  "static inline double tc_bits(unsigned long long u) { double d; memcpy(&d, &u, sizeof d); return d; }\n"
  "typedef double tc_v2 __attribute__((vector_size(16)));\n"
  "#define LD2(C, j) (rows ? (tc_v2){C[rows[start + (j)]], C[rows[start + (j) + 1]]} \\\n"
  "                      : (tc_v2){C[start + (j)], C[start + (j) + 1]})\n";

/* ---- a growing text ------------------------------------------------------------ */


void tc_put(tc_buf *B, const char *fmt, ...) {
  if (B->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(B->p ? B->p + B->n : NULL, B->p ? B->cap - B->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0) { B->oom = 1; return; }
    if (B->p && B->n + (size_t)k < B->cap) { B->n += (size_t)k; return; }
    size_t cap = B->cap ? B->cap * 2 : 4096;
    while (cap < B->n + (size_t)k + 1) cap *= 2;
    char *q = realloc(B->p, cap);
    if (!q) { B->oom = 1; return; }
    B->p = q;
    B->cap = cap;
  }
}

/* A double as exact C text: hexadecimal, or its bits when not finite. */
void tc_put_num(tc_buf *B, double x) {
  if (x - x == 0) { tc_put(B, "%a", x); return; }
  unsigned long long u;
  memcpy(&u, &x, sizeof u);
  tc_put(B, "tc_bits(0x%llxULL)", u);
}

/* ---- the generator ------------------------------------------------------------- */

typedef struct gen {
  const slope_tape *T;
  tc_buf *B;
  uint8_t *computed;   /* scalar registers some instruction or reduction writes */
  uint32_t nsum8, nsum4;
  int blocked;         /* the row section instruction by instruction (see row_blocked) */
  int vec;             /* writing the two-row form of the fused pass (see tc_lanes) */
  int vecrows;         /* the fused pass has its two-row form */
  uint32_t *colof;     /* row register -> its data column, or UINT32_MAX */
} gen;

/* A scalar register's value: a local, or the constant itself. */
static void sreg(gen *G, uint32_t r) {
  if (G->computed[r] || r <= (uint32_t)G->T->nparams) tc_put(G->B, "v%u", (unsigned)r);
  else tc_put_num(G->B, G->T->sv[r]);
}

/*
** The two forms of the fused pass's row macro, which differ only in these
** words: ROW<grad>(i, s8, s4) computes one row in doubles, adding into slot
** s8 of eight accumulators and s4 of four; ROWV(j, kk) computes rows j and
** j + 1 in the two lanes of a vector (the same operations on each lane, so
** the same bits), adding into lane pair kk: rows j + 2kk and j + 2kk + 1 go
** to slots 2kk and 2kk + 1 of eight, and of four to slots 2(kk & 1) and
** 2(kk & 1) + 1, as the scalar form and sum_mul2 do.  block_loop copies the
** lane pairs into the scalar form's slots before its tail.
*/
typedef struct tc_lanes {
  const char *type, *zero, *one;   /* a value, 0 and 1 in it */
  const char *args;                /* the macro's parameters */
  const char *at;                  /* the row's index, before the columns are read */
  const char *ld, *ld_end;         /* column c read as ld c ld_end */
  const char *acc;                 /* suffix of the accumulators' names */
  const char *slot8, *slot4;       /* the slot of eight and of four */
} tc_lanes;

static const tc_lanes tc_lane[2] = {
  { "double", "0", "1", "(i_, s8_, s4_)",
    "  size_t ix_ = rows ? rows[start + (i_)] : start + (i_); (void)ix_; \\\n",
    "C", "[ix_]", "", "s8_", "s4_" },
  { "tc_v2", "{0, 0}", "{1, 1}", "(j_, kk_)", "", "LD2(C", ", j_)", "v", "kk_", "kk_ & 1" },
};

/* An operand of a row instruction: a row register's value or a scalar. */
static const char *ty(const gen *G) { return tc_lane[G->vec].type; }

static void opnd(gen *G, const tp_ins *I, uint32_t r, int bit) {
  if (!(I->shape & bit) && G->vec) {   /* a scalar in both lanes */
    tc_put(G->B, "(tc_v2){");
    sreg(G, r);
    tc_put(G->B, ", ");
    sreg(G, r);
    tc_put(G->B, "}");
  } else if (!(I->shape & bit)) sreg(G, r);
  else if (!G->blocked) tc_put(G->B, "w%u", (unsigned)r);
  else if (G->colof[r] != UINT32_MAX) tc_put(G->B, "X%u[i]", (unsigned)r);
  else tc_put(G->B, "W%u[i]", (unsigned)r);
}

static void put_k(gen *G, const tp_ins *I) {
  tc_put(G->B, "const double k = ");
  tc_put_num(G->B, I->k);
  tc_put(G->B, "; (void)k; ");
}

/* The signs of the fused ternaries: pa * (a * b) + pc * c (tape_eval.c's back3). */
static int sign_a(int op) { return op == TP_FNMA ? -1 : 1; }
static int sign_c(int op) { return op == TP_FMS ? -1 : 1; }

/* Operand r of I in a row instruction (opnd) or a scalar one (sreg). */
static void operand(gen *G, const tp_ins *I, uint32_t r, int bit, int row) {
  if (row) opnd(G, I, r, bit);
  else sreg(G, r);
}

/* Forward of one instruction, scalar (v<out>) or row (w<out>, declared). */
static void forward(gen *G, const tp_ins *I, int row) {
  tc_buf *B = G->B;
  char out[24];
  snprintf(out, sizeof out, row && G->blocked ? "W%u[i]" : row ? "w%u" : "v%u", (unsigned)I->out);
  if (row && !G->blocked) tc_put(B, "%s %s; ", ty(G), out);
  if (tp_is_ternary(I->op)) {
    int pa = sign_a(I->op), pc = sign_c(I->op);
    tc_put(B, "%s = %d * (", out, pa);
    operand(G, I, I->a, TP_AV, row);
    tc_put(B, " * ");
    operand(G, I, I->b, TP_BV, row);
    tc_put(B, ") + %d * ", pc);
    operand(G, I, I->c, TP_CV, row);
    tc_put(B, ";");
    return;
  }
  tc_put(B, "{ const %s a = ", row ? ty(G) : "double");
  operand(G, I, I->a, TP_AV, row);
  if (tp_is_binary(I->op)) {
    tc_put(B, ", b = ");
    operand(G, I, I->b, TP_BV, row);
    tc_put(B, "; (void)b; ");
  } else {
    tc_put(B, "; ");
    put_k(G, I);
  }
  tc_put(B, "%s = (%s); }", out, tc_rules[I->op].f);
}

/* ---- the scalar sections ---- */

static void adj(tc_buf *B, int flags, int DO, int SET, uint32_t dst, const char *val) {
  if (!(flags & DO)) return;
  tc_put(B, "d%u %s (%s); ", (unsigned)dst, flags & SET ? "=" : "+=", val);
}

static void scalar_backward(gen *G, const tp_ins *p, uint32_t n) {
  tc_buf *B = G->B;
  for (const tp_ins *I = p + n; I-- > p; ) {
    if (!I->flags) continue;
    tc_put(B, "  { ");
    if (tp_is_ternary(I->op)) {
      int pa = sign_a(I->op), pc = sign_c(I->op);
      char t[96];
      tc_put(B, "const double g = d%u; ", (unsigned)I->out);
      if (I->flags & TP_DOA) {
        tc_put(B, "d%u %s %d * g * ", (unsigned)I->a, I->flags & TP_SETA ? "=" : "+=", pa);
        sreg(G, I->b);
        tc_put(B, "; ");
      }
      if (I->flags & TP_DOB) {
        tc_put(B, "d%u %s %d * g * ", (unsigned)I->b, I->flags & TP_SETB ? "=" : "+=", pa);
        sreg(G, I->a);
        tc_put(B, "; ");
      }
      snprintf(t, sizeof t, "%d * g", pc);
      adj(B, I->flags, TP_DOC, TP_SETC, I->c, t);
      tc_put(B, "}\n");
      continue;
    }
    tc_put(B, "const double a = ");
    sreg(G, I->a);
    if (tp_is_binary(I->op)) {
      tc_put(B, ", b = ");
      sreg(G, I->b);
      tc_put(B, "; ");
    } else {
      tc_put(B, ", b = 0; ");
      put_k(G, I);
    }
    tc_put(B, "const double o = v%u, g = d%u; (void)a; (void)b; (void)o; (void)g; ",
        (unsigned)I->out, (unsigned)I->out);
    adj(B, I->flags, TP_DOA, TP_SETA, I->a, tc_rules[I->op].da);
    if (tp_is_binary(I->op)) adj(B, I->flags, TP_DOB, TP_SETB, I->b, tc_rules[I->op].db);
    tc_put(B, "}\n");
  }
}

/* ---- the row section ---- */

/* One block-level sum of the backward sweep, added to a partial at the
** end of the block, in the interpreter's order. */
typedef struct tc_sum {
  uint32_t red, reg;   /* reduction, scalar register of the partial */
  int four;            /* the four-lane sums of sum_mul2 */
  uint32_t slot;       /* accumulator set */
  int sign;            /* part += sign * sum (back3); 0: part += sum */
} tc_sum;

typedef struct tc_sums { tc_sum *p; uint32_t n, cap; } tc_sums;

static int add_sum(tc_sums *s, gen *G, uint32_t red, uint32_t reg, int four, int sign) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? 2 * s->cap : 16;
    tc_sum *q = realloc(s->p, cap * sizeof *q);
    if (!q) return -1;
    s->p = q;
    s->cap = cap;
  }
  uint32_t slot = four ? G->nsum4++ : G->nsum8++;
  s->p[s->n++] = (tc_sum){ red, reg, four, slot, sign };
  return (int)slot;
}

/* Add 'val' (text) into accumulator set 'slot' for the current row. */
static void acc8(gen *G, int slot, const char *val) {
  const tc_lanes *L = &tc_lane[G->vec];
  tc_put(G->B, "S8%s[%d][%s] += (%s); \\\n", L->acc, slot, L->slot8, val);
}

/* The value of an operand inside the row macro's backward, as a
** declaration of 'name' (a row value or a scalar). */
static void bind(gen *G, const tp_ins *I, const char *name, uint32_t r, int bit) {
  tc_put(G->B, "const %s %s = ", ty(G), name);
  opnd(G, I, r, bit);
  tc_put(G->B, "; (void)%s; ", name);
}

/* One adjoint of the current row's backward step: 'expr' (times 'sign'
** when not 0) into row buffer q<dst> when the operand is a row value
** ('rowv'), else into an accumulator set summed into the partial of 'dst'
** at the end of the block (add_sum). */
static int row_adj(gen *G, tc_sums *sums, uint32_t ired, uint32_t dst, int set, int rowv, int sign,
                   const char *expr) {
  if (rowv && sign) tc_put(G->B, "q%u %s %d.0 * %s; ", (unsigned)dst, set ? "=" : "+=", sign, expr);
  else if (rowv) tc_put(G->B, "q%u %s (%s); ", (unsigned)dst, set ? "=" : "+=", expr);
  if (rowv) return 0;
  int k = add_sum(sums, G, ired, dst, 0, sign);
  if (k < 0) return -1;
  acc8(G, k, expr);
  return 0;
}

static int row_backward(gen *G, const tp_red *R, uint32_t ired, tc_sums *sums) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  const tp_ins *row = T->ins + T->npre;
  for (const tp_bwd *s = T->bwd + R->bwd0 + R->nbwd; s-- > T->bwd + R->bwd0; ) {
    const tp_ins *I = row + s->ins;
    int rc = 0;
    tc_put(B, "  { const %s g = q%u, o = w%u; (void)o; ", ty(G), (unsigned)s->go, (unsigned)I->out);
    bind(G, I, "a", I->a, TP_AV);
    if (tp_is_unary(I->op)) {
      tc_put(B, "const double b = 0; (void)b; ");
      put_k(G, I);
      rc = row_adj(G, sums, ired, s->ga, s->flags & TP_SETA, 1, 0, tc_rules[I->op].da);
    } else if (tp_is_ternary(I->op)) {
      int pa = sign_a(I->op), pc = sign_c(I->op);
      int bv = I->shape & TP_BV, cv = I->shape & TP_CV;
      bind(G, I, "b", I->b, TP_BV);
      if (s->flags & TP_DOA)   /* adj_mul: s * G[i] * Y[i] or s * G[i] * y */
        rc = row_adj(G, sums, ired, s->ga, s->flags & TP_SETA, 1, pa, "g * b");
      if ((s->flags & TP_DOB) && (s->flags & TP_DOC) && !bv && !cv) {   /* sum_mul2 */
        int k1 = add_sum(sums, G, ired, s->gb, 1, pa), k2 = add_sum(sums, G, ired, s->gc, 1, pc);
        if (k1 < 0 || k2 < 0) return -1;
        const tc_lanes *L = &tc_lane[G->vec];
        tc_put(B, "S4%s[%d][%s] += g * a; S4%s[%d][%s] += g; ", L->acc, k1, L->slot4, L->acc, k2, L->slot4);
      } else {
        if (rc == 0 && (s->flags & TP_DOB)) rc = row_adj(G, sums, ired, s->gb, s->flags & TP_SETB, bv, pa, "g * a");
        if (rc == 0 && (s->flags & TP_DOC)) rc = row_adj(G, sums, ired, s->gc, s->flags & TP_SETC, cv, pc, "g");
      }
    } else {
      bind(G, I, "b", I->b, TP_BV);
      if (s->flags & TP_DOA)
        rc = row_adj(G, sums, ired, s->ga, s->flags & TP_SETA, I->shape & TP_AV, 0, tc_rules[I->op].da);
      if (rc == 0 && (s->flags & TP_DOB))
        rc = row_adj(G, sums, ired, s->gb, s->flags & TP_SETB, I->shape & TP_BV, 0, tc_rules[I->op].db);
    }
    if (rc < 0) return -1;
    tc_put(B, "} \\\n");
  }
  return 0;
}

/* The row macro of the fused pass in form 'vec' (tc_lanes): one row (or
** two) of the block, forward and (with 'grad') every reduction's backward
** sweep.  The two-row form is only written with 'grad', and only for
** sections of plain arithmetic (no calls, no branches: vec_ok). */
static int row_macro(gen *G, int vec, int grad, tc_sums *sums) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  const tp_ins *row = T->ins + T->npre;
  const tc_lanes *L = &tc_lane[vec];
  G->vec = vec;
  if (vec) tc_put(B, "#define ROWV%s do { \\\n", L->args);
  else tc_put(B, "#define ROW%d%s do { \\\n", grad, L->args);
  tc_put(B, "%s", L->at);
  for (uint32_t c = 0; c < T->ncolreg; c++)
    tc_put(B, "  const %s w%u = %s%u%s; \\\n", L->type, (unsigned)T->colreg[c], L->ld, (unsigned)T->colidx[c], L->ld_end);
  for (uint32_t i = 0; i < T->nrow; i++) {
    tc_put(B, "  ");
    forward(G, &row[i], 1);
    tc_put(B, " \\\n");
  }
  for (uint32_t r = 0; r < T->nred; r++)
    tc_put(B, "  R8%s[%u][%s] += w%u; \\\n", L->acc, (unsigned)r, L->slot8, (unsigned)T->red[r].arg);
  int rc = 0;
  if (grad) {
    if (T->ngb > 1) {
      tc_put(B, "  %s q1 = %s", L->type, L->zero);
      for (uint32_t b = 2; b < T->ngb; b++) tc_put(B, ", q%u = %s", (unsigned)b, L->zero);
      tc_put(B, "; \\\n");
    }
    tc_put(B, "  const %s q0 = %s; (void)q0; \\\n", L->type, L->one);
    for (uint32_t r = 0; r < T->nred && rc == 0; r++)
      if (T->red[r].nbwd) rc = row_backward(G, &T->red[r], r, sums);
  }
  tc_put(B, "} while (0)\n");
  G->vec = 0;
  return rc;
}

/* Whether the row section is plain arithmetic, for ROWV. */
static int vec_ok(const slope_tape *T) {
  const tp_ins *row = T->ins + T->npre;
  for (uint32_t i = 0; i < T->nrow; i++) {
    switch (row[i].op) {
    case TP_ADD: case TP_SUB: case TP_MUL: case TP_DIV: case TP_SQDIFF: case TP_SQSUM:
    case TP_FMA: case TP_FMS: case TP_FNMA: case TP_NEG: case TP_SQR: case TP_RECIP:
      break;
    default:
      return 0;
    }
  }
  return 1;
}

/* Sum of an accumulator set, as the interpreter combines its lanes. */
static void put_sum8(tc_buf *B, const char *a, uint32_t k) {
  tc_put(B, "(((%s[%u][0] + %s[%u][1]) + (%s[%u][2] + %s[%u][3])) + "
      "((%s[%u][4] + %s[%u][5]) + (%s[%u][6] + %s[%u][7])))",
      a, k, a, k, a, k, a, k, a, k, a, k, a, k, a, k);
}

/* The loop over the blocks: ROW<grad> on every row, then the block's sums. */
static void block_loop(gen *G, int grad, const tc_sums *sums, uint32_t nsum8, uint32_t nsum4) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  tc_put(B, "    for (size_t start = 0; start < count; start += %u) {\n", (unsigned)T->bs);
  tc_put(B, "      size_t n = count - start < %u ? count - start : %u;\n", (unsigned)T->bs, (unsigned)T->bs);
  tc_put(B, "      size_t n8 = n & ~(size_t)7, n4 = n & ~(size_t)3, i = 0; (void)n4;\n");
  tc_put(B, "      double R8[%u][8];\n      memset(R8, 0, sizeof R8);\n", (unsigned)T->nred);
  if (grad && nsum8) tc_put(B, "      double S8[%u][8];\n      memset(S8, 0, sizeof S8);\n", (unsigned)nsum8);
  if (grad && nsum4) tc_put(B, "      double S4[%u][4];\n      memset(S4, 0, sizeof S4);\n", (unsigned)nsum4);
  if (grad && G->vecrows) {   /* two rows per vector, then the lanes into the slots */
    tc_put(B, "      tc_v2 R8v[%u][4];\n      memset(R8v, 0, sizeof R8v);\n", (unsigned)T->nred);
    if (nsum8) tc_put(B, "      tc_v2 S8v[%u][4];\n      memset(S8v, 0, sizeof S8v);\n", (unsigned)nsum8);
    if (nsum4) tc_put(B, "      tc_v2 S4v[%u][2];\n      memset(S4v, 0, sizeof S4v);\n", (unsigned)nsum4);
    tc_put(B, "      for (; i < n8; i += 8) { ROWV(i, 0); ROWV(i + 2, 1); ROWV(i + 4, 2); ROWV(i + 6, 3); }\n");
    tc_put(B, "      for (int k_ = 0; k_ < 8; k_++) {\n");
    tc_put(B, "        for (int r_ = 0; r_ < %u; r_++) R8[r_][k_] = R8v[r_][k_ / 2][k_ & 1];\n", (unsigned)T->nred);
    if (nsum8) tc_put(B, "        for (int r_ = 0; r_ < %u; r_++) S8[r_][k_] = S8v[r_][k_ / 2][k_ & 1];\n", (unsigned)nsum8);
    if (nsum4) tc_put(B, "        if (k_ < 4) for (int r_ = 0; r_ < %u; r_++) S4[r_][k_] = S4v[r_][k_ / 2][k_ & 1];\n",
                   (unsigned)nsum4);
    tc_put(B, "      }\n");
  } else {
    tc_put(B, "      for (; i < n8; i += 8) {\n");
    for (int k = 0; k < 8; k++) tc_put(B, "        ROW%d(i + %d, %d, %d);\n", grad, k, k, k & 3);
    tc_put(B, "      }\n");
  }
  tc_put(B, "      for (; i < n; i++) ROW%d(i, 0, i < n4 ? (i & 3) : 0);\n", grad);
  /* per reduction: its value, then its sweep's sums, as run_rows does */
  for (uint32_t r = 0; r < T->nred; r++) {
    tc_put(B, "      acc%u += ", (unsigned)r);
    put_sum8(B, "R8", r);
    tc_put(B, ";\n");
    if (!grad) continue;
    for (uint32_t j = 0; j < sums->n; j++) {
      const tc_sum *s = &sums->p[j];
      if (s->red != r) continue;
      tc_put(B, "      p%u_%u += ", (unsigned)r, (unsigned)s->reg);
      if (s->sign) tc_put(B, "%d.0 * ", s->sign);
      if (s->four)
        tc_put(B, "((S4[%u][0] + S4[%u][1]) + (S4[%u][2] + S4[%u][3]))",
            (unsigned)s->slot, (unsigned)s->slot, (unsigned)s->slot, (unsigned)s->slot);
      else
        put_sum8(B, "S8", s->slot);
      tc_put(B, ";\n");
    }
  }
  tc_put(B, "    }\n");
}

/* ---- the row section, instruction by instruction ----
**
** With calls to libm in the row section, or many sums, one fused pass per
** row keeps nothing in registers (a call clobbers them all) and leaves the
** loops scalar; there the generated code runs like the interpreter, one
** loop over the block per instruction (which gcc vectorizes), without its
** dispatch, into the tape's own blocks (T->rw, T->gb).  The sums are
** SUMROWS and sum_mul2 written out, so the results are the same bits. */

/* The declarations of a, b, o, g (and k) at row i for a backward step. */
static void step_binds(gen *G, const tp_ins *I, uint32_t go, tc_buf *out) {
  tc_buf *keep = G->B;
  G->B = out;
  if (go == 0) tc_put(out, "const double g = 1.0; ");
  else tc_put(out, "const double g = Q%u[i]; ", (unsigned)go);
  tc_put(out, "const double o = W%u[i]; (void)o; ", (unsigned)I->out);
  bind(G, I, "a", I->a, TP_AV);
  if (tp_is_unary(I->op)) { tc_put(out, "const double b = 0; (void)b; "); put_k(G, I); }
  else bind(G, I, "b", I->b, TP_BV);
  G->B = keep;
}

/* target += sign (sum of expr over rows [0, n)), as SUMROWS adds. */
static void sum8_loop(tc_buf *B, const char *binds, const char *expr, const char *target, int sign) {
  tc_put(B, "      { double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; size_t j = 0;\n"
         "        for (; j < n8; j += 8) {\n");
  for (int k = 0; k < 8; k++) tc_put(B, "          { size_t i = j + %d; %s s%d += (%s); }\n", k, binds, k, expr);
  tc_put(B, "        }\n        for (; j < n; j++) { size_t i = j; %s s0 += (%s); }\n", binds, expr);
  tc_put(B, "        %s += ", target);
  if (sign) tc_put(B, "%d.0 * ", sign);
  tc_put(B, "(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))); }\n");
}

/* A loop over the block's rows and its padding, four at a time as LOOP4
** writes it (gcc -O2 vectorizes the four statements, not a plain loop). */
static void loop4(tc_buf *B, const char *body) {
  tc_put(B, "      for (size_t j_ = 0; j_ < m; j_ += 4) {");
  for (int k = 0; k < 4; k++) tc_put(B, " { size_t i = j_ + %d; %s }", k, body);
  tc_put(B, " }\n");
}

/* A loop over the block assigning or adding 'expr' into Q<dst>. */
static void adj_loop(tc_buf *B, const char *binds, uint32_t dst, int set, const char *expr) {
  tc_buf t = {0};
  tc_put(&t, "%s Q%u[i] %s (%s);", binds, (unsigned)dst, set ? "=" : "+=", expr);
  if (!t.oom) loop4(B, t.p);
  else B->oom = 1;
  free(t.p);
}

/* One adjoint of a backward step over the block, as row_adj: 'expr' (times
** 'sign' when not 0) into Q<dst> row by row, or summed into the partial. */
static void blocked_adj(tc_buf *B, const char *binds, uint32_t ired, uint32_t dst, int set, int rowv, int sign,
                        const char *expr) {
  char t[48];
  if (rowv && sign) {
    snprintf(t, sizeof t, "%d.0 * %s", sign, expr);
    adj_loop(B, binds, dst, set, t);
  } else if (rowv) {
    adj_loop(B, binds, dst, set, expr);
  } else {
    snprintf(t, sizeof t, "p%u_%u", (unsigned)ired, (unsigned)dst);
    sum8_loop(B, binds, expr, t, sign);
  }
}

static int blocked_step(gen *G, const tp_bwd *s, uint32_t ired) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B, bb = {0};
  const tp_ins *I = T->ins + T->npre + s->ins;
  step_binds(G, I, s->go, &bb);
  if (bb.oom) return -1;
  const char *binds = bb.p;
  if (tp_is_unary(I->op)) {
    blocked_adj(B, binds, ired, s->ga, s->flags & TP_SETA, 1, 0, tc_rules[I->op].da);
  } else if (tp_is_ternary(I->op)) {
    int pa = sign_a(I->op), pc = sign_c(I->op);
    int bv = I->shape & TP_BV, cv = I->shape & TP_CV;
    if (s->flags & TP_DOA) blocked_adj(B, binds, ired, s->ga, s->flags & TP_SETA, 1, pa, "g * b");
    if ((s->flags & TP_DOB) && (s->flags & TP_DOC) && !bv && !cv) {   /* sum_mul2 */
      tc_put(B, "      { double t0 = 0, t1 = 0, t2 = 0, t3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0; size_t j = 0;\n"
             "        for (; j < n4; j += 4) {\n");
      for (int k = 0; k < 4; k++)
        tc_put(B, "          { size_t i = j + %d; %s t%d += g * a; u%d += g; }\n", k, binds, k, k);
      tc_put(B, "        }\n        for (; j < n; j++) { size_t i = j; %s t0 += g * a; u0 += g; }\n", binds);
      tc_put(B, "        p%u_%u += %d.0 * ((t0 + t1) + (t2 + t3));\n", (unsigned)ired, (unsigned)s->gb, pa);
      tc_put(B, "        p%u_%u += %d.0 * ((u0 + u1) + (u2 + u3)); }\n", (unsigned)ired, (unsigned)s->gc, pc);
    } else {
      if (s->flags & TP_DOB) blocked_adj(B, binds, ired, s->gb, s->flags & TP_SETB, bv, pa, "g * a");
      if (s->flags & TP_DOC) blocked_adj(B, binds, ired, s->gc, s->flags & TP_SETC, cv, pc, "g");
    }
  } else {
    if (s->flags & TP_DOA)
      blocked_adj(B, binds, ired, s->ga, s->flags & TP_SETA, I->shape & TP_AV, 0, tc_rules[I->op].da);
    if (s->flags & TP_DOB)
      blocked_adj(B, binds, ired, s->gb, s->flags & TP_SETB, I->shape & TP_BV, 0, tc_rules[I->op].db);
  }
  free(bb.p);
  return 0;
}

static int blocked_loop(gen *G, int grad) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  const tp_ins *row = T->ins + T->npre;
  tc_put(B, "    for (size_t start = 0; start < count; start += %u) {\n", (unsigned)T->bs);
  tc_put(B, "      size_t n = count - start < %u ? count - start : %u;\n", (unsigned)T->bs, (unsigned)T->bs);
  tc_put(B, "      size_t n8 = n & ~(size_t)7, n4 = n & ~(size_t)3, m = (n + 3) & ~(size_t)3; (void)n8; (void)n4;\n");
  /* the columns in place, or gathered and padded with the last row (load_block) */
  for (uint32_t c = 0; c < T->ncolreg; c++) {
    unsigned r = (unsigned)T->colreg[c], ci = (unsigned)T->colidx[c];
    tc_put(B, "      const double *restrict X%u = C%u + start;\n", r, ci);
    tc_put(B, "      if (rows || n != m) {\n"
           "        for (size_t i = 0; i < n; i++) GX%u[i] = C%u[IX(i)];\n"
           "        for (size_t i = n; i < m; i++) GX%u[i] = GX%u[n - 1];\n"
           "        X%u = GX%u;\n      }\n", r, ci, r, r, r, r);
  }
  for (uint32_t i = 0; i < T->nrow; i++) {
    tc_buf t = {0}, *keep = G->B;
    G->B = &t;
    forward(G, &row[i], 1);
    G->B = keep;
    if (t.oom) { free(t.p); return -1; }
    loop4(B, t.p);
    free(t.p);
  }
  for (uint32_t r = 0; r < T->nred; r++) {
    const tp_red *R = &T->red[r];
    char expr[48], target[24];
    if (G->colof[R->arg] != UINT32_MAX) snprintf(expr, sizeof expr, "X%u[i]", (unsigned)R->arg);
    else snprintf(expr, sizeof expr, "W%u[i]", (unsigned)R->arg);
    snprintf(target, sizeof target, "acc%u", (unsigned)r);
    sum8_loop(B, "", expr, target, 0);
    if (!grad || !R->nbwd) continue;
    for (const tp_bwd *s = T->bwd + R->bwd0 + R->nbwd; s-- > T->bwd + R->bwd0; )
      if (blocked_step(G, s, r) < 0) return -1;
  }
  tc_put(B, "    }\n");
  return 0;
}

/* ---- the row section, either form ---- */

static int rows_loop(gen *G, int grad, const tc_sums *sums) {
  if (G->blocked) return blocked_loop(G, grad);
  block_loop(G, grad, sums, G->nsum8, G->nsum4);
  return 0;
}

/* The reductions' sums and partials, the loop over the blocks with and
** without the gradient, the reductions' values. */
static int rows_section(gen *G, const tc_sums *sums) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  if (G->blocked) {   /* the tape's blocks */
    tc_put(B, "#define IX(i) (rows ? rows[start + (i)] : start + (i))\n");
    for (uint32_t r = 0; r < T->nrreg; r++)
      if (G->colof[r] == UINT32_MAX) tc_put(B, "  double *restrict W%u = work[%u];\n", (unsigned)r, (unsigned)r);
    for (uint32_t b = 1; b < T->ngb; b++) tc_put(B, "  double *restrict Q%u = work[%u];\n", (unsigned)b, (unsigned)(T->nrreg + b));
    for (uint32_t c = 0; c < T->ncolreg; c++)
      tc_put(B, "  double *restrict GX%u = work[%u];\n", (unsigned)T->colreg[c], (unsigned)(T->nrreg + T->ngb + c));
  }
  for (uint32_t r = 0; r < T->nred; r++) tc_put(B, "  double acc%u = 0;\n", (unsigned)r);
  for (uint32_t r = 0; r < T->nred; r++) {
    if (!T->red[r].nbwd) continue;
    for (uint32_t j = 0; j < T->nrread; j++)
      tc_put(B, "  double p%u_%u = 0;\n", (unsigned)r, (unsigned)T->rread[j]);
  }
  tc_put(B, "  if (grad) {\n");
  if (rows_loop(G, 1, sums) < 0) return -1;
  tc_put(B, "  } else {\n");
  if (rows_loop(G, 0, sums) < 0) return -1;
  tc_put(B, "  }\n%s", G->blocked ? "#undef IX\n" : "");
  for (uint32_t r = 0; r < T->nred; r++)
    tc_put(B, "  v%u = acc%u%s;\n", (unsigned)T->red[r].out, (unsigned)r, T->red[r].mean ? " / (double)count" : "");
  return 0;
}

/* Fused unless the row section calls libm or sums into many partials. */
static int wants_blocked(const slope_tape *T) {
  const tp_ins *row = T->ins + T->npre;
  uint32_t nsums = 0;
  for (uint32_t i = 0; i < T->nrow; i++) {
    int op = row[i].op;
    if (op == TP_POW || op == TP_POWK || (op > TP_POW && op < TP_SQDIFF) || op > TP_POWK) return 1;
  }
  for (uint32_t i = 0; i < T->nbwd; i++) {
    const tp_ins *I = row + T->bwd[i].ins;
    nsums += !(I->shape & TP_AV) + !(I->shape & TP_BV) + (tp_is_ternary(I->op) && !(I->shape & TP_CV));
  }
  return nsums > 8;
}

/* The reductions' partials into the scalar adjoints (tape_eval.c's combine). */
static void combine(gen *G) {
  const slope_tape *T = G->T;
  for (uint32_t r = 0; r < T->nred; r++) {
    const tp_red *R = &T->red[r];
    if (!R->nbwd) continue;
    tc_put(G->B, "  { double c = d%u;%s\n", (unsigned)R->out, R->mean ? " c /= (double)count;" : "");
    for (uint32_t j = 0; j < T->nrread; j++)
      tc_put(G->B, "    d%u += c * p%u_%u;\n", (unsigned)T->rread[j], (unsigned)r, (unsigned)T->rread[j]);
    tc_put(G->B, "  }\n");
  }
}

static void declare(gen *G) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  if (!G->computed[T->root] && T->root > (uint32_t)T->nparams) {   /* a constant result */
    tc_put(B, "  double v%u = ", (unsigned)T->root);
    tc_put_num(B, T->sv[T->root]);
    tc_put(B, ", d%u = 0;\n", (unsigned)T->root);
  }
  for (uint32_t r = 0; r < T->nsreg; r++) {
    if (!G->computed[r] && r > (uint32_t)T->nparams) continue;
    tc_put(B, "  double v%u = 0, d%u = 0; (void)v%u; (void)d%u;\n", (unsigned)r, (unsigned)r,
        (unsigned)r, (unsigned)r);
  }
  for (int i = 0; i < T->nparams; i++) tc_put(B, "  v%d = x[%d];\n", i, i);
  tc_put(B, "  v%d = (double)count;\n", T->nparams);
  for (uint32_t c = 0; c < (uint32_t)T->ncols; c++) {
    int used = 0;
    for (uint32_t k = 0; k < T->ncolreg; k++) used |= T->colidx[k] == c;
    if (used) tc_put(B, "  const double *C%u = cols[%u];\n", (unsigned)c, (unsigned)c);
  }
}

static void body(gen *G, tc_sums *sums) {
  const slope_tape *T = G->T;
  tc_buf *B = G->B;
  const tp_ins *pre = T->ins, *post = T->ins + T->npre + T->nrow;
  tc_put(B, "void tape_native(const double *x, const double *const *cols, const size_t *rows,\n"
         "                 size_t count, double *f, double *grad, double *const *work) {\n"
         "  (void)x; (void)cols; (void)rows; (void)work;\n");
  declare(G);
  for (uint32_t i = 0; i < T->npre; i++) { tc_put(B, "  "); forward(G, &pre[i], 0); tc_put(B, "\n"); }
  if (T->nred && rows_section(G, sums) < 0) B->oom = 1;
  for (uint32_t i = 0; i < T->npost; i++) { tc_put(B, "  "); forward(G, &post[i], 0); tc_put(B, "\n"); }
  tc_put(B, "  *f = v%u;\n  if (!grad) return;\n  d%u = 1;\n", (unsigned)T->root, (unsigned)T->root);
  scalar_backward(G, post, T->npost);
  for (uint32_t i = 0; i < T->nzero; i++) tc_put(B, "  d%u = 0;\n", (unsigned)T->zero[i]);
  combine(G);
  scalar_backward(G, pre, T->npre);
  for (int i = 0; i < T->nparams; i++) tc_put(B, "  grad[%d] = d%d;\n", i, i);
  tc_put(B, "}\n");
}

int tc_blocked(const slope_tape *T) { return T && !T->arr && T->nred && wants_blocked(T); }

char *tc_source(const slope_tape *T) {
  if (!T) return NULL;
  if (T->arr) return tac_source(T);
  tc_buf B = {0};
  gen G = { T, &B, calloc(T->nsreg + 1, 1), 0, 0, wants_blocked(T), 0, 0, malloc((T->nrreg + 1) * sizeof(uint32_t)) };
  tc_sums sums = {0};
  if (!G.computed || !G.colof) { free(G.computed); free(G.colof); return NULL; }
  for (uint32_t r = 0; r < T->nrreg; r++) G.colof[r] = UINT32_MAX;
  for (uint32_t c = 0; c < T->ncolreg; c++) G.colof[T->colreg[c]] = T->colidx[c];
  for (uint32_t i = 0; i < T->npre + T->nrow + T->npost; i++)
    if (i < T->npre || i >= T->npre + T->nrow) G.computed[T->ins[i].out] = 1;
  for (uint32_t r = 0; r < T->nred; r++) G.computed[T->red[r].out] = 1;
  tc_put(&B, "/* generated by slope from a compiled tape: value and gradient */\n%s", tc_prelude);
  int rc = 0;
  if (T->nred && !G.blocked && (G.vecrows = vec_ok(T))) {
    /* the same sums in the same slots as the scalar form, which follows */
    uint32_t n8 = G.nsum8, n4 = G.nsum4, ns = sums.n;
    rc = row_macro(&G, 1, 1, &sums);
    G.nsum8 = n8, G.nsum4 = n4, sums.n = ns;
  }
  if (rc == 0 && T->nred && !G.blocked)
    rc = row_macro(&G, 0, 0, &sums) < 0 || row_macro(&G, 0, 1, &sums) < 0 ? -1 : 0;
  if (rc == 0) body(&G, &sums);
  free(G.computed);
  free(G.colof);
  free(sums.p);
  if (rc < 0 || B.oom) { free(B.p); return NULL; }
  return B.p;
}
