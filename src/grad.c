/*
** grad.c -- symbolic reverse mode: the gradient of a scalar expression with
** respect to an array name, as ONE array expression (d dot(w, x)/dw = x,
** d sum(w^2)/dw = 2*w), never one expression per element.
**
** Only ranks matter here (scalar, vector, matrix), not lengths: a length
** the gradient needs is written as one (#x, #transpose(W)), so the printed
** gradient of N-dimensional Rosenbrock is the same for every N.  A name's
** rank is the caller's, or implied by its use (x[i], #x, dot(x, y), A @ v,
** softmax(z) ...), else scalar.
**
** The adjoint of a node may be a scalar standing for the same value in
** every element (the adjoint of w^2 in sum(w^2) is 1); the rules that need
** the elements themselves (slices, matrix products) spell it out.  A scalar
** broadcast against an array gets the sum of its adjoint.
**
** Reductions over data rows (sum or mean of a scalar) are differentiated
** by a pass of their own from their argument, per row, whose result is
** reduced over the rows again: sum/mean for a scalar gradient, sum_rows/
** mean_rows for an array one (sum and mean of an array reduce its elements).
*/
#include <stdlib.h>
#include <string.h>

#include "expr.h"

#define UNKNOWN 255u

/*
** Per-node values (ranks, adjoints, marks) live in small hash tables keyed
** by node id rather than in arrays as long as the context's store, so a
** gradient costs what its expression costs, however many nodes the context
** holds; they also take the nodes the passes build.
*/
typedef struct nodemap {
  sx_id *key;        /* SX_NIL: a free slot */
  uint32_t *val;
  uint32_t cap, n;   /* cap a power of two, at most half full */
} nodemap;

static uint32_t nm_get(const nodemap *m, sx_id id, uint32_t absent) {
  for (uint32_t h = (id * 2654435761u) & (m->cap - 1);; h = (h + 1) & (m->cap - 1)) {
    if (m->key[h] == id) return m->val[h];
    if (m->key[h] == SX_NIL) return absent;
  }
}

static void nm_free(nodemap *m) {
  free(m->key);
  free(m->val);
  m->key = NULL;
  m->val = NULL;
}

/* An empty table for about 'expect' ids; 0 (and nothing to free) without memory. */
static int nm_init(nodemap *m, uint32_t expect) {
  m->cap = 16;
  while (m->cap < 2 * expect + 2) m->cap *= 2;
  m->n = 0;
  m->key = calloc(m->cap, sizeof *m->key);
  m->val = malloc(m->cap * sizeof *m->val);
  if (m->key && m->val) return 1;
  nm_free(m);
  return 0;
}

/* Sets id's value; 0 when memory runs out (the context's error is set). */
static int nm_set(slope_ctx *S, nodemap *m, sx_id id, uint32_t v) {
  if (2 * (m->n + 1) > m->cap) {
    nodemap big;
    if (!nm_init(&big, m->cap)) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
    for (uint32_t i = 0; i < m->cap; i++)
      if (m->key[i] != SX_NIL) nm_set(S, &big, m->key[i], m->val[i]);
    nm_free(m);
    *m = big;
  }
  uint32_t h = (id * 2654435761u) & (m->cap - 1);
  while (m->key[h] != SX_NIL && m->key[h] != id) h = (h + 1) & (m->cap - 1);
  if (m->key[h] == SX_NIL) m->n++;
  m->key[h] = id;
  m->val[h] = v;
  return 1;
}

typedef struct grad {
  slope_ctx *S;
  sx_id var;
  nodemap rank;      /* by node id; absent (UNKNOWN) until asked for */
  int inrows;        /* in the pass of a reduction over rows */
} grad;

static int known_rank(const grad *G, sx_id id) { return (int)nm_get(&G->rank, id, UNKNOWN); }

static int rank_of(grad *G, sx_id id);

/* The rank of node 'id' from its children's. */
static int node_rank(grad *G, sx_id id) {
  slope_ctx *S = G->S;
  int k = sx_kind(S, id), r = 0;
  uint32_t n = sx_nkids(S, id);
  switch (k) {
  case SX_NUM: case SX_VAR: return 0;   /* names without a rank are scalars */
  case SX_SUM: case SX_MEAN: case SX_INDEX: case SX_LEN: case SX_DOT: case SX_AMAX:
  case SX_NORM: case SX_LOGSUMEXP: case SX_XENT: return 0;
  case SX_SLICE: case SX_RANGE: case SX_PAD: case SX_ONEHOT: return 1;
  case SX_SOFTMAX: case SX_LOGSOFTMAX: return 1;
  case SX_OUTER: return 2;
  case SX_TRANSPOSE: case SX_SUMROWS: case SX_MEANROWS: return rank_of(G, sx_kid(S, id, 0));
  case SX_MATMUL:
    return rank_of(G, sx_kid(S, id, 0)) == 2 && rank_of(G, sx_kid(S, id, 1)) == 2 ? 2 : 1;
  default:   /* element-wise: the largest rank of the children */
    for (uint32_t i = 0; i < n; i++) {
      int ri = rank_of(G, sx_kid(S, id, i));
      if (ri > r) r = ri;
    }
    return r;
  }
}

/* Memoized by node id, the nodes the passes build included. */
static int rank_of(grad *G, sx_id id) {
  int r = known_rank(G, id);
  if (r != (int)UNKNOWN) return r;
  r = node_rank(G, id);
  nm_set(G->S, &G->rank, id, (uint32_t)r);
  return r;
}

/* What the use of child 'i' of node 'id' implies for the rank of a name. */
static int implied(grad *G, sx_id id, uint32_t i) {
  slope_ctx *S = G->S;
  switch (sx_kind(S, id)) {
  case SX_INDEX: return i == 0 ? (int)sx_nkids(S, id) - 1 : 0;
  case SX_SLICE: case SX_PAD: case SX_LEN: case SX_SOFTMAX: case SX_LOGSOFTMAX:
  case SX_LOGSUMEXP: case SX_AMAX: case SX_NORM: case SX_XENT: return i == 0;
  case SX_DOT: case SX_OUTER: return 1;
  case SX_TRANSPOSE: return 2;
  case SX_MATMUL: {   /* A @ v unless the left one is known to be a vector */
    sx_id a = sx_kid(S, id, 0);
    if (i == 0) return 2;
    return sx_kind(S, a) == SX_VAR && known_rank(G, a) == 1 ? 2 : 1;
  }
  default: return 0;
  }
}

/* Whether kind 'k' works element by element (its rank is its children's). */
static int elementwise(int k) {
  return k == SX_ADD || k == SX_MUL || k == SX_POW || sx_is_fn1(k) || sx_is_fn2(k);
}

/*
** A use that needs an array (dot(a*z, y), softmax(a*z)) of an element-wise
** expression: the names below it, through element-wise operations, whose
** rank nobody gave are arrays of rank 'r' -- all but 'var' (a name
** differentiated for stays a scalar unless its use says otherwise), and
** 'var' only when no other name could be (dot(2*w, x) with respect to w).
** A node seen in the current walk (its mark in 'seen' is the walk's number)
** is not walked twice.
*/
typedef struct naming {
  nodemap given;   /* names whose rank the caller gave */
  nodemap seen;    /* by node id: the last walk that saw it */
  uint32_t walk;
} naming;

static int imply_below(grad *G, naming *N, sx_id n, int r, int with_var) {
  slope_ctx *S = G->S;
  if (nm_get(&N->seen, n, 0) == N->walk || !nm_set(S, &N->seen, n, N->walk)) return 0;
  int k = sx_kind(S, n), marked = 0;
  if (k == SX_VAR) {
    if (nm_get(&N->given, n, 0) || (n == G->var && !with_var)) return 0;
    if (r > known_rank(G, n)) nm_set(S, &G->rank, n, (uint32_t)r);
    return 1;
  }
  if (!elementwise(k)) return 0;
  for (uint32_t i = 0; i < sx_nkids(S, n); i++) marked += imply_below(G, N, sx_kid(S, n, i), r, with_var);
  return marked;
}

static void imply(grad *G, naming *N, sx_id n, int r) {
  N->walk++;
  if (imply_below(G, N, n, r, 0)) return;
  N->walk++;
  imply_below(G, N, n, r, 1);
}

/* Ranks of every node below 'e' (the last walk lists them): the caller's
** for its names, else implied by use, else scalar. */
static void rank_names(grad *G, const sx_id *vars, const int *vrank, int nv) {
  slope_ctx *S = G->S;
  naming N = {.walk = 0};
  if (!nm_init(&N.given, (uint32_t)nv) || !nm_init(&N.seen, S->norder)) {
    nm_free(&N.given);
    nm_free(&N.seen);
    sx_error(S, SLOPE_ERRMEM, "out of memory");
    return;
  }
  for (int i = nv; i-- > 0;)   /* a name given twice: the first one */
    if (vars[i] != SX_NIL && vars[i] < S->nnodes && sx_kind(S, vars[i]) == SX_VAR)
      if (!nm_set(S, &G->rank, vars[i], (uint32_t)vrank[i]) || !nm_set(S, &N.given, vars[i], 1)) break;
  for (uint32_t j = 0; j < S->norder && !sx_failed(S); j++) {
    sx_id id = S->order[j];
    if (sx_kind(S, id) == SX_VAR) {
      if (!nm_get(&N.given, id, 0)) nm_set(S, &G->rank, id, 0);
      continue;
    }
    for (uint32_t i = 0; i < sx_nkids(S, id); i++) {
      sx_id k = sx_kid(S, id, i);
      int r = implied(G, id, i);
      if (r == 0) continue;
      if (sx_kind(S, k) == SX_VAR && !nm_get(&N.given, k, 0) && r > known_rank(G, k)) nm_set(S, &G->rank, k, (uint32_t)r);
      else if (elementwise(sx_kind(S, k))) imply(G, &N, k, r);
    }
  }
  nm_free(&N.given);
  nm_free(&N.seen);
}

/* ---- building adjoints ------------------------------------------------------ */

/* A node of the same shape as 'n' to take lengths from: down element-wise
** operations to the child that gave 'n' its rank (b + w -> w). */
static sx_id representative(grad *G, sx_id n) {
  slope_ctx *S = G->S;
  int r = rank_of(G, n);
  for (;;) {
    int k = sx_kind(S, n);
    if (!(k == SX_ADD || k == SX_MUL || k == SX_POW || sx_is_fn1(k) || sx_is_fn2(k))) return n;
    sx_id next = SX_NIL;
    for (uint32_t i = 0; i < sx_nkids(S, n) && !next; i++)
      if (rank_of(G, sx_kid(S, n, i)) == r) next = sx_kid(S, n, i);
    if (!next) return n;
    n = next;
  }
}

/* The length (rows) of array node 'n' and its columns, as expressions: of
** the representative, and of a matrix product's factors (#(A @ x) is #A). */
static sx_id dim_of(grad *G, sx_id n, int cols) {
  slope_ctx *S = G->S;
  n = representative(G, n);
  if (sx_kind(S, n) == SX_MATMUL) {
    sx_id a = sx_kid(S, n, 0), b = sx_kid(S, n, 1);
    int left = rank_of(G, a) == 2 && !cols;   /* rows of A @ . are A's */
    if (left || rank_of(G, b) == 2) return dim_of(G, left ? a : b, !left);
  }
  return sx_len(S, cols ? sx_transpose(S, n) : n);
}

static sx_id len_of(grad *G, sx_id n) { return dim_of(G, n, 0); }

/* The number of elements of array node 'n' as an expression (#w, #W*#transpose(W)). */
static sx_id size_of(grad *G, sx_id n) {
  sx_id rows = len_of(G, n);
  return rank_of(G, n) == 2 ? sx_mul(G->S, rows, dim_of(G, n, 1)) : rows;
}

/* step(range(1, n)): n ones, which no simplification folds away. */
static sx_id ones(slope_ctx *S, sx_id n) {
  sx_id r = sx_range(S, sx_mknum(S, 1), n);
  return sx_apply(S, SX_STEP, &r, 1);
}

/* Adjoint 'g' of array node 'n' with its elements spelled out: a scalar g
** times ones of n's shape. */
static sx_id spelled(grad *G, sx_id g, sx_id n) {
  slope_ctx *S = G->S;
  int r = rank_of(G, n);
  if (rank_of(G, g) == r) return g;
  sx_id rows = ones(S, len_of(G, n));
  if (r == 1) return sx_mul(S, g, rows);
  return sx_mul(S, g, sx_outer(S, rows, ones(S, dim_of(G, n, 1))));
}

/* A contribution 'c' to the adjoint of child 'k' of element-wise node 'n':
** a scalar broadcast to n's shape gets the sum over the elements. */
static sx_id unbroadcast(grad *G, sx_id c, sx_id k, sx_id n) {
  slope_ctx *S = G->S;
  if (c == SX_NIL || rank_of(G, k) != 0 || rank_of(G, n) == 0) return c;
  if (rank_of(G, c) > 0) return sx_apply(S, SX_SUM, &c, 1);
  return sx_mul(S, c, size_of(G, n));
}

typedef struct adjoints {
  nodemap adj;      /* by node id of the pass's walk: the adjoint so far */
  nodemap has;      /* by node id: 1 when 'var' is below */
  sx_id result;     /* the gradient so far */
} adjoints;

static void give(grad *G, adjoints *A, sx_id k, sx_id c) {
  if (c == SX_NIL || !nm_get(&A->has, k, 0) || sx_is_num(G->S, c, 0)) return;
  sx_id old = nm_get(&A->adj, k, SX_NIL);
  nm_set(G->S, &A->adj, k, old ? sx_add(G->S, old, c) : c);
}

static sx_id pass(grad *G, sx_id root, sx_id seed);

/* sum/mean over rows of scalar 'u', or sum_rows/mean_rows of array 'u',
** contributing g * reduce(d u) to the result. */
static void rows(grad *G, adjoints *A, sx_id id, sx_id g) {
  slope_ctx *S = G->S;
  int k = sx_kind(S, id), mean = k == SX_MEAN || k == SX_MEANROWS;
  sx_id u = sx_kid(S, id, 0);
  if (G->inrows) {
    sx_error(S, SLOPE_ERRARG, "mean/sum cannot be nested");
    return;
  }
  G->inrows = 1;
  /* a scalar's pass starts at 1 and is scaled after: g may hold reductions */
  int scalar = k == SX_SUM || k == SX_MEAN;
  sx_id d = pass(G, u, scalar ? sx_mknum(S, 1) : g);
  G->inrows = 0;
  if (d == SX_NIL || sx_is_num(S, d, 0)) return;
  int kind = rank_of(G, d) > 0 ? (mean ? SX_MEANROWS : SX_SUMROWS) : (mean ? SX_MEAN : SX_SUM);
  sx_id r = sx_apply(S, kind, &d, 1);
  if (scalar) r = sx_mul(S, g, r);
  A->result = sx_add(S, A->result, r);
}

static void matmul(grad *G, adjoints *A, sx_id id, sx_id g) {
  slope_ctx *S = G->S;
  sx_id a = sx_kid(S, id, 0), b = sx_kid(S, id, 1), gm = spelled(G, g, id);
  int ra = rank_of(G, a), rb = rank_of(G, b);
  if (ra == 2 && rb == 1) {
    give(G, A, a, sx_outer(S, gm, b));
    give(G, A, b, sx_matmul(S, gm, a));
  } else if (ra == 1 && rb == 2) {
    give(G, A, a, sx_matmul(S, b, gm));
    give(G, A, b, sx_outer(S, a, gm));
  } else if (ra == 2 && rb == 2) {
    give(G, A, a, sx_matmul(S, gm, sx_transpose(S, b)));
    give(G, A, b, sx_matmul(S, sx_transpose(S, a), gm));
  } else {
    sx_error(S, SLOPE_ERRARG, "'@' needs a matrix and a vector or two matrices (of ranks %d and %d)", ra, rb);
  }
}

/* The adjoints of the children of array node 'id' given its adjoint g. */
static void array_rule(grad *G, adjoints *A, sx_id id, sx_id g) {
  slope_ctx *S = G->S;
  int k = sx_kind(S, id);
  sx_id a = sx_kid(S, id, 0), b = sx_nkids(S, id) > 1 ? sx_kid(S, id, 1) : SX_NIL;
  sx_id one = sx_mknum(S, 1);
  switch (k) {
  case SX_INDEX: {
    sx_id hot = sx_apply(S, SX_ONEHOT, (sx_id[]){b, len_of(G, a)}, 2);
    if (sx_nkids(S, id) == 3) {
      sx_id j = sx_kid(S, id, 2);
      hot = sx_outer(S, hot, sx_apply(S, SX_ONEHOT, (sx_id[]){j, dim_of(G, a, 1)}, 2));
    }
    give(G, A, a, sx_mul(S, g, hot));
    return;
  }
  case SX_SLICE: {   /* zeros before and after: pad(g, lo - 1, #v - hi) */
    sx_id hi = sx_kid(S, id, 2);
    give(G, A, a, sx_pad(S, spelled(G, g, id), sx_sub(S, b, one), sx_sub(S, len_of(G, a), hi)));
    return;
  }
  case SX_PAD:
    give(G, A, a, rank_of(G, g) == 0 ? g : sx_slice(S, g, sx_add(S, b, one), sx_add(S, b, len_of(G, a))));
    return;
  case SX_DOT:
    give(G, A, a, sx_mul(S, g, b));
    give(G, A, b, sx_mul(S, g, a));
    return;
  case SX_MATMUL: matmul(G, A, id, g); return;
  case SX_OUTER:
    if (rank_of(G, g) == 2) {
      give(G, A, a, sx_matmul(S, g, b));
      give(G, A, b, sx_matmul(S, a, g));
    } else {
      give(G, A, a, sx_mul(S, g, sx_apply(S, SX_SUM, &b, 1)));
      give(G, A, b, sx_mul(S, g, sx_apply(S, SX_SUM, &a, 1)));
    }
    return;
  case SX_TRANSPOSE: give(G, A, a, sx_transpose(S, g)); return;
  case SX_AMAX: {   /* 1 at the largest elements: 1 - step(max(v) - v) */
    sx_id below = sx_sub(S, id, a);
    give(G, A, a, sx_mul(S, g, sx_sub(S, one, sx_apply(S, SX_STEP, &below, 1))));
    return;
  }
  case SX_NORM: give(G, A, a, sx_mul(S, g, sx_div(S, a, id))); return;
  case SX_LOGSUMEXP: give(G, A, a, sx_mul(S, g, sx_apply(S, SX_SOFTMAX, &a, 1))); return;
  case SX_SOFTMAX: {   /* s*(g - dot(g, s)) */
    sx_id gs = rank_of(G, g) ? sx_mkdot(S, g, id) : sx_mul(S, g, sx_apply(S, SX_SUM, &id, 1));
    give(G, A, a, sx_mul(S, id, sx_sub(S, g, gs)));
    return;
  }
  case SX_LOGSOFTMAX: {   /* g - softmax(v)*sum(g) */
    sx_id sum = rank_of(G, g) ? sx_apply(S, SX_SUM, &g, 1) : sx_mul(S, g, len_of(G, a));
    give(G, A, a, sx_sub(S, g, sx_mul(S, sx_apply(S, SX_SOFTMAX, &a, 1), sum)));
    return;
  }
  case SX_XENT: {   /* softmax(z) - onehot(k, #z); the label has no derivative */
    sx_id hot = sx_apply(S, SX_ONEHOT, (sx_id[]){b, len_of(G, a)}, 2);
    give(G, A, a, sx_mul(S, g, sx_sub(S, sx_apply(S, SX_SOFTMAX, &a, 1), hot)));
    return;
  }
  case SX_SUMROWS: case SX_MEANROWS: rows(G, A, id, g); return;
  default: return;   /* lengths, ranges, onehot: constant */
  }
}

/* The adjoints of the children of node 'id' given its adjoint g. */
static void rule(grad *G, adjoints *A, sx_id id, sx_id g) {
  slope_ctx *S = G->S;
  int k = sx_kind(S, id);
  uint32_t n = sx_nkids(S, id);
  sx_id zero = sx_mknum(S, 0);
  if (sx_is_array_kind(k)) { array_rule(G, A, id, g); return; }
  if (k == SX_SUM || k == SX_MEAN) {
    sx_id u = sx_kid(S, id, 0);
    if (rank_of(G, u) == 0) { rows(G, A, id, g); return; }
    give(G, A, u, k == SX_SUM ? g : sx_div(S, g, size_of(G, u)));   /* of the elements */
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    sx_id kid = sx_kid(S, id, i), c = SX_NIL;
    if (!nm_get(&A->has, kid, 0)) continue;
    if (k == SX_ADD) c = g;
    else if (k == SX_MUL) {
      sx_id local[16], *f = n <= 16 ? local : malloc(n * sizeof *f);
      if (!f) { sx_error(S, SLOPE_ERRMEM, "out of memory"); return; }
      for (uint32_t j = 0; j < n; j++) f[j] = j == i ? g : sx_kid(S, id, j);
      c = sx_muln(S, f, n);
      if (f != local) free(f);
    } else if (k == SX_POW) {
      c = sx_dpow(S, id, sx_kid(S, id, 0), sx_kid(S, id, 1), i == 0 ? g : zero, i == 1 ? g : zero);
    } else {   /* functions: their differential with this child's d set to g */
      sx_id b = n > 1 ? sx_kid(S, id, 1) : SX_NIL;
      c = sx_dfn(S, k, id, sx_kid(S, id, 0), b, i == 0 ? g : zero, n > 1 ? (i == 1 ? g : zero) : SX_NIL);
    }
    give(G, A, kid, unbroadcast(G, c, kid, id));
  }
}

/* The gradient with respect to G->var of 'root' whose adjoint is 'seed'. */
static sx_id pass(grad *G, sx_id root, sx_id seed) {
  slope_ctx *S = G->S;
  if (sx_reach(S, root) != SLOPE_OK) return SX_NIL;
  uint32_t n = S->norder;
  adjoints A = {.result = sx_mknum(S, 0)};
  sx_id *list = malloc((size_t)(n ? n : 1) * sizeof *list);
  if (!nm_init(&A.adj, n) || !nm_init(&A.has, n) || !list) {
    sx_error(S, SLOPE_ERRMEM, "out of memory");
    n = 0;
  } else memcpy(list, S->order, (size_t)n * sizeof *list);
  for (uint32_t j = 0; j < n; j++) {   /* which nodes have 'var' below them */
    sx_id id = list[j];
    int has = id == G->var;
    for (uint32_t i = 0; i < sx_nkids(S, id) && !has && sx_kind(S, id) != SX_VAR; i++)
      has = (int)nm_get(&A.has, sx_kid(S, id, i), 0);
    if (has && !nm_set(S, &A.has, id, 1)) n = 0;
  }
  if (n && nm_get(&A.has, root, 0)) nm_set(S, &A.adj, root, seed);
  for (uint32_t j = n; j-- > 0 && !sx_failed(S);) {
    sx_id id = list[j], g = nm_get(&A.adj, id, SX_NIL);
    if (!g) continue;
    if (id == G->var) A.result = sx_add(S, A.result, g);
    else rule(G, &A, id, g);
  }
  sx_id r = sx_failed(S) ? SX_NIL : A.result;
  nm_free(&A.adj);
  nm_free(&A.has);
  free(list);
  return r;
}

sx_id sx_grad(slope_ctx *S, sx_id e, sx_id var, const sx_id *vars, const int *vrank, int nv) {
  if (e == SX_NIL || var == SX_NIL || sx_failed(S)) return SX_NIL;
  if (sx_kind(S, var) != SX_VAR)
    return sx_error(S, SLOPE_ERRARG, "can only differentiate with respect to a variable"), SX_NIL;
  if (sx_reach(S, e) != SLOPE_OK) return SX_NIL;
  grad G = {.S = S, .var = var};
  if (!nm_init(&G.rank, S->norder)) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
  rank_names(&G, vars, vrank, nv);
  int arrays = 0;   /* any array below e: reverse mode */
  for (uint32_t j = 0; j < S->norder; j++) {
    sx_id id = S->order[j];
    arrays |= rank_of(&G, id) > 0 || sx_is_array_kind(sx_kind(S, id));
  }
  sx_id r;
  if (!sx_reached(S, var)) r = sx_mknum(S, 0);
  else if (rank_of(&G, var) == 0 && (!arrays || rank_of(&G, e) > 0)) r = sx_diff(S, e, var);
  else if (rank_of(&G, e) > 0) {
    sx_error(S, SLOPE_ERRARG, "the derivative of an array with respect to an array (a Jacobian) "
             "is not supported: differentiate a sum or one element");
    r = SX_NIL;
  }
  else r = pass(&G, e, sx_mknum(S, 1));
  nm_free(&G.rank);
  return r;
}
