/*
** tape.c -- compiling an expression DAG to a tape (see tape.h).
**
** 'classify' puts every reachable node in a section (pre, row or post) and
** reports misplaced columns, unknown names and nested reductions.  'lower'
** walks the nodes in the order sx_reach lists them (children first) and
** emits instructions: n-ary sums and products become chains, a term -1*t
** becomes SUB, a factor b^-1 becomes DIV, numeric powers become SQR, SQRT, RECIP, POWI or POWK, and the
** row-independent operands of a row sum or product are combined once per
** call in 'pre' instead of once per row.  Lowering is greedy, so 'prune'
** drops what nobody reads; 'fuse' merges a few common pairs into one
** instruction, and a second prune drops their leftovers.  'finish' decides
** which registers need adjoints, builds each reduction's backward sweep over
** the row section and lays out the memory; nothing is allocated per call.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "vmath.h"
#include "suggest.h"
#include "tape.h"
#include "tape_array.h"

enum { PRE, ROW, POST, MIXED };          /* node classes; MIXED is an error */
#define RB 0x80000000u                   /* register bit: a row register */
#define NONE 0xffffffffu
#define TP_MAX_POWI 16                   /* x^n by multiplication for |n| <= this */

typedef struct insvec { tp_ins *p; uint32_t n, cap; } insvec;
typedef struct item { uint32_t reg; int inv; int cls; } item;

typedef struct build {
  slope_ctx *S;
  const char *const *params, *const *cols;
  int np, nc;
  sx_id root;
  sx_id *ids;                /* the nodes reachable from root, children first */
  uint32_t nids;
  uint8_t *cls;              /* per node id (sized to the store, set before read) */
  uint32_t *reg;             /* per node id: its register (RB for row) */
  sx_id *colvar;             /* per node id: a column a row node reads */
  insvec sec[3];             /* pre, row, post */
  uint32_t nsreg, nrreg;
  double *cval;              /* constant values by scalar register (NAN: none) */
  uint32_t capcval;
  int32_t *rcol;             /* row register -> column index, -1 if computed */
  uint32_t caprcol;
  tp_red *red;
  uint32_t nred, capred;
  int has_reduce;
} build;

static int oom(build *b) { return sx_error(b->S, SLOPE_ERRMEM, "out of memory"); }

int tp_grow(void **p, uint32_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 1;
  if (need > 0x7fffffffu) return 0;
  uint32_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = realloc(*p, (size_t)c * elem);
  if (!q) return 0;
  *p = q;
  *cap = c;
  return 1;
}

static int grow(build *b, void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (tp_grow(p, cap, need, elem)) return 1;
  oom(b);
  return 0;
}

/* ---- registers and instructions ------------------------------------------ */

static uint32_t new_sreg(build *b) {
  uint32_t r = b->nsreg++;
  if (!grow(b, (void **)&b->cval, &b->capcval, b->nsreg, sizeof *b->cval)) return 0;
  b->cval[r] = NAN;
  return r;
}

static uint32_t new_rreg(build *b, int32_t col) {
  uint32_t r = b->nrreg++;
  if (!grow(b, (void **)&b->rcol, &b->caprcol, b->nrreg, sizeof *b->rcol)) return 0;
  b->rcol[r] = col;
  return r | RB;
}

/* Append 'op' to a section; returns the new output register. */
static uint32_t emit(build *b, int sec, int op, uint32_t a, uint32_t bb, double k) {
  if (sx_failed(b->S)) return 0;
  insvec *v = &b->sec[sec];
  if (!grow(b, (void **)&v->p, &v->cap, v->n + 1, sizeof *v->p)) return 0;
  tp_ins I;
  memset(&I, 0, sizeof I);
  I.op = (uint8_t)op;
  I.a = a;
  I.b = tp_is_binary(op) ? bb : a;
  I.c = a;
  I.k = k;
  I.out = sec == ROW ? new_rreg(b, -1) : new_sreg(b);
  v->p[v->n++] = I;
  return I.out;
}

/* ---- classification --------------------------------------------------------- */

/* Index of a name among the parameters, then the columns; -1 if neither. */
static int lookup(const build *b, const char *name) {
  for (int i = 0; i < b->np; i++) if (strcmp(b->params[i], name) == 0) return i;
  for (int j = 0; j < b->nc; j++) if (strcmp(b->cols[j], name) == 0) return b->np + j;
  return -1;
}

static int outside_error(build *b, sx_id id) {
  return sx_error(b->S, SLOPE_ERRARG, "data column '%s' is used outside mean/sum",
                  sx_name(b->S, b->colvar[id]));
}

/* "unknown name 'z': not a parameter (w, b) or data column (x, y); did you mean 'w'?" */
static int unknown_name(build *b, const char *name) {
  char params[160], cols[160], hint[SX_HINT_CAP];
  size_t len = strlen(name);
  int best = SX_SUGGEST_START;
  const char *near = sx_nearest_of(name, len, b->params, (size_t)b->np, &best);
  const char *col = sx_nearest_of(name, len, b->cols, (size_t)b->nc, &best);
  /* e^x from mathematics or another language: slope has no constant e */
  const char *tail = strcmp(name, "e") == 0 ? "; if e is Euler's number, write exp(x) for e^x"
                                            : sx_hint(hint, col ? col : near);
  return sx_error(b->S, SLOPE_ERRNAME, "unknown name '%s': not a parameter (%s) or data column (%s)%s", name,
                  sx_name_list(params, sizeof params, b->params, (size_t)b->np),
                  sx_name_list(cols, sizeof cols, b->cols, (size_t)b->nc), tail);
}

/*
** Sections follow from the children: a column makes a node ROW, a reduction
** makes it POST.  ROW and POST meeting in one node is a column outside its
** reduction (MIXED), unless a reduction encloses it, which is nesting.
*/
static int classify(build *b) {
  slope_ctx *S = b->S;
  for (uint32_t j = 0; j < b->nids; j++)
    if (sx_kind(S, b->ids[j]) == SX_VAR && lookup(b, sx_name(S, b->ids[j])) < 0)
      return unknown_name(b, sx_name(S, b->ids[j]));
  for (uint32_t j = 0; j < b->nids; j++) {
    sx_id id = b->ids[j];
    int k = sx_kind(S, id), c = PRE;
    b->colvar[id] = 0;
    if (k == SX_VAR) {
      if (lookup(b, sx_name(S, id)) >= b->np) { c = ROW; b->colvar[id] = id; }
    } else if (sx_is_reduce(k)) {
      int kc = b->cls[sx_kid(S, id, 0)];
      if (kc == POST || kc == MIXED)
        return sx_error(S, SLOPE_ERRARG, "mean/sum cannot be nested");
      c = POST;
    } else {
      int row = 0, post = 0;
      for (uint32_t i = 0; i < sx_nkids(S, id); i++) {
        sx_id kid = sx_kid(S, id, i);
        int kc = b->cls[kid];
        if (b->colvar[kid] && !b->colvar[id]) b->colvar[id] = b->colvar[kid];
        row |= kc == ROW || kc == MIXED;
        post |= kc == POST || kc == MIXED;
      }
      c = row && post ? MIXED : row ? ROW : post ? POST : PRE;
    }
    b->cls[id] = (uint8_t)c;
  }
  if (b->cls[b->root] == ROW || b->cls[b->root] == MIXED) return outside_error(b, b->root);
  return SLOPE_OK;
}

/* ---- lowering --------------------------------------------------------------- */

/*
** acc = it[0] (+|-) it[1] ... for sums, or acc = it[0] (*|/) it[1] ... for
** products, starting from the first term that is not negated (inverted) so
** that a - b costs one SUB and a / b one DIV.
*/
static uint32_t chain(build *b, int sec, const item *it, uint32_t n, int add) {
  uint32_t p = 0, acc;
  while (p < n && it[p].inv) p++;
  if (p == n) {
    p = 0;
    acc = emit(b, sec, add ? TP_NEG : TP_RECIP, it[0].reg, 0, 0);
  } else {
    acc = it[p].reg;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (i == p) continue;
    int op = add ? (it[i].inv ? TP_SUB : TP_ADD) : (it[i].inv ? TP_DIV : TP_MUL);
    acc = emit(b, sec, op, acc, it[i].reg, 0);
  }
  return acc;
}

/*
** Items of class below 'sec' are combined first, in 'pre', into one item put
** last, so a row chain meets them once as a broadcast scalar.
*/
static uint32_t split_chain(build *b, int sec, item *main, uint32_t nm, item *low,
                            uint32_t nl, int add, int neg) {
  if (nl >= 2 || (nl == 1 && neg)) {
    uint32_t r = chain(b, PRE, low, nl, add);
    if (neg) r = emit(b, PRE, TP_NEG, r, 0, 0);
    neg = 0;
    low[0] = (item){r, 0, PRE};
    nl = 1;
  }
  if (nl) {   /* second, so that 'w*x + b' can become one multiply-add */
    uint32_t at = nm ? 1 : 0;
    memmove(main + at + 1, main + at, (nm - at) * sizeof *main);
    main[at] = low[0];
    nm++;
  }
  uint32_t acc = chain(b, sec, main, nm, add);
  return neg ? emit(b, sec, TP_NEG, acc, 0, 0) : acc;
}

static int is_recip(const slope_ctx *S, sx_id f) {
  return sx_kind(S, f) == SX_POW && sx_is_num(S, sx_kid(S, f, 1), -1);
}

/* The product of 'n' factors in section 'sec'; a -1 coefficient becomes NEG. */
static uint32_t lower_product(build *b, int sec, const sx_id *f, uint32_t n) {
  slope_ctx *S = b->S;
  item *main = malloc(2 * (size_t)n * sizeof *main);
  if (!main) return oom(b), 0;
  item *low = main + n;
  uint32_t nm = 0, nl = 0;
  int neg = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (sx_is_num(S, f[i], -1)) { neg ^= 1; continue; }
    sx_id base = is_recip(S, f[i]) ? sx_kid(S, f[i], 0) : f[i];
    item it = {b->reg[base], base != f[i], b->cls[base]};
    if (it.cls < sec) low[nl++] = it; else main[nm++] = it;
  }
  uint32_t r = split_chain(b, sec, main, nm, low, nl, 0, neg);
  free(main);
  return r;
}

static int is_negated(const slope_ctx *S, sx_id t) {
  return sx_kind(S, t) == SX_MUL && sx_is_num(S, sx_kid(S, t, 0), -1);
}

static uint32_t lower_sum(build *b, sx_id id) {
  slope_ctx *S = b->S;
  uint32_t n = sx_nkids(S, id);
  int sec = b->cls[id];
  item *main = malloc(2 * (size_t)n * sizeof *main);
  if (!main) return oom(b), 0;
  item *low = main + n;
  uint32_t nm = 0, nl = 0;
  for (uint32_t i = 0; i < n; i++) {
    sx_id t = sx_kid(S, id, i);
    item it = {b->reg[t], 0, b->cls[t]};
    if (is_negated(S, t)) {
      /* t = -1 * rest: subtract rest */
      uint32_t nr = sx_nkids(S, t) - 1;
      const sx_id *rest = &S->kids[sx_node_of(S, t)->kids + 1];
      it.reg = nr == 1 ? b->reg[rest[0]] : lower_product(b, it.cls, rest, nr);
      it.inv = 1;
    }
    if (it.cls < sec) low[nl++] = it; else main[nm++] = it;
  }
  uint32_t r = split_chain(b, sec, main, nm, low, nl, 1, 0);
  free(main);
  return r;
}

static uint32_t lower_pow(build *b, sx_id id) {
  slope_ctx *S = b->S;
  sx_id base = sx_kid(S, id, 0), ex = sx_kid(S, id, 1);
  int sec = b->cls[id];
  uint32_t a = b->reg[base];
  if (sx_kind(S, ex) != SX_NUM) return emit(b, sec, TP_POW, a, b->reg[ex], 0);
  double k = sx_num(S, ex);
  if (k == 2) return emit(b, sec, TP_SQR, a, 0, 0);
  if (k == 0.5) return emit(b, sec, TP_SQRT, a, 0, 0);
  if (k == -1) return emit(b, sec, TP_RECIP, a, 0, 0);
  if (k == floor(k) && fabs(k) <= TP_MAX_POWI) return emit(b, sec, TP_POWI, a, 0, k);
  return emit(b, sec, TP_POWK, a, 0, k);
}

/* The tape operation of a function kind: its own, of the same name (ORDER FN). */
static int fn_op(int kind) {
#define X(NAME, ...) [SX_##NAME] = TP_##NAME,
  static const uint8_t ops[SX_NKINDS] = { SX_FUNCTIONS(X) };
#undef X
  return ops[kind];
}

static uint32_t lower_reduce(build *b, sx_id id) {
  slope_ctx *S = b->S;
  sx_id arg = sx_kid(S, id, 0);
  int mean = sx_kind(S, id) == SX_MEAN;
  b->has_reduce = 1;
  if (b->cls[arg] != ROW)      /* the same value on every row */
    return mean ? b->reg[arg] : emit(b, POST, TP_MUL, b->reg[arg], (uint32_t)b->np, 0);
  if (!grow(b, (void **)&b->red, &b->capred, b->nred + 1, sizeof *b->red)) return 0;
  tp_red *r = &b->red[b->nred++];
  memset(r, 0, sizeof *r);
  r->arg = b->reg[arg];
  r->out = new_sreg(b);
  r->mean = mean;
  return r->out;
}

static uint32_t lower_node(build *b, sx_id id) {
  slope_ctx *S = b->S;
  int k = sx_kind(S, id), sec = b->cls[id];
  switch (k) {
  case SX_NUM: {
    uint32_t r = new_sreg(b);
    if (!sx_failed(S)) b->cval[r] = sx_num(S, id);
    return r;
  }
  case SX_VAR: {
    int i = lookup(b, sx_name(S, id));
    return i < b->np ? (uint32_t)i : new_rreg(b, i - b->np);
  }
  case SX_ADD: return lower_sum(b, id);
  case SX_MUL: return lower_product(b, sec, &S->kids[sx_node_of(S, id)->kids], sx_nkids(S, id));
  case SX_POW: return lower_pow(b, id);
  case SX_SUM: case SX_MEAN: return lower_reduce(b, id);
  default:
    if (sx_is_fn2(k))
      return emit(b, sec, fn_op(k), b->reg[sx_kid(S, id, 0)], b->reg[sx_kid(S, id, 1)], 0);
    if (sx_is_fn1(k)) return emit(b, sec, fn_op(k), b->reg[sx_kid(S, id, 0)], 0, 0);
    return sx_error(S, SLOPE_ERRARG, "cannot compile expression node of kind %d", k), 0;
  }
}

/* ---- pruning ------------------------------------------------------------- */

static void mark_operands(const tp_ins *I, uint8_t *slive, uint8_t *rlive) {
  uint32_t ops[3] = {I->a, I->b, I->c};
  for (int j = 0; j < 3; j++) {
    if (ops[j] & RB) rlive[ops[j] & ~RB] = 1;
    else slive[ops[j]] = 1;
  }
}

/* Keep the live instructions of a section (walked backward). */
static void prune_section(insvec *v, uint8_t *slive, uint8_t *rlive) {
  uint32_t keep = v->n;
  for (uint32_t i = v->n; i-- > 0; ) {
    tp_ins I = v->p[i];
    int live = I.out & RB ? rlive[I.out & ~RB] : slive[I.out];
    if (!live) continue;
    mark_operands(&I, slive, rlive);
    v->p[--keep] = I;
  }
  if (keep) memmove(v->p, v->p + keep, (v->n - keep) * sizeof *v->p);
  v->n -= keep;
}

/* Drop dead instructions and reductions, then renumber the live row
** registers densely (each costs a block of memory). */
static int prune(build *b) {
  uint8_t *slive = calloc(b->nsreg + 1, 1), *rlive = calloc(b->nrreg + 1, 1);
  uint32_t *rmap = malloc((b->nrreg + 1) * sizeof *rmap);
  if (!slive || !rlive || !rmap) {
    free(slive); free(rlive); free(rmap);
    return oom(b);
  }
  slive[b->reg[b->root]] = 1;
  prune_section(&b->sec[POST], slive, rlive);
  uint32_t nr = 0;
  for (uint32_t r = 0; r < b->nred; r++) {
    if (!slive[b->red[r].out]) continue;
    rlive[b->red[r].arg & ~RB] = 1;
    b->red[nr++] = b->red[r];
  }
  b->nred = nr;
  prune_section(&b->sec[ROW], slive, rlive);
  prune_section(&b->sec[PRE], slive, rlive);
  uint32_t n = 0;
  for (uint32_t r = 0; r < b->nrreg; r++) {
    rmap[r] = rlive[r] ? n : NONE;
    if (rlive[r]) b->rcol[n++] = b->rcol[r];
  }
  b->nrreg = n;
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) {
      tp_ins *I = &b->sec[s].p[i];
      if (I->out & RB) I->out = rmap[I->out & ~RB] | RB;
      if (I->a & RB) I->a = rmap[I->a & ~RB] | RB;
      if (I->b & RB) I->b = rmap[I->b & ~RB] | RB;
      if (I->c & RB) I->c = rmap[I->c & ~RB] | RB;
    }
  for (uint32_t r = 0; r < b->nred; r++) b->red[r].arg = rmap[b->red[r].arg & ~RB] | RB;
  free(slive); free(rlive); free(rmap);
  return SLOPE_OK;
}

/* ---- fusion ----------------------------------------------------------------- */

/*
** A few pairs are so common that one instruction for both pays: in the row
** section each instruction is a pass over the block, in the scalar sections a
** step of the dependency chain through memory.  (a - b)^2 and (a + b)^2 from
** least squares, a*b + c, a*b - c and c - a*b from linear models and chains.
** The inner result must have no other reader; it is then dead and pruned.
*/
typedef struct fusion {
  tp_ins **sdef, **rdef;     /* defining instruction of each register */
  uint8_t *ssec;             /* section of a scalar register's definition */
  uint32_t *suse, *ruse;     /* readers of each register */
} fusion;

static int nops_of(int op) { return tp_is_unary(op) ? 1 : tp_is_binary(op) ? 2 : 3; }

/* The instruction of section 'sec' defining 'reg' as op1 or op2, if 'reg'
** has no other reader. */
static tp_ins *only_use(const fusion *z, uint32_t reg, int sec, int op1, int op2) {
  int row = (reg & RB) != 0;
  uint32_t r = reg & ~RB;
  tp_ins *D = row ? z->rdef[r] : z->sdef[r];
  if (!D || (!row && z->ssec[r] != sec) || (row ? z->ruse[r] : z->suse[r]) != 1) return NULL;
  return D->op == op1 || D->op == op2 ? D : NULL;
}

static void fuse_one(const fusion *z, tp_ins *I, int sec) {
  tp_ins *D;
  uint32_t c;
  switch (I->op) {
  case TP_SQR:
    if (!(D = only_use(z, I->a, sec, TP_SUB, TP_ADD))) return;
    I->op = D->op == TP_SUB ? TP_SQDIFF : TP_SQSUM;
    I->a = D->a;
    I->b = D->b;
    I->c = D->a;   /* unused operands repeat 'a' */
    return;
  case TP_ADD:
    if ((D = only_use(z, I->b, sec, TP_MUL, TP_MUL))) c = I->a;
    else if ((D = only_use(z, I->a, sec, TP_MUL, TP_MUL))) c = I->b;
    else return;
    I->op = TP_FMA;
    break;
  case TP_SUB:
    if ((D = only_use(z, I->a, sec, TP_MUL, TP_MUL))) { c = I->b; I->op = TP_FMS; }
    else if ((D = only_use(z, I->b, sec, TP_MUL, TP_MUL))) { c = I->a; I->op = TP_FNMA; }
    else return;
    break;
  default:
    return;
  }
  /* a vector first, so row kernels need only the shapes with a vector 'a' */
  int swap = !(D->a & RB) && (D->b & RB);
  I->a = swap ? D->b : D->a;
  I->b = swap ? D->a : D->b;
  I->c = c;
}

static int fuse(build *b) {
  fusion z;
  size_t ns = b->nsreg + 1, nr = b->nrreg + 1;
  z.sdef = calloc(ns + nr, sizeof *z.sdef);
  z.suse = calloc(ns + nr, sizeof *z.suse);
  z.ssec = calloc(ns, 1);
  if (!z.sdef || !z.suse || !z.ssec) {
    free(z.sdef); free(z.suse); free(z.ssec);
    return oom(b);
  }
  z.rdef = z.sdef + ns;
  z.ruse = z.suse + ns;
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) {
      tp_ins *I = &b->sec[s].p[i];
      uint32_t opnd[3] = {I->a, I->b, I->c};
      if (I->out & RB) z.rdef[I->out & ~RB] = I;
      else { z.sdef[I->out] = I; z.ssec[I->out] = (uint8_t)s; }
      for (int j = 0; j < nops_of(I->op); j++) {
        if (opnd[j] & RB) z.ruse[opnd[j] & ~RB]++; else z.suse[opnd[j]]++;
      }
    }
  for (uint32_t r = 0; r < b->nred; r++) z.ruse[b->red[r].arg & ~RB]++;
  z.suse[b->reg[b->root]]++;
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) fuse_one(&z, &b->sec[s].p[i], s);
  free(z.sdef);
  free(z.suse);
  free(z.ssec);
  return SLOPE_OK;
}

/* ---- finishing: adjoint flags, backward sweeps, memory ---------------------- */

static const uint32_t DO[3] = {TP_DOA, TP_DOB, TP_DOC};
static const uint32_t SET[3] = {TP_SETA, TP_SETB, TP_SETC};
static const uint32_t VEC[3] = {TP_AV, TP_BV, TP_CV};

/* Flags of one instruction from which operands carry a derivative. */
static int set_flags(tp_ins *I, int row, const uint8_t *sng, const uint8_t *rng) {
  uint32_t opnd[3] = {I->a, I->b, I->c};
  I->flags = 0;
  for (int j = 0; j < nops_of(I->op); j++) {
    int g = row && (I->shape & VEC[j]) ? rng[opnd[j]] : sng[opnd[j]];
    if (g) I->flags |= (uint8_t)DO[j];
  }
  return I->flags != 0;
}

/* Which registers carry a derivative (depend on a parameter), in the order
** of evaluation: pre, row, reductions, post. */
static void need_grad(slope_tape *T, uint8_t *sng, uint8_t *rng) {
  tp_ins *pre = T->ins, *row = pre + T->npre, *post = row + T->nrow;
  for (int i = 0; i < T->nparams; i++) sng[i] = 1;
  for (uint32_t i = 0; i < T->npre; i++) sng[pre[i].out] = (uint8_t)set_flags(&pre[i], 0, sng, rng);
  for (uint32_t i = 0; i < T->nrow; i++) rng[row[i].out] = (uint8_t)set_flags(&row[i], 1, sng, rng);
  for (uint32_t r = 0; r < T->nred; r++) sng[T->red[r].out] = rng[T->red[r].arg];
  for (uint32_t i = 0; i < T->npost; i++) sng[post[i].out] = (uint8_t)set_flags(&post[i], 0, sng, rng);
}

typedef struct sweep {
  uint32_t *mark, *uses, *buf;  /* per row register */
  uint8_t *inread;              /* per scalar register */
  uint32_t nbuf;                /* adjoint buffers the sweeps need, seed included */
  tp_bwd *steps;
  uint32_t nsteps, capsteps;
} sweep;

/* First write of a vector operand's adjoint assigns, later ones add; the
** only consumer of 'x' in 'x + y' or 'x - y' just shares the sum's buffer. */
static uint32_t vec_adjoint(sweep *w, uint32_t x, uint32_t go, int share, uint32_t *nbuf,
                            uint32_t *flags, uint32_t doflag, uint32_t setflag) {
  if (w->buf[x] != NONE) { *flags |= doflag; return w->buf[x]; }
  if (share && w->uses[x] == 1) { w->buf[x] = go; return go; }
  w->buf[x] = (*nbuf)++;
  *flags |= doflag | setflag;
  return w->buf[x];
}

/* Whether operand j's adjoint is exactly the output's (a + b, a - b, a*b + c, c - a*b). */
static int passes_adjoint(int op, int j) {
  switch (j) {
  case 0: return op == TP_ADD || op == TP_SUB;
  case 1: return op == TP_ADD;
  default: return op == TP_FMA || op == TP_FNMA;
  }
}

/* The backward sweep of reduction 'R' over the row section: the
** instructions its argument depends on, with adjoint buffers assigned. */
static int build_sweep(build *b, slope_tape *T, tp_red *R, sweep *w) {
  const tp_ins *row = T->ins + T->npre;
  uint32_t first = w->nsteps, nbuf = 1;
  for (uint32_t r = 0; r < T->nrreg; r++) { w->mark[r] = 0; w->uses[r] = 0; w->buf[r] = NONE; }
  w->mark[R->arg] = 1;
  for (uint32_t i = T->nrow; i-- > 0; ) {
    const tp_ins *I = &row[i];
    if (!w->mark[I->out] || !I->flags) continue;
    w->mark[I->out] = 2;   /* in the sweep */
    uint32_t opnd[3] = {I->a, I->b, I->c};
    for (int j = 0; j < 3; j++)
      if ((I->flags & DO[j]) && (I->shape & VEC[j])) { w->mark[opnd[j]] = 1; w->uses[opnd[j]]++; }
  }
  w->buf[R->arg] = 0;   /* the seed: all ones */
  for (uint32_t i = T->nrow; i-- > 0; ) {
    const tp_ins *I = &row[i];
    if (w->mark[I->out] != 2) continue;
    tp_bwd s = {i, w->buf[I->out], 0, 0, 0, 0};
    uint32_t opnd[3] = {I->a, I->b, I->c}, *g[3] = {&s.ga, &s.gb, &s.gc};
    for (int j = 0; j < 3; j++) {
      if (!(I->flags & DO[j])) continue;
      if (I->shape & VEC[j]) {
        *g[j] = vec_adjoint(w, opnd[j], s.go, passes_adjoint(I->op, j), &nbuf, &s.flags, DO[j], SET[j]);
      } else {
        *g[j] = opnd[j];
        s.flags |= DO[j];
        w->inread[opnd[j]] = 1;
      }
    }
    if (!s.flags) continue;
    if (!grow(b, (void **)&w->steps, &w->capsteps, w->nsteps + 1, sizeof *w->steps)) return SLOPE_ERRMEM;
    w->steps[w->nsteps++] = s;
  }
  /* collected last instruction first; the evaluator wants them in order */
  for (uint32_t i = first, j = w->nsteps; i + 1 < j; i++, j--) {
    tp_bwd t = w->steps[i]; w->steps[i] = w->steps[j - 1]; w->steps[j - 1] = t;
  }
  R->bwd0 = first;
  R->nbwd = w->nsteps - first;
  if (nbuf > w->nbuf) w->nbuf = nbuf;
  return SLOPE_OK;
}

static int build_sweeps(build *b, slope_tape *T, const uint8_t *rng) {
  sweep w;
  memset(&w, 0, sizeof w);
  w.nbuf = 1;
  size_t nr = T->nrreg + 1;
  w.mark = malloc(3 * nr * sizeof *w.mark);
  w.inread = calloc(T->nsreg + 1, 1);
  int rc = w.mark && w.inread ? SLOPE_OK : oom(b);
  if (rc == SLOPE_OK) {
    w.uses = w.mark + nr;
    w.buf = w.uses + nr;
    for (uint32_t r = 0; r < T->nred && rc == SLOPE_OK; r++)
      if (rng[T->red[r].arg]) rc = build_sweep(b, T, &T->red[r], &w);
  }
  if (rc == SLOPE_OK) {
    for (uint32_t k = 0; k < T->nsreg; k++) T->nrread += w.inread[k];
    T->rread = malloc((T->nrread + 1) * sizeof *T->rread);
    if (!T->rread) rc = oom(b);
    else for (uint32_t k = 0, j = 0; k < T->nsreg; k++) if (w.inread[k]) T->rread[j++] = k;
  }
  T->bwd = w.steps;
  T->nbwd = w.nsteps;
  T->ngb = w.nbuf;
  free(w.mark);
  free(w.inread);
  return rc;
}

/* Block size: 256 rows, halved while the blocks would not fit in L2. */
static uint32_t block_size(uint32_t nblocks) {
  uint32_t bs = 256;
  while (bs > 16 && (size_t)nblocks * bs * sizeof(double) > (256u << 10)) bs /= 2;
  return bs;
}

/* Row registers, gather buffers, adjoint buffers and partials, all sized now. */
static int layout(build *b, slope_tape *T) {
  uint32_t ncomp = 0;
  for (uint32_t r = 0; r < T->nrreg; r++) {
    if (b->rcol[r] >= 0) T->ncolreg++; else ncomp++;
  }
  uint32_t nblocks = ncomp + T->ncolreg + T->ngb;
  T->bs = block_size(nblocks);
  size_t npool = (size_t)nblocks * T->bs + (size_t)T->nred * T->nsreg;
  T->pool = malloc((npool + 1) * sizeof *T->pool);
  T->rv = malloc((T->nrreg + 1) * sizeof *T->rv);
  T->rw = malloc((T->nrreg + 1) * sizeof *T->rw);
  T->gb = malloc((T->ngb + 1) * sizeof *T->gb);
  T->colreg = malloc((T->ncolreg + 1) * 2 * sizeof *T->colreg);
  if (!T->pool || !T->rv || !T->rw || !T->gb || !T->colreg) return oom(b);
  T->colidx = T->colreg + T->ncolreg + 1;
  memset(T->pool, 0, (npool + 1) * sizeof *T->pool);
  double *p = T->pool;
  uint32_t c = 0;
  for (uint32_t r = 0; r < T->nrreg; r++) {
    if (b->rcol[r] >= 0) {
      T->colreg[c] = r;
      T->colidx[c++] = (uint32_t)b->rcol[r];
      T->rw[r] = NULL;
      T->rv[r] = NULL;
    } else {
      T->rw[r] = p;
      T->rv[r] = p;
      p += T->bs;
    }
  }
  T->gather = p;
  p += (size_t)T->ncolreg * T->bs;
  for (uint32_t g = 0; g < T->ngb; g++, p += T->bs) T->gb[g] = p;
  for (uint32_t i = 0; i < T->bs; i++) T->gb[0][i] = 1;
  for (uint32_t r = 0; r < T->nred; r++, p += T->nsreg) T->red[r].part = p;
  return SLOPE_OK;
}

/* Pack the sections into the tape: plain register numbers, row shapes. */
static int pack(build *b, slope_tape *T) {
  T->npre = b->sec[PRE].n;
  T->nrow = b->sec[ROW].n;
  T->npost = b->sec[POST].n;
  uint32_t n = T->npre + T->nrow + T->npost;
  T->ins = malloc((n + 1) * sizeof *T->ins);
  T->sv = calloc(b->nsreg + 1, sizeof *T->sv);
  T->sg = calloc(b->nsreg + 1, sizeof *T->sg);
  T->red = malloc((b->nred + 1) * sizeof *T->red);
  if (!T->ins || !T->sv || !T->sg || !T->red) return oom(b);
  uint32_t j = 0;
  for (int s = PRE; s <= POST; s++)
    for (uint32_t i = 0; i < b->sec[s].n; i++) {
      tp_ins I = b->sec[s].p[i];
      int nops = tp_is_unary(I.op) ? 1 : tp_is_binary(I.op) ? 2 : 3;
      I.shape = (uint8_t)((I.a & RB ? TP_AV : 0) | (nops > 1 && (I.b & RB) ? TP_BV : 0) |
                          (nops > 2 && (I.c & RB) ? TP_CV : 0));
      if (s == ROW && (!I.shape || (nops == 3 && !(I.shape & TP_AV))))
        return sx_error(b->S, SLOPE_ERRARG, "internal error: bad operand shape in the row section");
      I.out &= ~RB; I.a &= ~RB; I.b &= ~RB; I.c &= ~RB;
      T->ins[j++] = I;
    }
  T->nsreg = b->nsreg;
  T->nrreg = b->nrreg;
  T->nred = b->nred;
  for (uint32_t r = 0; r < b->nred; r++) {
    T->red[r] = b->red[r];
    T->red[r].arg &= ~RB;
  }
  for (uint32_t r = 0; r < b->nsreg; r++) if (!isnan(b->cval[r])) T->sv[r] = b->cval[r];
  T->root = b->reg[b->root];
  T->has_reduce = b->has_reduce;
  return SLOPE_OK;
}

/*
** The scalar backward sweeps assign an adjoint on its first write and add
** on later ones, so no adjoint needs clearing per call, except those first
** written by the row section's partials and parameters nobody writes.
** Order of writes: root, post (last instruction first), partials, pre.
*/
static int scalar_sets(build *b, slope_tape *T) {
  uint8_t *done = calloc(T->nsreg + 1, 1);
  T->zero = malloc(((size_t)T->nrread + (size_t)T->nparams + 1) * sizeof *T->zero);
  if (!done || !T->zero) { free(done); return oom(b); }
  done[T->root] = 1;
  tp_ins *pre = T->ins, *post = T->ins + T->npre + T->nrow;
  for (int sec = 0; sec < 2; sec++) {
    tp_ins *p = sec ? pre : post;
    for (uint32_t i = sec ? T->npre : T->npost; i-- > 0; ) {
      tp_ins *I = &p[i];
      uint32_t opnd[3] = {I->a, I->b, I->c};
      for (int j = 0; j < 3; j++) {
        if (!(I->flags & DO[j])) continue;
        if (!done[opnd[j]]) I->flags |= (uint8_t)SET[j];
        done[opnd[j]] = 1;
      }
    }
    if (sec) break;
    for (uint32_t j = 0; j < T->nrread; j++) {   /* partials add into these */
      uint32_t k = T->rread[j];
      if (!done[k]) T->zero[T->nzero++] = k;
      done[k] = 1;
    }
  }
  for (int i = 0; i < T->nparams; i++) if (!done[i]) T->zero[T->nzero++] = (uint32_t)i;
  free(done);
  return SLOPE_OK;
}

static int finish(build *b, slope_tape *T) {
  int rc = pack(b, T);
  if (rc != SLOPE_OK) return rc;
  uint8_t *sng = calloc(T->nsreg + 1, 1), *rng = calloc(T->nrreg + 1, 1);
  if (!sng || !rng) rc = oom(b);
  if (rc == SLOPE_OK) {
    need_grad(T, sng, rng);
    rc = build_sweeps(b, T, rng);
  }
  if (rc == SLOPE_OK) rc = scalar_sets(b, T);
  if (rc == SLOPE_OK) rc = layout(b, T);
  free(sng);
  free(rng);
  return rc;
}

/* ---- the public entry points ------------------------------------------------ */

/* A name of the parameter and column lists with its position, for sorting. */
typedef struct tp_named { const char *s; int i; } tp_named;

static int cmp_named(const void *a, const void *b) {
  const tp_named *x = a, *y = b;
  int c = strcmp(x->s, y->s);
  return c ? c : (x->i > y->i) - (x->i < y->i);
}

/*
** Counts within the limits, no NULL, no name twice.  Repeats are found by
** sorting, so a million parameters cost n log n, not n^2; the one reported
** is the one a scan in list order meets first (the earliest second use).
*/
static int check_names(slope_ctx *S, const char *const *params, int np,
                       const char *const *cols, int nc) {
  if (np < 0 || nc < 0 || (np && !params) || (nc && !cols))
    return sx_error(S, SLOPE_ERRARG, "slope_compile: bad parameter or column list "
                    "(counts must be >= 0 and lists non-NULL)");
  if (np > SX_MAX_PARAMS)
    return sx_error(S, SLOPE_ERRLIMIT, "slope_compile: at most %d parameters, got %d", SX_MAX_PARAMS, np);
  if (nc > SX_MAX_COLS)
    return sx_error(S, SLOPE_ERRLIMIT, "slope_compile: at most %d data columns, got %d", SX_MAX_COLS, nc);
  int n = np + nc;
  tp_named *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  if (!v) return sx_error(S, SLOPE_ERRMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    v[i].s = i < np ? params[i] : cols[i - np];
    v[i].i = i;
    if (!v[i].s) {
      free(v);
      return sx_error(S, SLOPE_ERRARG, "slope_compile: %s[%d] is NULL (counting from 0)",
                      i < np ? "params" : "cols", i < np ? i : i - np);
    }
  }
  qsort(v, (size_t)n, sizeof *v, cmp_named);
  int i = -1, j = -1;   /* the earliest second use and the first use of its name */
  for (int k = 1; k < n; k++)
    if (strcmp(v[k].s, v[k - 1].s) == 0 && (k < 2 || strcmp(v[k - 1].s, v[k - 2].s) != 0) &&
        (i < 0 || v[k].i < i)) {
      i = v[k].i;
      j = v[k - 1].i;
    }
  free(v);
  if (i < 0) return SLOPE_OK;
  const char *x = i < np ? params[i] : cols[i - np];
  if (j < np && i >= np)
    return sx_error(S, SLOPE_ERRARG, "'%s' is both a parameter and a data column", x);
  return sx_error(S, SLOPE_ERRARG, "%s '%s' is listed twice", i < np ? "parameter" : "data column", x);
}

static void build_free(build *b) {
  free(b->ids);
  free(b->cls);
  free(b->reg);
  free(b->colvar);
  for (int s = PRE; s <= POST; s++) free(b->sec[s].p);
  free(b->cval);
  free(b->rcol);
  free(b->red);
}

static int compile(build *b, slope_tape *T) {
  slope_ctx *S = b->S;
  int rc = sx_reach(S, b->root);
  if (rc != SLOPE_OK) return rc;
  size_t n = S->nnodes;   /* per node id arrays: only the reached entries are used */
  b->nids = S->norder;
  b->ids = malloc((size_t)b->nids * sizeof *b->ids);
  b->cls = malloc(n);
  b->reg = malloc(n * sizeof *b->reg);
  b->colvar = malloc(n * sizeof *b->colvar);
  if (!b->ids || !b->cls || !b->reg || !b->colvar) return oom(b);
  memcpy(b->ids, S->order, (size_t)b->nids * sizeof *b->ids);   /* lowering may walk */
  if ((rc = classify(b)) != SLOPE_OK) return rc;
  /* parameters are registers [0, np), then the row count */
  for (int i = 0; i <= b->np; i++) new_sreg(b);
  for (uint32_t j = 0; j < b->nids && !sx_failed(S); j++)
    b->reg[b->ids[j]] = lower_node(b, b->ids[j]);
  if (sx_failed(S)) return S->errcode;
  /* prune, fuse pairs, prune what fusion left dead */
  if ((rc = prune(b)) != SLOPE_OK || (rc = fuse(b)) != SLOPE_OK || (rc = prune(b)) != SLOPE_OK)
    return rc;
  return finish(b, T);
}

/* The array tape (tape_array.c), with its column list sized by the shapes. */
static slope_tape *compile_array(slope_tape *T, slope_expr e, const char *const *params,
                                 const slope_shape *pshape, int nparams, const char *const *cols,
                                 const slope_shape *cshape, int ncols) {
  int rc = ta_compile(T, e, params, pshape, nparams, cols, cshape, ncols);
  if (rc == SLOPE_OK && !(T->cols = calloc((size_t)T->ncols + 1, sizeof *T->cols)))
    rc = sx_error(T->S, SLOPE_ERRMEM, "out of memory");
  if (rc == SLOPE_OK) return T;
  slope_tape_free(T);
  return NULL;
}

static slope_tape *compile_any(slope_ctx *S, slope_expr e, const char *fn, const char *const *params,
                               const slope_shape *pshape, int nparams, const char *const *cols,
                               const slope_shape *cshape, int ncols) {
  if (!sx_check_handle(S, e, fn)) return NULL;
  if (check_names(S, params, nparams, cols, ncols) != SLOPE_OK) return NULL;
  slope_tape *T = calloc(1, sizeof *T);
  if (!T) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  T->S = S;
  if (ta_needed(S, e, pshape, nparams, cshape, ncols))
    return compile_array(T, e, params, pshape, nparams, cols, cshape, ncols);
  T->nparams = nparams;
  T->ncols = ncols;
  T->cols = calloc((size_t)ncols + 1, sizeof *T->cols);
  build b;
  memset(&b, 0, sizeof b);
  b.S = S;
  b.params = params;
  b.cols = cols;
  b.np = nparams;
  b.nc = ncols;
  b.root = e;
  int rc = T->cols ? compile(&b, T) : sx_error(S, SLOPE_ERRMEM, "out of memory");
  build_free(&b);
  if (rc != SLOPE_OK) {
    slope_tape_free(T);
    return NULL;
  }
  return T;
}

slope_tape *slope_compile(slope_ctx *S, slope_expr e, const char *const *params, int nparams,
                          const char *const *cols, int ncols) {
  SX_ENTER(S, NULL);
  return compile_any(S, e, "slope_compile", params, NULL, nparams, cols, NULL, ncols);
}

slope_tape *slope_compile_shaped(slope_ctx *S, slope_expr e, const char *const *params,
                                 const slope_shape *pshape, int nparams, const char *const *cols,
                                 const slope_shape *cshape, int ncols) {
  SX_ENTER(S, NULL);
  return compile_any(S, e, "slope_compile_shaped", params, pshape, nparams, cols, cshape, ncols);
}

void slope_tape_free(slope_tape *T) {
  if (!T) return;
  sj_free(T->jit);
  vm_close(T->vm);
  free(T->sv);
  free(T->sg);
  free(T->ins);
  free(T->rv);
  free(T->rw);
  free(T->colreg);
  free(T->gb);
  free(T->red);
  free(T->bwd);
  free(T->rread);
  free(T->zero);
  free(T->cols);
  free(T->pool);
  ta_free(T->arr);
  free(T);
}

int slope_tape_nparams(const slope_tape *T) { return T ? T->nparams : 0; }

int slope_tape_bind(slope_tape *T, const double *const *cols, size_t nrows) {
  SX_ENTER_OBJ(T, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(T->S, T->ncols && !cols, SLOPE_ERRMISUSE, "the column list 'cols' is NULL");
  int un = T->arr && nrows ? ta_unbound_column(T, cols) : -1;
  SX_MISUSE_IF(T->S, un >= 0, SLOPE_ERRMISUSE, "cols[%d] is NULL (a column pointer counting from 0, "
               "a vector column taking one per element, in the order compiled)", un);
  for (uint32_t c = 0; c < T->ncolreg; c++)
    SX_MISUSE_IF(T->S, nrows && !cols[T->colidx[c]], SLOPE_ERRMISUSE,
                 "cols[%u] is NULL (data column %u counting from 0, in the order compiled)",
                 (unsigned)T->colidx[c], (unsigned)T->colidx[c]);
  for (int j = 0; j < T->ncols; j++) T->cols[j] = cols[j];
  T->nrows = nrows;
  T->bound = 1;
  return SLOPE_OK;
}
