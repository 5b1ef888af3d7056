/*
** expr.c -- the hash-consed DAG: node storage, interning, the function table,
** canonical order, and the leaf constructors.  The simplifying constructors
** for sums, products and powers live in simplify.c.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* ---- the function table -------------------------------------------------- */

/* Every row of functions.h (ORDER FN), then the names of other kinds. */
const sx_fninfo sx_functions[] = {
#define X(NAME, name, ar, ...) {name, SX_##NAME, ar},
  SX_FUNCTIONS(X)
#undef X
  {"sqrt", SX_POW, 1}, {"pow", SX_POW, 2},
  {"sum", SX_SUM, 1}, {"mean", SX_MEAN, 1},
  {NULL, 0, 0}
};

/* The functions of arrays: a table of their own, so slope_function_at
** still lists the scalar functions of two arguments at most.  'max' with
** one argument is the largest element; range and pad are what indexed
** sums and the adjoints of slices print as; sum_rows and mean_rows reduce
** over the data rows keeping the shape (the gradient of a mean of per-row
** losses with respect to an array: sum and mean of an array reduce its
** elements). */
const sx_fninfo sx_array_functions[] = {
  {"dot", SX_DOT, 2}, {"outer", SX_OUTER, 2}, {"matmul", SX_MATMUL, 2},
  {"transpose", SX_TRANSPOSE, 1}, {"max", SX_AMAX, 1}, {"norm", SX_NORM, 1},
  {"softmax", SX_SOFTMAX, 1}, {"log_softmax", SX_LOGSOFTMAX, 1},
  {"logsumexp", SX_LOGSUMEXP, 1}, {"cross_entropy", SX_XENT, 2},
  {"onehot", SX_ONEHOT, 2}, {"range", SX_RANGE, 2}, {"pad", SX_PAD, 3},
  {"sum_rows", SX_SUMROWS, 1}, {"mean_rows", SX_MEANROWS, 1},
  {NULL, 0, 0}
};

static const sx_fninfo *lookup_in(const sx_fninfo *t, const char *name, size_t len, int nargs) {
  const sx_fninfo *any = NULL;
  if (len == 0) return NULL;
  for (const sx_fninfo *f = t; f->name; f++)   /* the first letter first: every new name asks */
    if (f->name[0] == name[0] && strlen(f->name) == len && memcmp(f->name, name, len) == 0) {
      if (nargs < 0 || f->arity == nargs) return f;
      if (!any) any = f;
    }
  return any;
}

const sx_fninfo *sx_fn_lookup_n(const char *name, size_t len, int nargs) {
  const sx_fninfo *f = lookup_in(sx_functions, name, len, nargs);
  if (f && (nargs < 0 || f->arity == nargs)) return f;
  const sx_fninfo *g = lookup_in(sx_array_functions, name, len, nargs);
  if (g && (nargs < 0 || g->arity == nargs)) return g;
  return f ? f : g;
}

const sx_fninfo *sx_fn_lookup(const char *name, size_t len) { return sx_fn_lookup_n(name, len, -1); }

const char *sx_kind_name(int kind) {
  if (kind == SX_POW) return "pow";
  for (const sx_fninfo *f = sx_functions; f->name; f++)
    if (f->kind == kind) return f->name;
  for (const sx_fninfo *f = sx_array_functions; f->name; f++)
    if (f->kind == kind) return f->name;
  return NULL;
}

double sx_fn_eval(int kind, double a, double b) {
  switch (kind) {
  case SX_ADD: return a + b;
  case SX_MUL: return a * b;
  case SX_POW: return pow(a, b);
#define X(NAME, name, ar, VALUE, ...) case SX_##NAME: return (VALUE);
  SX_FUNCTIONS(X)   /* ORDER FN */
#undef X
  default: return NAN;
  }
}

/* ---- interning ------------------------------------------------------------ */

static uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
  return h;
}

/* MurmurHash3's finalizer: every input bit affects every output bit, so
** linear probing sees no clusters (small integers differ only in high bits). */
static uint32_t fmix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static uint32_t hash_num(double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  return fmix(mix(mix(SX_NUM, (uint32_t)bits), (uint32_t)(bits >> 32)));
}

static uint32_t hash_name(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return fmix(mix(SX_VAR, h));
}

static uint32_t hash_kids(int kind, const sx_id *kids, uint32_t n) {
  uint32_t h = mix((uint32_t)kind, n);
  for (uint32_t i = 0; i < n; i++) h = mix(h, kids[i]);
  return fmix(h);
}

static int grow(slope_ctx *S, void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return 1;
  uint32_t c = *cap;
  while (c < need) {
    if (c > UINT32_MAX / 2) return sx_error(S, SLOPE_ERRLIMIT, "expression store is full"), 0;
    c *= 2;
  }
  void *q = realloc(*p, (size_t)c * elem);
  if (!q) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
  *p = q;
  *cap = c;
  return 1;
}

/* Insert every node in use into the empty table 't' of 'cap' slots. */
static void fill_table(const slope_ctx *S, uint32_t *t, uint32_t cap) {
  for (uint32_t id = 1; id < S->nnodes; id++) {
    if (S->nodes[id].kind == SX_FREE) continue;
    uint32_t i = S->nodes[id].hash & (cap - 1);
    while (t[i]) i = (i + 1) & (cap - 1);
    t[i] = id;
  }
}

/* Double the hash table and reinsert every node. */
static int rehash(slope_ctx *S) {
  uint32_t cap = S->captable * 2;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
  fill_table(S, t, cap);
  free(S->table);
  S->table = t;
  S->captable = cap;
  return 1;
}

static int renumber(slope_ctx *S);

static int same(const slope_ctx *S, const sx_node *n, int kind, const sx_id *kids,
                uint32_t nk, double num, const char *name, size_t len) {
  if (n->kind != kind) return 0;
  if (kind == SX_NUM) return memcmp(&n->num, &num, sizeof num) == 0;
  if (kind == SX_VAR)
    return strncmp(S->names + n->kids, name, len) == 0 && S->names[n->kids + len] == '\0';
  return n->nkids == nk && memcmp(S->kids + n->kids, kids, nk * sizeof *kids) == 0;
}

static double degree_of(const slope_ctx *S, int kind, const sx_id *k, uint32_t n) {
  double d = 0;
  switch (kind) {
  case SX_NUM: return 0;
  case SX_VAR: return 1;
  case SX_ADD:
    d = S->nodes[k[0]].deg;
    for (uint32_t i = 1; i < n; i++) if (S->nodes[k[i]].deg > d) d = S->nodes[k[i]].deg;
    return d;
  case SX_MUL:
    for (uint32_t i = 0; i < n; i++) d += S->nodes[k[i]].deg;
    return d;
  case SX_POW:
    if (S->nodes[k[1]].kind == SX_NUM) return S->nodes[k[0]].deg * S->nodes[k[1]].num;
    return S->nodes[k[0]].deg;
  case SX_SUM: case SX_MEAN: return S->nodes[k[0]].deg;
  default: return 1;
  }
}

/*
** Find or create the node (kind, kids | num | name).  Every node goes
** through here, which is what makes equal expressions one node.
*/
static sx_id intern(slope_ctx *S, int kind, const sx_id *kids, uint32_t nk,
                    double num, const char *name, size_t len) {
  if (sx_failed(S)) return SX_NIL;
  uint32_t h = kind == SX_NUM ? hash_num(num)
             : kind == SX_VAR ? hash_name(name, len) : hash_kids(kind, kids, nk);
  uint32_t mask = S->captable - 1, i = h & mask;
  for (uint32_t id; (id = S->table[i]) != 0; i = (i + 1) & mask)
    if (S->nodes[id].hash == h && same(S, &S->nodes[id], kind, kids, nk, num, name, len))
      return id;
  uint32_t depth = 0;
  for (uint32_t j = 0; j < nk; j++)
    if (S->nodes[kids[j]].depth + 1 > depth) depth = S->nodes[kids[j]].depth + 1;
  if (depth > SX_MAX_EXPR_DEPTH)
    return sx_error(S, SLOPE_ERRLIMIT, "expression nested too deeply (depth limit %d)",
                    SX_MAX_EXPR_DEPTH), SX_NIL;
  if (!S->freelist && S->nnodes >= S->maxnodes)
    return sx_error(S, SLOPE_ERRLIMIT, "too many expression nodes (limit %u)",
                    (unsigned)S->maxnodes), SX_NIL;
  if (!grow(S, (void **)&S->nodes, &S->capnodes, S->nnodes + 1, sizeof *S->nodes)) return SX_NIL;
  if (!grow(S, (void **)&S->refs, &S->caprefs, S->capnodes, sizeof *S->refs)) return SX_NIL;
  if (S->born == UINT32_MAX && !renumber(S)) return SX_NIL;
  if (nk && kids >= S->kids && kids < S->kids + S->capkids && S->nkids + nk > S->capkids) {
    /* 'kids' points into the child array that is about to move: copy it first */
    sx_id local[16], *copy = nk <= 16 ? local : malloc(nk * sizeof *copy);
    if (!copy) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
    memcpy(copy, kids, nk * sizeof *copy);
    sx_id r = intern(S, kind, copy, nk, num, name, len);
    if (copy != local) free(copy);
    return r;
  }
  if (kind == SX_VAR && !grow(S, (void **)&S->names, &S->capnames, S->nnames + (uint32_t)len + 1, 1))
    return SX_NIL;
  if (nk && !grow(S, (void **)&S->kids, &S->capkids, S->nkids + nk, sizeof *S->kids)) return SX_NIL;
  /* a reclaimed id first, so a long session's store stays the size of what is live */
  sx_id id = S->freelist ? S->freelist : S->nnodes;
  sx_node *n = &S->nodes[id];
  if (S->freelist) { S->freelist = n->kids; S->nfree--; }
  else S->nnodes++;
  memset(n, 0, sizeof *n);
  n->kind = (uint8_t)kind;
  n->hash = h;
  n->depth = depth;
  n->born = S->born++;
  n->num = num;
  S->refs[id] = 0;
  if (kind == SX_VAR) {
    n->kids = S->nnames;
    memcpy(S->names + S->nnames, name, len);
    S->names[S->nnames + len] = '\0';
    S->nnames += (uint32_t)len + 1;
  } else if (nk) {
    n->kids = S->nkids;
    n->nkids = nk;
    memcpy(S->kids + S->nkids, kids, nk * sizeof *kids);
    S->nkids += nk;
  }
  n->deg = degree_of(S, kind, kids, nk);
  S->table[i] = id;
  if (2 * (S->nnodes - S->nfree) > S->captable && !rehash(S)) return SX_NIL;
  return id;
}

sx_id sx_intern(slope_ctx *S, int kind, const sx_id *kids, uint32_t n) {
  return intern(S, kind, kids, n, 0, NULL, 0);
}

/* ---- leaves --------------------------------------------------------------- */

sx_id sx_mknum(slope_ctx *S, double v) {
  if (!isfinite(v))
    return sx_error(S, SLOPE_ERRARG, "number %g is not finite", v), SX_NIL;
  if (v == 0) v = 0;   /* one zero: -0 and +0 are the same constant */
  return intern(S, SX_NUM, NULL, 0, v, NULL, 0);
}

int sx_valid_name(const char *s, size_t len) {
  if (len == 0 || len > SX_MAX_NAME) return 0;
  if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return 0;
  for (size_t i = 1; i < len; i++) {
    char c = s[i];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return 0;
  }
  return 1;
}

sx_id sx_mkvar(slope_ctx *S, const char *name, size_t len) {
  if (!sx_valid_name(name, len))
    return sx_error(S, SLOPE_ERRARG,
                    "'%.*s' is not a valid variable name (letters, digits and _, "
                    "not starting with a digit, at most 255 characters)",
                    (int)(len > 64 ? 64 : len), name), SX_NIL;
  if (sx_fn_lookup(name, len) || (len == 2 && memcmp(name, "pi", 2) == 0))
    return sx_error(S, SLOPE_ERRARG, "'%.*s' is a function or constant, not a variable name",
                    (int)len, name), SX_NIL;
  return intern(S, SX_VAR, NULL, 0, 0, name, len);
}

int sx_check_handle(slope_ctx *S, sx_id e, const char *fn) {
  if (sx_live(S, e)) return 1;
  if (e == SX_NIL) sx_failed_arg(S);
  else sx_misuse(S, fn, "invalid expression handle %u: not an expression (not a node of this context%s)", (unsigned)e,
                 e < S->nnodes ? ": reclaimed by slope_collect" : "");
  return 0;
}

int sx_is_num(const slope_ctx *S, sx_id e, double v) {
  return S->nodes[e].kind == SX_NUM && S->nodes[e].num == v;
}

/* ---- canonical order ------------------------------------------------------ */

int sx_name_order(const char *a, const char *b) {
  const char *a0 = a, *b0 = b;
  while (*a && *b) {
    if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
      while (*a == '0') a++;   /* the numbers' values: x2 before x10 */
      while (*b == '0') b++;
      size_t la = 0, lb = 0;
      while (a[la] >= '0' && a[la] <= '9') la++;
      while (b[lb] >= '0' && b[lb] <= '9') lb++;
      if (la != lb) return la < lb ? -1 : 1;
      int c = strncmp(a, b, la);
      if (c) return c;
      a += la;
      b += lb;
      continue;
    }
    if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
    a++;
    b++;
  }
  if (*a || *b) return *a ? 1 : -1;
  return strcmp(a0, b0);   /* x01 and x1: equal numbers, still two names */
}

/* Rank of a kind in the order of factors: numbers, names, products, powers,
** functions, reductions, sums ('2*x*y^2*sin(x)*(a + b)'). */
static int rank(int kind) {
  switch (kind) {
  case SX_NUM: return 0;
  case SX_VAR: return 1;
  case SX_MUL: return 2;
  case SX_POW: return 3;
  case SX_SUM: case SX_MEAN: return 5;
  case SX_ADD: return 6;
  default: return 4;
  }
}

int sx_compare(const slope_ctx *S, sx_id a, sx_id b) {
  if (a == b) return 0;
  const sx_node *x = &S->nodes[a], *y = &S->nodes[b];
  if (rank(x->kind) != rank(y->kind)) return rank(x->kind) - rank(y->kind);
  if (x->kind != y->kind) return x->kind - y->kind;
  /* shallower first: two deep chains then differ at once instead of after
  ** a walk down both (differentiating sin(sin(...(x)))) was cubic in depth) */
  if (x->depth != y->depth) return x->depth < y->depth ? -1 : 1;
  if (x->kind == SX_NUM) return x->num < y->num ? -1 : 1;
  if (x->kind == SX_VAR) return sx_name_order(S->names + x->kids, S->names + y->kids);
  uint32_t n = x->nkids < y->nkids ? x->nkids : y->nkids;
  for (uint32_t i = 0; i < n; i++) {
    int c = sx_compare(S, S->kids[x->kids + i], S->kids[y->kids + i]);
    if (c) return c;
  }
  return (int)x->nkids - (int)y->nkids;
}

double sx_degree(const slope_ctx *S, sx_id e) { return S->nodes[e].deg; }

double sx_eval_node(const slope_ctx *S, sx_id id, const double *v) {
  const sx_node *nd = sx_node_of(S, id);
  if (nd->kind == SX_ADD || nd->kind == SX_MUL) {
    double r = v[sx_kid(S, id, 0)];
    for (uint32_t i = 1; i < nd->nkids; i++) r = sx_fn_eval(nd->kind, r, v[sx_kid(S, id, i)]);
    return r;
  }
  return sx_fn_eval(nd->kind, v[sx_kid(S, id, 0)], nd->nkids > 1 ? v[sx_kid(S, id, 1)] : 0);
}

/* ---- walking -------------------------------------------------------------- */

/* A fresh stamp for a walk; the marks are cleared only when it wraps. */
static void next_epoch(slope_ctx *S) {
  if (S->epoch >= UINT32_MAX - 3) {
    memset(S->mark, 0, (size_t)S->capmark * sizeof *S->mark);
    S->epoch = 0;
  }
  S->epoch += 2;
}

/* Scratch of at least 'n' entries; the old contents are kept. */
static int scratch(slope_ctx *S, void **p, uint32_t *cap, uint32_t n, size_t elem) {
  if (n <= *cap) return 1;
  uint32_t c = *cap ? *cap : 64;
  while (c < n) c = c > UINT32_MAX / 2 ? n : 2 * c;
  void *q = realloc(*p, (size_t)c * elem);
  if (!q) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
  *p = q;
  *cap = c;
  return 1;
}

/* Marks and memo slots for every node id. */
static int walk_scratch(slope_ctx *S) {
  uint32_t old = S->capmark;
  if (!scratch(S, (void **)&S->mark, &S->capmark, S->nnodes, sizeof *S->mark)) return 0;
  memset(S->mark + old, 0, (size_t)(S->capmark - old) * sizeof *S->mark);
  return scratch(S, (void **)&S->memo, &S->capmemo, S->nnodes, sizeof *S->memo);
}

/* Order the (born, id) pairs of S->sortbuf[0, n) by birth: a radix sort on
** the stamp's bytes, skipping a byte all pairs share (usually the high
** ones), so ordering costs a few passes over the list, not n log n calls.
** Birth stamps are unique, so ordering the whole pairs is the same order. */
static int sort_by_birth(slope_ctx *S, uint32_t n) {
  if (n <= 32) {   /* a small expression: insertion sort beats clearing 257 counters four times */
    uint64_t *a = S->sortbuf;
    for (uint32_t i = 1; i < n; i++) {
      uint64_t v = a[i];
      uint32_t j = i;
      for (; j > 0 && a[j - 1] > v; j--) a[j] = a[j - 1];
      a[j] = v;
    }
    return 1;
  }
  if (!scratch(S, (void **)&S->sorttmp, &S->capsorttmp, n, sizeof *S->sorttmp)) return 0;
  for (int shift = 32; shift < 64; shift += 8) {
    uint32_t at[257] = {0};
    const uint64_t *a = S->sortbuf;
    for (uint32_t i = 0; i < n; i++) at[((a[i] >> shift) & 255) + 1]++;
    if (n == 0 || at[((a[0] >> shift) & 255) + 1] == n) continue;
    for (int k = 0; k < 256; k++) at[k + 1] += at[k];
    for (uint32_t i = 0; i < n; i++) S->sorttmp[at[(a[i] >> shift) & 255]++] = a[i];
    uint64_t *t = S->sortbuf;
    uint32_t c = S->capsort;
    S->sortbuf = S->sorttmp, S->capsort = S->capsorttmp;
    S->sorttmp = t, S->capsorttmp = c;
  }
  return 1;
}

/* Stamp every node reachable from the roots r[0, n) with the current epoch,
** and list them in S->sortbuf as (born, id): an explicit stack, since an
** expression may be SX_MAX_EXPR_DEPTH deep.  Returns how many, or -1. */
static int64_t stamp_from(slope_ctx *S, const sx_id *r, uint32_t n) {
  uint32_t top = 0, found = 0;   /* the stack is S->order, the found nodes S->sortbuf */
  for (uint32_t j = 0; j < n; j++) {
    if (S->mark[r[j]] == S->epoch) continue;
    S->mark[r[j]] = S->epoch;
    if (!scratch(S, (void **)&S->order, &S->caporder, top + 1, sizeof *S->order)) return -1;
    S->order[top++] = r[j];
    while (top) {
      sx_id id = S->order[--top];
      const sx_node *nd = &S->nodes[id];
      if (!scratch(S, (void **)&S->sortbuf, &S->capsort, found + 1, sizeof *S->sortbuf)) return -1;
      S->sortbuf[found++] = (uint64_t)nd->born << 32 | id;
      if (nd->kind == SX_VAR || nd->kind == SX_NUM) continue;
      if (!scratch(S, (void **)&S->order, &S->caporder, top + nd->nkids, sizeof *S->order)) return -1;
      for (uint32_t i = 0; i < nd->nkids; i++) {
        sx_id k = S->kids[nd->kids + i];
        if (S->mark[k] == S->epoch) continue;
        S->mark[k] = S->epoch;
        S->order[top++] = k;
      }
    }
  }
  return found;
}

int sx_reach(slope_ctx *S, sx_id e) { return sx_reach_all(S, &e, 1); }

int sx_reach_all(slope_ctx *S, const sx_id *roots, uint32_t nroots) {
  S->norder = 0;
  if (!walk_scratch(S)) return SLOPE_ERRMEM;
  next_epoch(S);
  int64_t n = stamp_from(S, roots, nroots);
  if (n < 0 || !scratch(S, (void **)&S->order, &S->caporder, (uint32_t)n, sizeof *S->order))
    return SLOPE_ERRMEM;
  if (!sort_by_birth(S, (uint32_t)n)) return SLOPE_ERRMEM;
  for (uint32_t i = 0; i < n; i++) S->order[i] = (uint32_t)S->sortbuf[i];
  S->norder = (uint32_t)n;
  return SLOPE_OK;
}

int sx_has(slope_ctx *S, sx_id e, sx_id var) {
  if (sx_reach(S, e) != SLOPE_OK) return 0;
  return sx_reached(S, var);
}

/* ---- reclaiming ------------------------------------------------------------ */

void slope_keep(slope_ctx *S, slope_expr e) {
  if (S && sx_live(S, e) && S->refs[e] < UINT32_MAX) S->refs[e]++;
}

void slope_release(slope_ctx *S, slope_expr e) {
  if (S && sx_live(S, e) && S->refs[e] > 0) S->refs[e]--;
}

size_t slope_nodes(const slope_ctx *S) { return S ? S->nnodes - 1 - S->nfree : 0; }

/* Birth stamps ran out (after 4e9 nodes): number the live nodes again from
** 1 in the same order. */
static int renumber(slope_ctx *S) {
  uint32_t n = 0;
  if (!scratch(S, (void **)&S->sortbuf, &S->capsort, S->nnodes, sizeof *S->sortbuf)) return 0;
  for (sx_id id = 1; id < S->nnodes; id++)
    if (S->nodes[id].kind != SX_FREE) S->sortbuf[n++] = (uint64_t)S->nodes[id].born << 32 | id;
  if (!sort_by_birth(S, n)) return 0;
  for (uint32_t i = 0; i < n; i++) S->nodes[(uint32_t)S->sortbuf[i]].born = i + 1;
  S->born = n + 1;
  return 1;
}

/* Move the children of the live nodes to the front of a fresh array;
** without memory the old one stays, which is only larger. */
static void compact(slope_ctx *S) {
  uint32_t nk = 0;
  for (sx_id id = 1; id < S->nnodes; id++)
    if (S->nodes[id].kind != SX_FREE && S->nodes[id].kind != SX_VAR) nk += S->nodes[id].nkids;
  uint32_t *kids = malloc((size_t)(nk ? nk : 1) * sizeof *kids);
  if (!kids) return;
  nk = 0;
  for (sx_id id = 1; id < S->nnodes; id++) {
    sx_node *n = &S->nodes[id];
    if (n->kind == SX_FREE || n->kind == SX_VAR || !n->nkids) continue;
    memcpy(kids + nk, S->kids + n->kids, n->nkids * sizeof *kids);
    n->kids = nk;
    nk += n->nkids;
  }
  free(S->kids);
  S->kids = kids;
  S->nkids = nk;
  S->capkids = nk ? nk : 1;
}

size_t slope_collect(slope_ctx *S) {
  if (!S || !walk_scratch(S)) return 0;
  /* the roots: every kept node */
  uint32_t nroots = 0;
  for (sx_id id = 1; id < S->nnodes; id++)
    if (S->refs[id] && S->nodes[id].kind != SX_FREE) {
      if (!scratch(S, (void **)&S->memo, &S->capmemo, nroots + 1, sizeof *S->memo)) return 0;
      S->memo[nroots++] = id;
    }
  next_epoch(S);
  if (stamp_from(S, S->memo, nroots) < 0) return 0;
  S->norder = 0;   /* the walk lists are spent */
  size_t freed = 0;
  for (sx_id id = S->nnodes - 1; id > 0; id--) {   /* downward: low ids are reused first */
    sx_node *n = &S->nodes[id];
    /* names stay: a borrowed name ('slope_vars') outlives a collection */
    if (n->kind == SX_FREE || n->kind == SX_VAR || S->mark[id] == S->epoch) continue;
    n->kind = SX_FREE;
    n->nkids = 0;
    n->kids = S->freelist;
    S->freelist = id;
    S->nfree++;
    freed++;
  }
  if (freed) {
    compact(S);
    memset(S->table, 0, (size_t)S->captable * sizeof *S->table);
    fill_table(S, S->table, S->captable);
  }
  S->gclive = (uint32_t)slope_nodes(S);
  return freed;
}

size_t slope_collect_step(slope_ctx *S) {
  if (!S) return 0;
  size_t n = slope_nodes(S);
  if (n < SX_GC_MIN || n < 2 * (size_t)S->gclive) return 0;
  return slope_collect(S);
}
