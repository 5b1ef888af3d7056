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

const sx_fninfo *sx_fn_lookup(const char *name, size_t len) {
  for (const sx_fninfo *f = sx_functions; f->name; f++)
    if (strlen(f->name) == len && memcmp(f->name, name, len) == 0) return f;
  return NULL;
}

const char *sx_kind_name(int kind) {
  if (kind == SX_POW) return "pow";
  for (const sx_fninfo *f = sx_functions; f->name; f++)
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

/* Double the hash table and reinsert every node. */
static int rehash(slope_ctx *S) {
  uint32_t cap = S->captable * 2;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
  for (uint32_t id = 1; id < S->nnodes; id++) {
    uint32_t i = S->nodes[id].hash & (cap - 1);
    while (t[i]) i = (i + 1) & (cap - 1);
    t[i] = id;
  }
  free(S->table);
  S->table = t;
  S->captable = cap;
  return 1;
}

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
  if (S->nnodes >= S->maxnodes)
    return sx_error(S, SLOPE_ERRLIMIT, "too many expression nodes (limit %u)",
                    (unsigned)S->maxnodes), SX_NIL;
  if (!grow(S, (void **)&S->nodes, &S->capnodes, S->nnodes + 1, sizeof *S->nodes)) return SX_NIL;
  if (nk && kids >= S->kids && kids < S->kids + S->capkids && S->nkids + nk > S->capkids) {
    /* 'kids' points into the child array that is about to move: copy it first */
    sx_id local[16], *copy = nk <= 16 ? local : malloc(nk * sizeof *copy);
    if (!copy) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
    memcpy(copy, kids, nk * sizeof *copy);
    sx_id r = intern(S, kind, copy, nk, num, name, len);
    if (copy != local) free(copy);
    return r;
  }
  sx_node *n = &S->nodes[S->nnodes];
  memset(n, 0, sizeof *n);
  n->kind = (uint8_t)kind;
  n->hash = h;
  n->depth = depth;
  n->num = num;
  if (kind == SX_VAR) {
    if (!grow(S, (void **)&S->names, &S->capnames, S->nnames + (uint32_t)len + 1, 1)) return SX_NIL;
    n->kids = S->nnames;
    memcpy(S->names + S->nnames, name, len);
    S->names[S->nnames + len] = '\0';
    S->nnames += (uint32_t)len + 1;
  } else if (nk) {
    if (!grow(S, (void **)&S->kids, &S->capkids, S->nkids + nk, sizeof *S->kids)) return SX_NIL;
    n->kids = S->nkids;
    n->nkids = nk;
    memcpy(S->kids + S->nkids, kids, nk * sizeof *kids);
    S->nkids += nk;
  }
  n->deg = degree_of(S, kind, kids, nk);
  sx_id id = S->nnodes++;
  S->table[i] = id;
  if (2 * S->nnodes > S->captable && !rehash(S)) return SX_NIL;
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

int sx_is_num(const slope_ctx *S, sx_id e, double v) {
  return S->nodes[e].kind == SX_NUM && S->nodes[e].num == v;
}

/* ---- canonical order ------------------------------------------------------ */

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
  if (x->kind == SX_VAR) return strcmp(S->names + x->kids, S->names + y->kids);
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

int sx_reach(slope_ctx *S, sx_id e) {
  uint32_t need = 2 * (e + 1);
  if (need > S->capmemo) {
    uint32_t *m = realloc(S->memo, (size_t)need * sizeof *m);
    if (!m) return sx_error(S, SLOPE_ERRMEM, "out of memory");
    S->memo = m;
    S->capmemo = need;
  }
  uint32_t *mark = S->memo;
  memset(mark, 0, (size_t)(e + 1) * sizeof *mark);
  mark[e] = 1;
  for (sx_id id = e; id > 0; id--) {
    if (!mark[id]) continue;
    const sx_node *n = &S->nodes[id];
    if (n->kind == SX_VAR) continue;
    for (uint32_t i = 0; i < n->nkids; i++) mark[S->kids[n->kids + i]] = 1;
  }
  return SLOPE_OK;
}

int sx_has(slope_ctx *S, sx_id e, sx_id var) {
  if (var > e) return 0;   /* a child is always older than its parents */
  if (sx_reach(S, e) != SLOPE_OK) return 0;
  return S->memo[var] != 0;
}
