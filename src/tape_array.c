/*
** tape_array.c -- compiling an expression with vectors and matrices to the
** array tape (see tape_array.h).
**
** The language's shapes come first (sx_infer, shape.c: mismatches and
** indices out of range reported with their place in the text).  Then one
** walk over the nodes, children first, gives each node its register: its
** shape follows from its children's, its section too (a data column makes
** it a row register, a reduction over the rows a 'post' one).  Index and
** slice bounds are whole numbers known at compile time (numbers, #x and
** arithmetic of them), folded as the walk meets them.  The peephole fuses
** and prunes; then the registers that carry a derivative are marked, each
** reduction's backward sweep over the row section is built, adjoints are
** shared or assigned on first write, and the memory is laid out: nothing
** is allocated per call.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shape.h"
#include "tape_array.h"

enum { PRE, ROW, POST };
#define TA_MAX_ELEMS (1u << 26)   /* elements of one register */
#define TA_MAX_TOTAL (1u << 28)   /* elements of all registers of a section kind together */

typedef struct insv { ta_ins *p; uint32_t n, cap; } insv;

typedef struct abuild {
  slope_ctx *S;
  tp_arr *A;
  const char *const *params, *const *cols;
  const slope_shape *pshape, *cshape;
  int np, nc;
  sx_id *ids;
  uint32_t nids;
  uint32_t *reg;           /* per node id: its register */
  uint8_t *isc;            /* per node id: a constant scalar known now */
  double *cv;              /* its value */
  uint8_t *post;           /* per register: depends on a reduction's result */
  uint32_t capreg, cappost;
  insv sec[3];
  struct cinit { uint32_t off, n; double v0; } *init;   /* constants: v0, v0 + 1, ... at off */
  uint32_t ninit, capinit;
  uint32_t capred;
  int32_t *colreg;         /* per column: its register, -1 until used */
  int *coloff;             /* per column: its first pointer in cols */
  sx_id cur;               /* the node being lowered, for messages */
} abuild;

static int oom(abuild *b) { return sx_error(b->S, SLOPE_ERRMEM, "out of memory"); }
static uint32_t *readers(abuild *b);

static int grow(abuild *b, void **p, uint32_t *cap, size_t need, size_t elem) {
  if (tp_grow(p, cap, need, elem)) return 1;
  oom(b);
  return 0;
}

/* ---- shapes and messages ------------------------------------------------------ */

static void shape_text(char *out, size_t cap, const ta_reg *R) {
  if (R->rank == 0) snprintf(out, cap, "scalar");
  else if (R->rank == 1) snprintf(out, cap, "vector(%u)", (unsigned)R->n);
  else snprintf(out, cap, "matrix(%ux%u)", (unsigned)R->rows, (unsigned)R->cols);
}

static int shape_error(abuild *b, const char *op, const ta_reg *x, const ta_reg *y) {
  char sx[48], sy[48];
  shape_text(sx, sizeof sx, x);
  if (!y) return sx_node_error(b->S, b->cur, SLOPE_ERRARG, "%s of a %s is not defined", op, sx);
  shape_text(sy, sizeof sy, y);
  return sx_node_error(b->S, b->cur, SLOPE_ERRARG, "shapes do not fit in %s: %s and %s", op, sx, sy);
}

/* ---- registers and instructions --------------------------------------------------- */

/* A new register of shape (rank, rows, cols); row registers get element
** pointers, others elements of 'val' (rounded up to 4). */
static uint32_t new_reg(abuild *b, int rank, uint32_t rows, uint32_t cols, int row) {
  tp_arr *A = b->A;
  if (sx_failed(b->S)) return 0;
  uint64_t n = (uint64_t)rows * cols;
  if (n == 0 || n > TA_MAX_ELEMS)
    return sx_error(b->S, SLOPE_ERRLIMIT, "an array of %llu elements (at most %u, at least 1)",
                    (unsigned long long)n, TA_MAX_ELEMS), 0;
  if ((row ? A->nep : A->nval) + n + 4 > TA_MAX_TOTAL)
    return sx_error(b->S, SLOPE_ERRLIMIT, "the compiled arrays would hold more than %u elements", TA_MAX_TOTAL), 0;
  if (!grow(b, (void **)&A->reg, &b->capreg, A->nreg + 1, sizeof *A->reg)) return 0;
  if (!grow(b, (void **)&b->post, &b->cappost, A->nreg + 1, 1)) return 0;
  uint32_t r = A->nreg++;
  ta_reg *R = &A->reg[r];
  memset(R, 0, sizeof *R);
  R->rank = (uint8_t)rank;
  R->rows = rows;
  R->cols = cols;
  R->n = (uint32_t)n;
  R->row = (uint8_t)row;
  R->col = -1;
  b->post[r] = 0;
  R->goff = A->nval;
  if (row) {
    R->off = A->nep;
    A->nep += R->n;
  } else {
    R->off = A->nval;
    uint32_t pn = (R->n + 3) & ~3u;
    A->nval += pn;
  }
  return r;
}

/* Register r holds the constants v0, v0 + 1, ... (written when laid out). */
static uint32_t constant(abuild *b, uint32_t r, double v0) {
  if (sx_failed(b->S) || !grow(b, (void **)&b->init, &b->capinit, (size_t)b->ninit + 1, sizeof *b->init)) return 0;
  b->init[b->ninit++] = (struct cinit){b->A->reg[r].off, b->A->reg[r].n, v0};
  return r;
}

static uint32_t scalar_const(abuild *b, double v) { return constant(b, new_reg(b, 0, 1, 1, 0), v); }

static int is_row(abuild *b, uint32_t r) { return b->A->reg[r].row; }

/* Append an instruction writing a new register of shape 'like_reg' (or the
** shape given); the section follows from the operands. */
static uint32_t emit(abuild *b, int op, int sub, uint32_t a, uint32_t bb, int rank,
                     uint32_t rows, uint32_t cols) {
  if (sx_failed(b->S)) return 0;
  int row = is_row(b, a) || is_row(b, bb);
  int post = b->post[a] || b->post[bb];
  uint32_t out = new_reg(b, rank, rows, cols, row);
  if (sx_failed(b->S)) return 0;
  b->post[out] = (uint8_t)post;
  int sec = row ? ROW : post ? POST : PRE;
  insv *v = &b->sec[sec];
  if (!grow(b, (void **)&v->p, &v->cap, v->n + 1, sizeof *v->p)) return 0;
  ta_ins I;
  memset(&I, 0, sizeof I);
  I.op = (uint8_t)op;
  I.sub = (uint8_t)sub;
  I.row = (uint8_t)row;
  I.out = out;
  I.a = a;
  I.b = bb;
  v->p[v->n++] = I;
  return out;
}

static ta_ins *last(abuild *b, uint32_t out) {
  int sec = is_row(b, out) ? ROW : b->post[out] ? POST : PRE;
  return &b->sec[sec].p[b->sec[sec].n - 1];
}

/* A view of elements [lo, lo + rows*cols) of 'x'. */
static uint32_t view(abuild *b, uint32_t x, uint32_t lo, int rank, uint32_t rows, uint32_t cols) {
  tp_arr *A = b->A;
  if (sx_failed(b->S)) return 0;
  while (A->reg[x].view) { lo += A->reg[x].lo; x = A->reg[x].src; }
  if (!grow(b, (void **)&A->reg, &b->capreg, A->nreg + 1, sizeof *A->reg)) return 0;
  if (!grow(b, (void **)&b->post, &b->cappost, A->nreg + 1, 1)) return 0;
  uint32_t r = A->nreg++;
  ta_reg *R = &A->reg[r], *X = &A->reg[x];
  *R = *X;
  R->rank = (uint8_t)rank;
  R->rows = rows;
  R->cols = cols;
  R->n = rows * cols;
  R->view = 1;
  R->src = x;
  R->lo = lo;
  R->col = -1;
  R->off = X->off + lo;   /* not row: elements of val; row: entries of ep */
  R->goff = X->goff + lo;
  b->post[r] = b->post[x];
  return r;
}

/* ---- element-wise -------------------------------------------------------------------- */

/* The shape of an element-wise result: equal shapes, or a scalar broadcast. */
static uint32_t ew(abuild *b, int sub, uint32_t x, uint32_t y, const char *op) {
  const ta_reg *X = &b->A->reg[x], *Y = &b->A->reg[y];
  const ta_reg *R = X->rank ? X : Y;
  if (X->rank && Y->rank && (X->rank != Y->rank || X->rows != Y->rows || X->cols != Y->cols))
    return shape_error(b, op, X, Y), 0;
  return emit(b, TA_EW2, sub, x, y, R->rank, R->rows, R->cols);
}

static uint32_t ew1(abuild *b, int sub, uint32_t x, double k) {
  const ta_reg *X = &b->A->reg[x];
  uint32_t r = emit(b, TA_EW1, sub, x, x, X->rank, X->rows, X->cols);
  if (!sx_failed(b->S)) last(b, r)->k = k;
  return r;
}

static int is_neg_term(const slope_ctx *S, sx_id t) {
  return sx_kind(S, t) == SX_MUL && sx_is_num(S, sx_kid(S, t, 0), -1);
}

static uint32_t lower_product(abuild *b, const sx_id *f, uint32_t n) {
  slope_ctx *S = b->S;
  uint32_t acc = 0;
  int have = 0, neg = 0;
  for (uint32_t pass = 0; pass < 2; pass++)   /* factors first, then divisors */
    for (uint32_t i = 0; i < n; i++) {
      if (sx_is_num(S, f[i], -1)) { neg ^= pass == 0; continue; }
      int den = sx_kind(S, f[i]) == SX_POW && sx_is_num(S, sx_kid(S, f[i], 1), -1);
      if (den != (int)pass) continue;
      uint32_t r = b->reg[den ? sx_kid(S, f[i], 0) : f[i]];
      if (!have) acc = den ? ew1(b, TP_RECIP, r, 0) : r;
      else acc = ew(b, den ? TP_DIV : TP_MUL, acc, r, den ? "/" : "*");
      have = 1;
    }
  if (!have) return scalar_const(b, neg ? -1 : 1);
  return neg ? ew1(b, TP_NEG, acc, 0) : acc;
}

static uint32_t lower_sum(abuild *b, sx_id id) {
  slope_ctx *S = b->S;
  uint32_t n = sx_nkids(S, id), acc = 0;
  int have = 0;
  for (uint32_t pass = 0; pass < 2; pass++)   /* added terms first, then subtracted */
    for (uint32_t i = 0; i < n; i++) {
      sx_id t = sx_kid(S, id, i);
      int neg = is_neg_term(S, t);
      if (neg != (int)pass) continue;
      uint32_t r;
      if (neg) {
        uint32_t nr = sx_nkids(S, t) - 1;
        const sx_id *rest = &S->kids[sx_node_of(S, t)->kids + 1];
        r = nr == 1 ? b->reg[rest[0]] : lower_product(b, rest, nr);
      } else {
        r = b->reg[t];
      }
      if (!have) acc = neg ? ew1(b, TP_NEG, r, 0) : r;
      else acc = ew(b, neg ? TP_SUB : TP_ADD, acc, r, neg ? "-" : "+");
      have = 1;
    }
  return acc;
}

static uint32_t lower_pow(abuild *b, sx_id id) {
  slope_ctx *S = b->S;
  sx_id ex = sx_kid(S, id, 1);
  uint32_t a = b->reg[sx_kid(S, id, 0)];
  if (sx_kind(S, ex) != SX_NUM) return ew(b, TP_POW, a, b->reg[ex], "^");
  double k = sx_num(S, ex);
  if (k == 2) return ew1(b, TP_SQR, a, 0);
  if (k == 0.5) return ew1(b, TP_SQRT, a, 0);
  if (k == -1) return ew1(b, TP_RECIP, a, 0);
  if (k == floor(k) && fabs(k) <= 16) return ew1(b, TP_POWI, a, k);
  return ew1(b, TP_POWK, a, k);
}

/* The tape operation of a function kind (ORDER FN). */
static int fn_op(int kind) {
#define X(NAME, ...) [SX_##NAME] = TP_##NAME,
  static const uint8_t ops[SX_NKINDS] = { SX_FUNCTIONS(X) };
#undef X
  return ops[kind];
}

/* ---- indices ----------------------------------------------------------------------------- */

/* Kid 'i' of the node as a whole number known now, in [min, max]. */
static int whole(abuild *b, uint32_t i, const char *what, long min, long max, long *out) {
  sx_id k = sx_kid(b->S, b->cur, i);
  if (!b->isc[k])
    return sx_node_error(b->S, b->cur, SLOPE_ERRARG, "the %s must be a whole number known before the "
                         "data (numbers, #x and arithmetic of them)", what);
  double v = b->cv[k];
  if (v != floor(v) || v < (double)min || v > (double)max)
    return sx_node_error(b->S, b->cur, SLOPE_ERRARG, "the %s is %.17g, outside %ld..%ld", what, v, min, max);
  *out = (long)v;
  return SLOPE_OK;
}

static uint32_t lower_index(abuild *b, sx_id id) {
  const ta_reg *X = &b->A->reg[b->reg[sx_kid(b->S, id, 0)]];
  uint32_t x = b->reg[sx_kid(b->S, id, 0)], nk = sx_nkids(b->S, id);
  long i, j;
  if (X->rank == 0 || X->rank != nk - 1) return shape_error(b, "indexing", X, NULL), 0;
  if (whole(b, 1, "index", 1, X->rows, &i) != SLOPE_OK) return 0;
  if (X->rank == 1) return view(b, x, (uint32_t)(i - 1), 0, 1, 1);
  if (whole(b, 2, "column index", 1, X->cols, &j) != SLOPE_OK) return 0;
  return view(b, x, (uint32_t)((i - 1) * (long)X->cols + j - 1), 0, 1, 1);
}

static uint32_t lower_slice(abuild *b, sx_id id) {
  uint32_t x = b->reg[sx_kid(b->S, id, 0)];
  const ta_reg *X = &b->A->reg[x];
  long lo, hi;
  if (X->rank != 1) return shape_error(b, "slicing", X, NULL), 0;
  if (whole(b, 1, "slice start", 1, X->rows, &lo) != SLOPE_OK ||
      whole(b, 2, "slice end", lo, X->rows, &hi) != SLOPE_OK)
    return 0;
  return view(b, x, (uint32_t)(lo - 1), 1, (uint32_t)(hi - lo + 1), 1);
}

static uint32_t lower_range(abuild *b) {
  long lo, hi;
  if (whole(b, 0, "range start", -(long)TA_MAX_ELEMS, TA_MAX_ELEMS, &lo) != SLOPE_OK ||
      whole(b, 1, "range end", lo, lo + TA_MAX_ELEMS - 1, &hi) != SLOPE_OK)
    return 0;
  return constant(b, new_reg(b, 1, (uint32_t)(hi - lo + 1), 1, 0), (double)lo);
}

static uint32_t lower_pad(abuild *b, sx_id id) {
  uint32_t x = b->reg[sx_kid(b->S, id, 0)];
  const ta_reg *X = &b->A->reg[x];
  long lo, hi;
  if (X->rank != 1) return shape_error(b, "pad", X, NULL), 0;
  if (whole(b, 1, "padding before", 0, TA_MAX_ELEMS, &lo) != SLOPE_OK ||
      whole(b, 2, "padding after", 0, TA_MAX_ELEMS, &hi) != SLOPE_OK)
    return 0;
  uint32_t r = emit(b, TA_PAD, 0, x, x, 1, X->n + (uint32_t)lo + (uint32_t)hi, 1);
  if (!sx_failed(b->S)) { last(b, r)->i0 = (uint32_t)lo; last(b, r)->i1 = (uint32_t)hi; }
  return r;
}

/* ---- products and classifiers ---------------------------------------------------------- */

static uint32_t matmul(abuild *b, uint32_t x, uint32_t y, uint32_t m, uint32_t k, uint32_t n, int rank);

static uint32_t lower_dot(abuild *b, uint32_t x, uint32_t y) {
  const ta_reg *X = &b->A->reg[x], *Y = &b->A->reg[y];
  if (X->rank > 1 || Y->rank > 1 || X->n != Y->n) return shape_error(b, "dot", X, Y), 0;
  return matmul(b, x, y, 1, X->n, 1, 0);   /* (1 x n) @ (n x 1) */
}

static uint32_t matmul(abuild *b, uint32_t x, uint32_t y, uint32_t m, uint32_t k, uint32_t n,
                       int rank) {
  uint32_t r = emit(b, TA_MATMUL, 0, x, y, rank, rank == 2 || n == 1 ? m : n, rank == 2 ? n : 1);
  if (!sx_failed(b->S)) { ta_ins *I = last(b, r); I->i0 = m; I->i1 = k; I->i2 = n; }
  return r;
}

static uint32_t lower_matmul(abuild *b, uint32_t x, uint32_t y) {
  const ta_reg *X = &b->A->reg[x], *Y = &b->A->reg[y];
  if (X->rank == 2 && Y->rank == 2 && X->cols == Y->rows) return matmul(b, x, y, X->rows, X->cols, Y->cols, 2);
  if (X->rank == 2 && Y->rank == 1 && X->cols == Y->n) return matmul(b, x, y, X->rows, X->cols, 1, 1);
  if (X->rank == 1 && Y->rank == 2 && X->n == Y->rows) return matmul(b, x, y, 1, X->n, Y->cols, 1);
  return shape_error(b, "@", X, Y), 0;
}

static uint32_t lower_outer(abuild *b, uint32_t x, uint32_t y) {
  const ta_reg *X = &b->A->reg[x], *Y = &b->A->reg[y];
  if (X->rank > 1 || Y->rank > 1) return shape_error(b, "outer", X, Y), 0;
  return matmul(b, x, y, X->n, 1, Y->n, 2);
}

static uint32_t lower_transpose(abuild *b, uint32_t x) {
  const ta_reg *X = &b->A->reg[x];
  if (X->rank < 2) return x;
  uint32_t rows = X->rows, cols = X->cols;   /* emit moves the registers */
  uint32_t r = emit(b, TA_TRANSPOSE, 0, x, x, 2, cols, rows);
  if (!sx_failed(b->S)) { last(b, r)->i0 = rows; last(b, r)->i1 = cols; }
  return r;
}

static uint32_t to_scalar(abuild *b, int op, uint32_t x, double k) {
  uint32_t r = emit(b, op, 0, x, x, 0, 1, 1);
  if (!sx_failed(b->S)) last(b, r)->k = k;
  return r;
}

static uint32_t lower_xent(abuild *b, uint32_t z, uint32_t k) {
  const ta_reg *Z = &b->A->reg[z], *K = &b->A->reg[k];
  if (K->rank != 0) return shape_error(b, "cross_entropy's label", K, NULL), 0;
  if (Z->rank == 2) return shape_error(b, "cross_entropy", Z, K), 0;
  return emit(b, TA_XENT, 0, z, k, 0, 1, 1);
}

static uint32_t lower_onehot(abuild *b, uint32_t k) {
  long n;
  const ta_reg *K = &b->A->reg[k];
  if (K->rank != 0) return shape_error(b, "onehot's label", K, NULL), 0;
  if (whole(b, 1, "length of onehot", 1, TA_MAX_ELEMS, &n) != SLOPE_OK) return 0;
  uint32_t r = emit(b, TA_ONEHOT, 0, k, k, 1, (uint32_t)n, 1);
  if (!sx_failed(b->S)) last(b, r)->i0 = (uint32_t)n;
  return r;
}

/* ---- reductions ----------------------------------------------------------------------------- */

/* The number of rows an evaluation covers, a 'post' register set per call. */
static uint32_t count_reg(abuild *b) {
  if (b->A->count != UINT32_MAX) return b->A->count;
  uint32_t r = new_reg(b, 0, 1, 1, 0);
  if (sx_failed(b->S)) return UINT32_MAX;
  b->post[r] = 1;
  return b->A->count = r;
}

/* sum and mean: of an array its elements; of a scalar, and sum_rows and
** mean_rows of anything, over the data rows (keeping the shape). */
static uint32_t lower_reduce(abuild *b, sx_id id) {
  tp_arr *A = b->A;
  uint32_t x = b->reg[sx_kid(b->S, id, 0)];
  int k = sx_kind(b->S, id), mean = k == SX_MEAN || k == SX_MEANROWS;
  const ta_reg Xv = A->reg[x], *X = &Xv;   /* a copy: new registers move the array */
  if (X->rank && (k == SX_SUM || k == SX_MEAN)) return to_scalar(b, TA_ESUM, x, mean ? 1.0 / X->n : 1.0);
  if (b->post[x]) return sx_error(b->S, SLOPE_ERRARG, "mean/sum over the rows cannot be nested"), 0;
  if (!X->row) {     /* the same value on every row */
    if (count_reg(b) == UINT32_MAX) return 0;
    return mean ? x : emit(b, TA_EW2, TP_MUL, x, A->count, X->rank, X->rows, X->cols);
  }
  if (!grow(b, (void **)&A->red, &b->capred, A->nred + 1, sizeof *A->red)) return 0;
  if (count_reg(b) == UINT32_MAX) return 0;
  uint32_t out = new_reg(b, X->rank, X->rows, X->cols, 0);
  if (sx_failed(b->S)) return 0;
  b->post[out] = 1;
  ta_red *R = &A->red[A->nred++];
  memset(R, 0, sizeof *R);
  R->arg = x;
  R->out = out;
  R->mean = mean;
  return out;
}

/* ---- names --------------------------------------------------------------------------------- */

static int shape_of(abuild *b, const slope_shape *s, const char *what, const char *name,
                    int *rank, uint32_t *rows, uint32_t *cols) {
  *rank = 0; *rows = 1; *cols = 1;
  if (!s) return SLOPE_OK;
  int ok = s->rank >= 0 && s->rank <= 2;
  for (int d = 0; ok && d < s->rank; d++) ok = s->dim[d] >= 1 && (uint32_t)s->dim[d] <= TA_MAX_ELEMS;
  if (ok && s->rank == 2) ok = (uint64_t)s->dim[0] * (uint64_t)s->dim[1] <= TA_MAX_ELEMS;
  if (!ok)
    return sx_error(b->S, SLOPE_ERRARG, "slope_compile_shaped: bad shape of %s '%s' (rank %d; "
                    "rank must be 0, 1 or 2 and each dimension 1..%u, at most %u elements)",
                    what, name, s->rank, TA_MAX_ELEMS, TA_MAX_ELEMS);
  *rank = s->rank;
  if (s->rank >= 1) *rows = (uint32_t)s->dim[0];
  if (s->rank == 2) *cols = (uint32_t)s->dim[1];
  return SLOPE_OK;
}

static uint32_t lower_var(abuild *b, sx_id id) {
  const char *name = sx_name(b->S, id);
  for (int i = 0; i < b->np; i++)
    if (strcmp(b->params[i], name) == 0) return b->A->poff[i];
  for (int j = 0; j < b->nc; j++) {
    if (strcmp(b->cols[j], name) != 0) continue;
    if (b->colreg[j] >= 0) return (uint32_t)b->colreg[j];
    int rank;
    uint32_t rows, cols;
    if (shape_of(b, b->cshape ? &b->cshape[j] : NULL, "data column", name, &rank, &rows, &cols) != SLOPE_OK)
      return 0;
    uint32_t r = new_reg(b, rank, rows, cols, 1);
    if (sx_failed(b->S)) return 0;
    b->A->reg[r].col = b->coloff[j];
    b->colreg[j] = (int32_t)r;
    return r;
  }
  return sx_error(b->S, SLOPE_ERRNAME, "unknown name '%s': not a parameter or data column", name), 0;
}

/* ---- one node ------------------------------------------------------------------------------- */

static uint32_t kidreg(abuild *b, sx_id id, uint32_t i) { return b->reg[sx_kid(b->S, id, i)]; }

static uint32_t lower_node(abuild *b, sx_id id) {
  slope_ctx *S = b->S;
  int k = sx_kind(S, id);
  b->cur = id;
  switch (k) {
  case SX_NUM: return scalar_const(b, sx_num(S, id));
  case SX_VAR: return lower_var(b, id);
  case SX_ADD: return lower_sum(b, id);
  case SX_MUL: return lower_product(b, &S->kids[sx_node_of(S, id)->kids], sx_nkids(S, id));
  case SX_POW: return lower_pow(b, id);
  case SX_SUM: case SX_MEAN: case SX_SUMROWS: case SX_MEANROWS: return lower_reduce(b, id);
  case SX_INDEX: return lower_index(b, id);
  case SX_SLICE: return lower_slice(b, id);
  case SX_LEN: return scalar_const(b, b->A->reg[kidreg(b, id, 0)].rows);
  case SX_RANGE: return lower_range(b);
  case SX_PAD: return lower_pad(b, id);
  case SX_DOT: return lower_dot(b, kidreg(b, id, 0), kidreg(b, id, 1));
  case SX_MATMUL: return lower_matmul(b, kidreg(b, id, 0), kidreg(b, id, 1));
  case SX_OUTER: return lower_outer(b, kidreg(b, id, 0), kidreg(b, id, 1));
  case SX_TRANSPOSE: return lower_transpose(b, kidreg(b, id, 0));
  case SX_AMAX: return to_scalar(b, TA_AMAX, kidreg(b, id, 0), 0);
  case SX_NORM: return to_scalar(b, TA_NORM, kidreg(b, id, 0), 0);
  case SX_LOGSUMEXP: return to_scalar(b, TA_LOGSUMEXP, kidreg(b, id, 0), 0);
  case SX_SOFTMAX: case SX_LOGSOFTMAX: {
    uint32_t x = kidreg(b, id, 0);
    const ta_reg *X = &b->A->reg[x];
    return emit(b, k == SX_SOFTMAX ? TA_SOFTMAX : TA_LOGSOFTMAX, 0, x, x, X->rank, X->rows, X->cols);
  }
  case SX_XENT: return lower_xent(b, kidreg(b, id, 0), kidreg(b, id, 1));
  case SX_ONEHOT: return lower_onehot(b, kidreg(b, id, 0));
  default:
    if (sx_is_fn1(k)) return ew1(b, fn_op(k), kidreg(b, id, 0), 0);
    if (sx_is_fn2(k)) return ew(b, fn_op(k), kidreg(b, id, 0), kidreg(b, id, 1), sx_kind_name(k));
    return sx_error(S, SLOPE_ERRARG, "internal error: node kind %d has no array instruction", k), 0;
  }
}

/* Scalar constants known now, for index bounds: numbers, #x, and operators
** and functions of them. */
static void fold(abuild *b, sx_id id) {
  slope_ctx *S = b->S;
  int k = sx_kind(S, id);
  b->isc[id] = 0;
  if (k == SX_NUM) { b->isc[id] = 1; b->cv[id] = sx_num(S, id); return; }
  if (k == SX_LEN) { b->isc[id] = 1; b->cv[id] = b->A->reg[kidreg(b, id, 0)].rows; return; }
  if (k != SX_ADD && k != SX_MUL && k != SX_POW && !sx_is_fn1(k) && !sx_is_fn2(k)) return;
  for (uint32_t i = 0; i < sx_nkids(S, id); i++) if (!b->isc[sx_kid(S, id, i)]) return;
  b->isc[id] = 1;
  b->cv[id] = sx_eval_node(S, id, b->cv);
}

/* ---- finishing ------------------------------------------------------------------------------ */

static uint32_t root_of(const tp_arr *A, uint32_t r) { return A->reg[r].view ? A->reg[r].src : r; }

static int has_grad(const tp_arr *A, uint32_t r) { return A->reg[root_of(A, r)].grad; }

static void grad_flags(tp_arr *A, ta_ins *I) {
  int binary = I->op == TA_EW2 || I->op == TA_MATMUL;  /* no derivative through labels */
  I->gmask = (uint8_t)((I->op != TA_ONEHOT && has_grad(A, I->a) ? 1 : 0) |
                       (binary && has_grad(A, I->b) ? 2 : 0));
  A->reg[I->out].grad = I->gmask != 0;
}

/* Which registers carry a derivative, and which operands need adjoints, in
** the order of evaluation: pre, row, reductions, post. */
static void need_grad(tp_arr *A) {
  for (int i = 0; i < A->nparams; i++) A->reg[A->poff[i]].grad = 1;
  for (uint32_t i = 0; i < A->npre + A->nrow; i++) grad_flags(A, &A->ins[i]);
  for (uint32_t r = 0; r < A->nred; r++) {
    A->reg[A->red[r].out].grad = (uint8_t)has_grad(A, A->red[r].arg);
    if (A->reg[A->red[r].out].grad && A->reg[A->red[r].out].n > 1) A->twopass = 1;
  }
  for (uint32_t i = A->npre + A->nrow; i < A->npre + A->nrow + A->npost; i++) grad_flags(A, &A->ins[i]);
  for (uint32_t r = 0; r < A->nreg; r++)
    if (A->reg[r].view) A->reg[r].grad = A->reg[A->reg[r].src].grad;
}

typedef struct growbuf { uint32_t *p; uint32_t n, cap; } growbuf;

static int push(abuild *b, growbuf *g, uint32_t v) {
  if (!grow(b, (void **)&g->p, &g->cap, (size_t)g->n + 1, sizeof *g->p)) return SLOPE_ERRMEM;
  g->p[g->n++] = v;
  return SLOPE_OK;
}

/* Each reduction's backward sweep: the row instructions its argument depends
** on (through operands that carry derivatives), and the row registers whose
** adjoint blocks it clears. */
static int build_sweeps(abuild *b, tp_arr *A) {
  uint8_t *mark = calloc((size_t)A->nreg + 1, 1), *pr = calloc((size_t)A->nreg + 1, 1);
  growbuf sw = {0, 0, 0}, z = {0, 0, 0}, pread = {0, 0, 0};
  int rc = mark && pr ? SLOPE_OK : oom(b);
  const ta_ins *row = A->ins + A->npre;
  for (uint32_t r = 0; r < A->nred && rc == SLOPE_OK; r++) {
    ta_red *R = &A->red[r];
    R->sw0 = sw.n; R->z0 = z.n;
    if (!A->reg[R->arg].grad) continue;
    memset(mark, 0, A->nreg);
    mark[root_of(A, R->arg)] = 1;
    for (uint32_t i = A->nrow; i-- > 0 && rc == SLOPE_OK; ) {
      const ta_ins *I = &row[i];
      if (!mark[I->out] || !I->gmask) continue;
      rc = push(b, &sw, i);
      uint32_t opnd[2] = {I->a, I->b};
      for (int j = 0; j < 2; j++) {
        if (!(I->gmask & (1 << j))) continue;
        uint32_t s = root_of(A, opnd[j]);
        if (A->reg[s].row) mark[s] = 1;
        else if (!pr[s]) { pr[s] = 1; if (rc == SLOPE_OK) rc = push(b, &pread, s); }
      }
    }
    for (uint32_t q = 0; q < A->nreg && rc == SLOPE_OK; q++)
      if (mark[q] && A->reg[q].row && !A->reg[q].view && A->reg[q].col < 0) rc = push(b, &z, q);
    R->nsw = sw.n - R->sw0;
    R->nz = z.n - R->z0;
    /* collected last instruction first: the sweep runs them in this order */
  }
  A->sweep = sw.p; A->zreg = z.p; A->pread = pread.p; A->npread = pread.n;
  free(mark);
  free(pr);
  return rc;
}

/*
** Outside the row section an adjoint's first write assigns when it covers
** the whole register (element-wise instructions and sums of elements, not
** through a view); the registers first written otherwise, or never, are
** cleared per call.  Order of writes: the seed, post (last instruction
** first), the row section's partials, pre.
*/
typedef struct firsts { uint8_t *done; growbuf z; } firsts;

static int first_write(abuild *b, firsts *F, uint32_t reg, int can_set) {
  tp_arr *A = b->A;
  uint32_t s = root_of(A, reg);
  if (F->done[s]) return 0;
  F->done[s] = 1;
  if (can_set && !A->reg[reg].view) return 1;
  return push(b, &F->z, s) == SLOPE_OK ? 0 : -1;
}

static int set_flags_in(abuild *b, firsts *F, ta_ins *p, uint32_t n) {
  tp_arr *A = b->A;
  for (uint32_t i = n; i-- > 0; ) {
    ta_ins *I = &p[i];
    if (!I->gmask) continue;
    if (first_write(b, F, I->out, 0) < 0) return SLOPE_ERRMEM;   /* read before any write: zero */
    int can = I->op == TA_EW1 || I->op == TA_EW2 || I->op == TA_ESUM;
    uint32_t opnd[2] = {I->a, I->b};
    for (int j = 0; j < 2; j++) {
      if (!(I->gmask & (1 << j))) continue;
      int r = first_write(b, F, opnd[j], can);
      if (r < 0) return SLOPE_ERRMEM;
      if (r) I->smask |= (uint8_t)(1 << j);
    }
  }
  (void)A;
  return SLOPE_OK;
}

/*
** The only reader of x in x + y or x - y (outside the row section, same
** shape, not a parameter, not a view or viewed) shares the result's
** adjoint, which is then x's too: no copy.  Results first, so chains share.
*/
static int share(abuild *b, tp_arr *A, uint8_t *done) {
  uint32_t *use = readers(b);
  if (!use) return SLOPE_ERRMEM;
  for (int i = 0; i < A->nparams; i++) use[A->poff[i]] += 2;
  for (uint32_t i = A->npre + A->nrow + A->npost; i-- > 0; ) {
    if (i >= A->npre && i < A->npre + A->nrow) continue;
    ta_ins *I = &A->ins[i];
    if (I->op != TA_EW2 || (I->sub != TP_ADD && I->sub != TP_SUB) || I->a == I->b) continue;
    uint32_t opnd[2] = {I->a, I->b};
    for (int j = 0; j < (I->sub == TP_ADD ? 2 : 1); j++) {
      ta_reg *X = &A->reg[opnd[j]];
      if (!(I->gmask & (1 << j)) || X->view || X->n != A->reg[I->out].n || use[opnd[j]] != 1) continue;
      X->goff = A->reg[I->out].goff;
      I->smask |= (uint8_t)(4 << j);
      done[opnd[j]] = 1;   /* written when the result is */
    }
  }
  for (uint32_t r = 0; r < A->nreg; r++)
    if (A->reg[r].view) A->reg[r].goff = A->reg[A->reg[r].src].goff + A->reg[r].lo;
  free(use);
  return SLOPE_OK;
}

static int set_flags(abuild *b, tp_arr *A) {
  firsts F = {calloc((size_t)A->nreg + 1, 1), {0, 0, 0}};
  if (!F.done) return oom(b);
  if (share(b, A, F.done) != SLOPE_OK) { free(F.done); return SLOPE_ERRMEM; }
  int rc = first_write(b, &F, A->root, 1) < 0 ? SLOPE_ERRMEM : SLOPE_OK;
  if (rc == SLOPE_OK) rc = set_flags_in(b, &F, A->ins + A->npre + A->nrow, A->npost);
  for (uint32_t j = 0; j < A->npread && rc == SLOPE_OK; j++)
    if (first_write(b, &F, A->pread[j], 0) < 0) rc = SLOPE_ERRMEM;
  if (rc == SLOPE_OK) rc = set_flags_in(b, &F, A->ins, A->npre);
  for (int i = 0; i < A->nparams && rc == SLOPE_OK; i++)
    if (first_write(b, &F, A->poff[i], 0) < 0) rc = SLOPE_ERRMEM;
  A->zadj = F.z.p;
  A->nzadj = F.z.n;
  free(F.done);
  return rc == SLOPE_OK ? rc : oom(b);
}

/* Block size: 256 rows, halved while the blocks would not fit in 512 KiB. */
static uint32_t block_size(size_t nblocks) {
  uint32_t bs = 256;
  while (bs > 16 && nblocks * bs * sizeof(double) > (512u << 10)) bs /= 2;
  return bs;
}

/* Row blocks (values, adjoints, data columns' gather blocks), the scalar
** sections' values, adjoints and partials, and scratch: 4 blocks, or the
** longest register outside the row section. */
static int layout(abuild *b, tp_arr *A) {
  size_t nblocks = 0, nscratch = 0;
  for (uint32_t r = 0; r < A->nreg; r++) {
    const ta_reg *R = &A->reg[r];
    if (!R->row && R->n + 4 > nscratch) nscratch = R->n + 4;
    if (!R->row || R->view) continue;
    if (R->col >= 0) { nblocks += R->n; A->ncolreg++; }
    else nblocks += (size_t)R->n * (R->grad ? 2 : 1);
  }
  A->bs = block_size(nblocks + 4);
  if (nscratch < 4 * (size_t)A->bs) nscratch = 4 * (size_t)A->bs;
  size_t nred = A->nred ? A->nred : 1;
  /* blocks of rows, values, adjoints and each reduction's partials: memory, not address space */
  if (nblocks * A->bs + (nred + 2) * ((size_t)A->nval + 4) + nscratch > TA_MAX_TOTAL)
    return sx_error(b->S, SLOPE_ERRLIMIT, "the compiled arrays would hold more than %u doubles "
                    "(%zu blocks of %u rows, %zu values, %zu reductions)", TA_MAX_TOTAL, nblocks, A->bs,
                    (size_t)A->nval, (size_t)A->nred);
  A->pool = calloc(nblocks * A->bs + 1, sizeof *A->pool);
  A->val = calloc((size_t)A->nval + 4, sizeof *A->val);
  A->adj = calloc((size_t)A->nval + 4, sizeof *A->adj);
  A->part = calloc(A->nred ? nred * ((size_t)A->nval + 4) : 1, sizeof *A->part);   /* partials: per reduction */
  A->ep = calloc((size_t)A->nep + 1, sizeof *A->ep);
  A->gp = calloc((size_t)A->nep + 1, sizeof *A->gp);
  A->colreg = calloc((size_t)A->ncolreg + 1, sizeof *A->colreg);
  A->scratch = calloc(nscratch, sizeof *A->scratch);
  if (!A->scratch || !A->pool || !A->val || !A->adj || !A->part || !A->ep || !A->gp || !A->colreg)
    return oom(b);
  for (uint32_t i = 0; i < b->ninit; i++)
    for (uint32_t e = 0; e < b->init[i].n; e++) A->val[b->init[i].off + e] = b->init[i].v0 + e;
  double *p = A->pool;
  uint32_t c = 0;
  for (uint32_t r = 0; r < A->nreg; r++) {
    ta_reg *R = &A->reg[r];
    if (!R->row || R->view) continue;   /* a view's entries are its source's */
    if (R->col >= 0) {
      A->colreg[c++] = r;
      /* gather blocks, in the adjoint entries a data column does not need */
      for (uint32_t e = 0; e < R->n; e++, p += A->bs) A->ep[R->off + e] = A->gp[R->off + e] = p;
      continue;
    }
    for (uint32_t e = 0; e < R->n; e++, p += A->bs) A->ep[R->off + e] = p;
    if (R->grad) for (uint32_t e = 0; e < R->n; e++, p += A->bs) A->gp[R->off + e] = p;
  }
  return SLOPE_OK;
}

static uint32_t root_of(const tp_arr *A, uint32_t r);

/* ---- peephole: fuse, prune -------------------------------------------------------------- */

/* Readers of each register: instructions, views (of their source), reductions, the result. */
static uint32_t *readers(abuild *b) {
  tp_arr *A = b->A;
  uint32_t *use = calloc((size_t)A->nreg + 1, sizeof *use);
  if (!use) return oom(b), NULL;
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) {
      const ta_ins *I = &b->sec[s].p[i];
      use[I->a]++;
      if (I->b != I->a) use[I->b]++;
    }
  for (uint32_t r = 0; r < A->nreg; r++) if (A->reg[r].view) use[A->reg[r].src]++;
  for (uint32_t r = 0; r < A->nred; r++) use[A->red[r].arg]++;
  use[A->root]++;
  return use;
}

/*
** (a - b)^2 and (a + b)^2 become one instruction (least squares, Rosenbrock):
** one pass over the elements or rows instead of two, each way.  The inner
** result must have no other reader; it is then dead and pruned.
*/
static int fuse(abuild *b) {
  tp_arr *A = b->A;
  uint32_t *use = readers(b);
  ta_ins **def = calloc((size_t)A->nreg + 1, sizeof *def);
  if (!use || !def) { free(use); free(def); return oom(b); }
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) def[b->sec[s].p[i].out] = &b->sec[s].p[i];
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) {
      ta_ins *I = &b->sec[s].p[i], *D = def[I->a];
      if (I->op != TA_EW1 || I->sub != TP_SQR || !D || D->op != TA_EW2 || use[I->a] != 1 ||
          (D->sub != TP_SUB && D->sub != TP_ADD))
        continue;
      I->op = TA_EW2;
      I->sub = D->sub == TP_SUB ? TP_SQDIFF : TP_SQSUM;
      I->a = D->a;
      I->b = D->b;
    }
  free(use);
  free(def);
  return SLOPE_OK;
}

/* Drop instructions whose result nobody reads: lowering is greedy (the
** node -1*x of a - x is lowered, and the sum reads x). */
static int prune(abuild *b) {
  tp_arr *A = b->A;
  uint8_t *live = calloc((size_t)A->nreg + 1, 1);
  if (!live) return oom(b);
  live[root_of(A, A->root)] = 1;
  for (int s = POST; s >= PRE; s--) {
    if (s == ROW) for (uint32_t r = 0; r < A->nred; r++) live[root_of(A, A->red[r].arg)] = 1;
    insv *v = &b->sec[s];
    uint32_t keep = v->n;
    uint8_t *alive = calloc((size_t)v->n + 1, 1);
    if (!alive) { free(live); return oom(b); }
    for (uint32_t i = v->n; i-- > 0; ) {
      const ta_ins *I = &v->p[i];
      if (!live[I->out]) { keep--; continue; }
      alive[i] = 1;
      live[root_of(A, I->a)] = live[root_of(A, I->b)] = 1;
    }
    for (uint32_t i = 0, j = 0; i < v->n; i++) if (alive[i]) v->p[j++] = v->p[i];
    v->n = keep;
    free(alive);
  }
  free(live);
  return SLOPE_OK;
}

static int pack(abuild *b, tp_arr *A) {
  A->npre = b->sec[PRE].n;
  A->nrow = b->sec[ROW].n;
  A->npost = b->sec[POST].n;
  uint32_t n = A->npre + A->nrow + A->npost;
  A->ins = malloc(((size_t)n + 1) * sizeof *A->ins);
  if (!A->ins) return oom(b);
  uint32_t j = 0;
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) A->ins[j++] = b->sec[s].p[i];
  return SLOPE_OK;
}

/* The elements of the parameters (each gets its register now) or of the
** columns (each its first pointer in 'cols'; registers when used). */
static int elements(abuild *b, const char *const *names, const slope_shape *shapes, int n, int param,
                    int *total) {
  long limit = param ? SX_MAX_PARAMS : 64L * SX_MAX_COLS;
  *total = 0;
  for (int i = 0; i < n; i++) {
    int rank;
    uint32_t rows, cols;
    int rc = shape_of(b, shapes ? &shapes[i] : NULL, param ? "parameter" : "data column", names[i],
                      &rank, &rows, &cols);
    if (rc != SLOPE_OK) return rc;
    if (*total + (long)rows * cols > limit)
      return sx_error(b->S, SLOPE_ERRLIMIT, "slope_compile_shaped: at most %ld %s elements", limit,
                      param ? "parameter" : "data column");
    if (param) {
      b->A->poff[i] = new_reg(b, rank, rows, cols, 0);
      if (sx_failed(b->S)) return b->S->errcode;
    } else {
      b->colreg[i] = -1;
      b->coloff[i] = *total;
    }
    *total += (int)(rows * cols);
  }
  return SLOPE_OK;
}

/* The shapes the language gives the expression (shape.c, shared with the
** tree evaluator): mismatches and indices out of range are reported there
** with their position in the text.  The lowering checks again for itself. */
static int language_shapes(abuild *b, sx_id root) {
  slope_ctx *S = b->S;
  int n = b->np + b->nc, nv = 0;
  sx_id *vars = malloc(((size_t)n + 1) * sizeof *vars);
  sx_shape *vsh = malloc(((size_t)n + 1) * sizeof *vsh), *out = malloc(((size_t)S->nnodes + 1) * sizeof *out);
  int rc = vars && vsh && out ? SLOPE_OK : oom(b);
  for (int i = 0; i < n && rc == SLOPE_OK; i++) {
    const char *name = i < b->np ? b->params[i] : b->cols[i - b->np];
    const slope_shape *sh = i < b->np ? (b->pshape ? &b->pshape[i] : NULL) : (b->cshape ? &b->cshape[i - b->np] : NULL);
    size_t len = strlen(name);
    if (!sx_valid_name(name, len) || sx_fn_lookup(name, len) || strcmp(name, "pi") == 0) continue;   /* not in any text */
    int rank;
    uint32_t rows, cols;
    if ((rc = shape_of(b, sh, i < b->np ? "parameter" : "data column", name, &rank, &rows, &cols)) != SLOPE_OK) break;
    vars[nv] = sx_mkvar(S, name, len);
    vsh[nv++] = (sx_shape){(uint8_t)rank, rows, cols};
    if (sx_failed(S)) rc = S->errcode;
  }
  if (rc == SLOPE_OK) rc = sx_infer(S, root, vars, vsh, nv, out, NULL);
  free(vars);
  free(vsh);
  free(out);
  return rc;
}

static int ta_build(abuild *b, tp_arr *A, sx_id root) {
  slope_ctx *S = b->S;
  int rc = language_shapes(b, root);
  if (rc != SLOPE_OK) return rc;
  rc = sx_reach(S, root);
  if (rc != SLOPE_OK) return rc;
  size_t nn = S->nnodes;
  b->nids = S->norder;
  b->ids = malloc((size_t)b->nids * sizeof *b->ids);
  b->reg = malloc(nn * sizeof *b->reg);
  b->isc = malloc(nn);
  b->cv = malloc(nn * sizeof *b->cv);
  b->colreg = malloc(((size_t)b->nc + 1) * sizeof *b->colreg);
  b->coloff = malloc(((size_t)b->nc + 1) * sizeof *b->coloff);
  A->poff = malloc(((size_t)b->np + 1) * sizeof *A->poff);
  if (!b->ids || !b->reg || !b->isc || !b->cv || !b->colreg || !b->coloff || !A->poff) return oom(b);
  memcpy(b->ids, S->order, (size_t)b->nids * sizeof *b->ids);
  A->count = UINT32_MAX;
  if ((rc = elements(b, b->params, b->pshape, b->np, 1, &A->npoint)) != SLOPE_OK ||
      (rc = elements(b, b->cols, b->cshape, b->nc, 0, &A->ncolptr)) != SLOPE_OK)
    return rc;
  for (uint32_t j = 0; j < b->nids && !sx_failed(S); j++) {
    sx_id id = b->ids[j];
    b->reg[id] = lower_node(b, id);
    if (!sx_failed(S)) fold(b, id);
  }
  if (sx_failed(S)) return S->errcode;
  A->root = b->reg[root];
  const ta_reg *R = &A->reg[A->root];
  if (R->row)
    return sx_error(S, SLOPE_ERRARG, "a data column is used outside mean/sum (the value differs per row)");
  if (R->rank) {
    char s[48];
    shape_text(s, sizeof s, R);
    return sx_node_error(S, root, SLOPE_ERRARG, "the compiled expression must be a scalar, not a %s", s);
  }
  if ((rc = fuse(b)) != SLOPE_OK || (rc = prune(b)) != SLOPE_OK || (rc = pack(b, A)) != SLOPE_OK)
    return rc;
  need_grad(A);
  if ((rc = build_sweeps(b, A)) != SLOPE_OK || (rc = set_flags(b, A)) != SLOPE_OK) return rc;
  return layout(b, A);
}

int ta_compile(slope_tape *T, sx_id e, const char *const *params, const slope_shape *pshape,
               int np, const char *const *cols, const slope_shape *cshape, int nc) {
  tp_arr *A = calloc(1, sizeof *A);
  if (!A) return sx_error(T->S, SLOPE_ERRMEM, "out of memory");
  T->arr = A;
  A->nparams = np;
  abuild b;
  memset(&b, 0, sizeof b);
  b.S = T->S;
  b.A = A;
  b.params = params;
  b.cols = cols;
  b.pshape = pshape;
  b.cshape = cshape;
  b.np = np;
  b.nc = nc;
  int rc = ta_build(&b, A, e);
  free(b.ids); free(b.reg); free(b.isc); free(b.cv); free(b.post); free(b.init);
  free(b.colreg); free(b.coloff);
  for (int s = PRE; s <= POST; s++) free(b.sec[s].p);
  if (rc == SLOPE_OK) {
    T->nparams = A->npoint;
    T->ncols = A->ncolptr;
    T->has_reduce = A->count != UINT32_MAX;
  }
  return rc;
}

void ta_free(tp_arr *A) {
  if (!A) return;
  free(A->reg); free(A->ins); free(A->red); free(A->sweep); free(A->zreg);
  free(A->pread); free(A->zadj); free(A->val); free(A->adj); free(A->part); free(A->ep); free(A->gp);
  free(A->pool); free(A->colreg); free(A->poff); free(A->scratch);
  free(A);
}

static int is_array_kind(int k) { return k >= SX_INDEX && k < SX_NKINDS; }

int ta_needed(slope_ctx *S, sx_id e, const slope_shape *pshape, int np,
              const slope_shape *cshape, int nc) {
  for (int i = 0; pshape && i < np; i++) if (pshape[i].rank != 0) return 1;
  for (int j = 0; cshape && j < nc; j++) if (cshape[j].rank != 0) return 1;
  if (sx_reach(S, e) != SLOPE_OK) return 0;
  for (uint32_t j = 0; j < S->norder; j++) if (is_array_kind(sx_kind(S, S->order[j]))) return 1;
  return 0;
}

int ta_unbound_column(const slope_tape *T, const double *const *cols) {
  const tp_arr *A = T->arr;
  for (uint32_t c = 0; c < A->ncolreg; c++) {
    const ta_reg *R = &A->reg[A->colreg[c]];
    for (uint32_t e = 0; e < R->n; e++) if (!cols[R->col + (int32_t)e]) return R->col + (int32_t)e;
  }
  return -1;
}
