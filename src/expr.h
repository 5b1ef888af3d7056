/*
** expr.h -- the hash-consed expression DAG and its simplifying constructors
** (internal).
**
** Canonical form (the one every constructor returns, so equal expressions are
** one node and equality is id equality):
**   - subtraction is a + (-1)*b, division is a * b^-1, sqrt(a) is a^0.5,
**     pow(a, b) is a^b;
**   - ADD is n-ary, flattened, like terms collected (3*x + x -> 4*x), at most
**     one numeric term, terms ordered by 'sx_order_add' (polynomial degree
**     descending, then structure), so "x^2 - 4*x + 1" keeps that order;
**   - MUL is n-ary, flattened, powers of one base collected (x*x^2 -> x^3),
**     the numeric coefficient (if not 1) is the first child, the others ordered
**     by 'sx_compare' of their bases; products never distribute, so they
**     group freely, but a term c*(a + b) of a sum is spread into c*a + c*b;
**   - POW folds x^0, x^1, 1^x, (x^a)^n and (x*y)^n for integer n;
**   - a function of numbers is folded when the result is finite.
** Numbers are always finite: a fold that would give Inf or NaN is not done.
*/
#ifndef SLOPE_EXPR_H
#define SLOPE_EXPR_H

#include "ctx.h"
#include "functions.h"

typedef uint32_t sx_id;
#define SX_NIL 0u            /* no node: construction failed, see the context error */

/* Node kinds.  The functions come from their rows in functions.h, unary
** ones first (ORDER FN). */
#define SX_KIND1(NAME, name, ar, ...) SX_IF1_##ar(SX_##NAME,)
#define SX_KIND2(NAME, name, ar, ...) SX_IF2_##ar(SX_##NAME,)
enum sx_kind {
  SX_NUM, SX_VAR,
  SX_ADD, SX_MUL, SX_POW,
  SX_FUNCTIONS(SX_KIND1)   /* unary functions (sqrt is POW 0.5) */
  SX_FUNCTIONS(SX_KIND2)   /* binary functions (pow is POW) */
  /* reductions: over the elements of an array argument, else over data rows */
  SX_SUM, SX_MEAN,
  /* arrays (shape.h): indexing, lengths, products and the classifiers */
  SX_INDEX,        /* (a, i) or (A, i, j): one element, 1-based */
  SX_SLICE,        /* (v, lo, hi): elements lo..hi inclusive */
  SX_LEN,          /* (a): the length of a vector, the rows of a matrix */
  SX_RANGE,        /* (lo, hi): the vector lo, lo + 1, ..., hi */
  SX_PAD,          /* (v, before, after): v with zeros before and after */
  SX_DOT,          /* (a, b): sum of a[i]*b[i] */
  SX_MATMUL,       /* (a, b): a @ b */
  SX_OUTER,        /* (a, b): the matrix a[i]*b[j] */
  SX_TRANSPOSE,    /* (A) */
  SX_AMAX,         /* (v): the largest element ('max' with one argument) */
  SX_NORM,         /* (v): the Euclidean norm of every element */
  SX_SOFTMAX, SX_LOGSOFTMAX, SX_LOGSUMEXP,   /* (v) */
  SX_XENT,         /* (z, k): cross_entropy = logsumexp(z) - z[k] */
  SX_ONEHOT,       /* (k, n): the vector of n with a 1 at k */
  SX_SUMROWS, SX_MEANROWS,   /* (e): over the data rows, keeping e's shape (gradients) */
  SX_NKINDS
};
#define SX_COUNT1(NAME, name, ar, ...) SX_IF1_##ar(+ 1)
#define SX_COUNT2(NAME, name, ar, ...) SX_IF2_##ar(+ 1)
enum { SX_NFN1 = 0 SX_FUNCTIONS(SX_COUNT1), SX_NFN2 = 0 SX_FUNCTIONS(SX_COUNT2) };
#define SX_FIRST_FN1 (SX_POW + 1)
#define SX_LAST_FN1  (SX_POW + SX_NFN1)
#define SX_FIRST_FN2 (SX_LAST_FN1 + 1)
#define SX_LAST_FN2  (SX_LAST_FN1 + SX_NFN2)
_Static_assert(SX_LAST_FN2 + 1 == SX_SUM, "the functions are the kinds between POW and SUM");
_Static_assert(SX_NKINDS <= 256, "a node's kind is a byte");
#define sx_is_fn1(k)   ((k) >= SX_FIRST_FN1 && (k) <= SX_LAST_FN1)
#define sx_is_fn2(k)   ((k) >= SX_FIRST_FN2 && (k) <= SX_LAST_FN2)
#define sx_is_reduce(k) ((k) == SX_SUM || (k) == SX_MEAN)
#define sx_is_array_kind(k) ((k) >= SX_INDEX && (k) <= SX_MEANROWS)

/* Limits that keep hostile input from exhausting memory or the C stack. */
#define SX_MAX_DEPTH   200       /* parser nesting depth */
#define SX_MAX_SOURCE  (1u << 20) /* bytes of expression text */
#define SX_MAX_NODES   (1u << 24) /* nodes in one context */
#define SX_MAX_EXPR_DEPTH 5000   /* depth of any expression (bounds every recursion) */
#define SX_GC_MIN      (1u << 16) /* nodes in use before 'slope_collect_step' collects */
#define SX_MAX_NAME    255       /* characters in a variable or column name */
#define SX_MAX_COLS    4096      /* columns in a data set */
#define SX_MAX_PARAMS  (1 << 20) /* parameters of a tape, problem or optimizer */

/* [A-Za-z_][A-Za-z0-9_]* of at most SX_MAX_NAME bytes: the names the language can refer to. */
int sx_valid_name(const char *s, size_t len);

/* ---- reading nodes ---- */
static inline const sx_node *sx_node_of(const slope_ctx *S, sx_id e) { return &S->nodes[e]; }
static inline int sx_kind(const slope_ctx *S, sx_id e) { return S->nodes[e].kind; }
static inline uint32_t sx_nkids(const slope_ctx *S, sx_id e) { return S->nodes[e].nkids; }
static inline sx_id sx_kid(const slope_ctx *S, sx_id e, uint32_t i) { return S->kids[S->nodes[e].kids + i]; }
static inline double sx_num(const slope_ctx *S, sx_id e) { return S->nodes[e].num; }
static inline const char *sx_name(const slope_ctx *S, sx_id e) { return S->names + S->nodes[e].kids; }
int sx_is_num(const slope_ctx *S, sx_id e, double v);   /* e is the number v */

/* ---- the function table ---- */
typedef struct sx_fninfo {
  const char *name;   /* as written in the language */
  int kind;           /* enum sx_kind it builds (SX_POW for sqrt and pow) */
  int arity;
} sx_fninfo;
/* Look up a function name of the language; NULL if unknown. */
const sx_fninfo *sx_fn_lookup(const char *name, size_t len);
/* The same, preferring the row with 'nargs' arguments ('max' has two rows). */
const sx_fninfo *sx_fn_lookup_n(const char *name, size_t len, int nargs);
/* Every scalar function of the language, terminated by a NULL name (the
** list slope_function_at hands out). */
extern const sx_fninfo sx_functions[];
/* The functions of arrays (dot, outer, softmax, ...), terminated the same way. */
extern const sx_fninfo sx_array_functions[];
/* The language name of a function kind ("sin"), or NULL. */
const char *sx_kind_name(int kind);

/* ---- constructors (all return SX_NIL if an argument is SX_NIL or on error) ---- */
sx_id sx_mknum(slope_ctx *S, double v);          /* SLOPE_ERRARG if not finite */
sx_id sx_mkvar(slope_ctx *S, const char *name, size_t len);
sx_id sx_add(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_sub(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_mul(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_div(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_pow(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_neg(slope_ctx *S, sx_id a);
sx_id sx_addn(slope_ctx *S, const sx_id *terms, uint32_t n);
sx_id sx_muln(slope_ctx *S, const sx_id *factors, uint32_t n);
/* Apply a function or reduction kind to its arguments (arity must match). */
sx_id sx_apply(slope_ctx *S, int kind, const sx_id *args, uint32_t n);
/* The raw node (kind, kids) without simplification: for constructors only. */
sx_id sx_intern(slope_ctx *S, int kind, const sx_id *kids, uint32_t n);
/* Rebuild node 'e' with new children through the simplifying constructors. */
sx_id sx_rebuild(slope_ctx *S, sx_id e, const sx_id *kids);

/* Arrays (array.c).  Shape-free like the rest of the DAG: shapes are checked
** when an expression is evaluated or compiled (shape.h).  'sx_apply' builds
** these kinds too, from their arguments in the order listed at enum sx_kind. */
sx_id sx_index(slope_ctx *S, sx_id a, const sx_id *idx, uint32_t n);   /* n: 1 or 2 */
sx_id sx_slice(slope_ctx *S, sx_id v, sx_id lo, sx_id hi);
sx_id sx_len(slope_ctx *S, sx_id a);
sx_id sx_range(slope_ctx *S, sx_id lo, sx_id hi);
sx_id sx_pad(slope_ctx *S, sx_id v, sx_id before, sx_id after);
sx_id sx_mkdot(slope_ctx *S, sx_id a, sx_id b);   /* sx_dot is linesearch.c's dot of doubles */
sx_id sx_matmul(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_outer(slope_ctx *S, sx_id a, sx_id b);
sx_id sx_transpose(slope_ctx *S, sx_id a);
/* The indexed sum sum(i = lo..hi, body), 'i' a name, in canonical form: an
** element sum over slices (x[i + c] becomes x[lo+c .. hi+c], i itself
** range(lo, hi)).  Walks 'body' (not for use inside another walk). */
/* sx_apply for the array kinds. */
sx_id sx_apply_array(slope_ctx *S, int kind, const sx_id *args, uint32_t n);
sx_id sx_isum(slope_ctx *S, sx_id i, sx_id lo, sx_id hi, sx_id body);

/* ---- canonical order ---- */
/* Names in natural order: strcmp's, except that runs of digits compare by
** value (x2 before x10); a total order (x01 and x1 differ). */
int sx_name_order(const char *a, const char *b);
/* Total structural orders (never by id), <0, 0 (same node), >0. */
int sx_compare(const slope_ctx *S, sx_id a, sx_id b);
/* Polynomial degree used to order sum terms (functions count as degree 1). */
double sx_degree(const slope_ctx *S, sx_id e);

/* Numeric value of function or operator 'kind' at (a, b) (b unused for unary
** kinds): the one definition of what each function means, shared by folding,
** evaluation and the tape's reference tests. */
double sx_fn_eval(int kind, double a, double b);
/* Value of operator or function node 'id' from its children's values in
** v[] (indexed by node id); not for numbers, variables or reductions. */
double sx_eval_node(const slope_ctx *S, sx_id id, const double *v);

/* ---- walking the DAG without recursion ---- */
/* Collect the nodes reachable from 'e' into S->order[0, S->norder), children
** before parents (in birth order, which is id order in a context that never
** collected), and stamp them visited ('sx_reached').  S->memo then has a
** slot for every node id, for the walk's per-node values: stale until the
** walk writes it, never cleared.  The list, the stamps and 'memo' last until
** the next walk: a loop that calls something that walks must copy them.
** Costs what the expression costs, not what the context holds.  Returns
** SLOPE_OK or SLOPE_ERRMEM. */
int sx_reach(slope_ctx *S, sx_id e);
/* The same for the nodes reachable from any of 'roots'. */
int sx_reach_all(slope_ctx *S, const sx_id *roots, uint32_t nroots);
static inline int sx_reached(const slope_ctx *S, sx_id id) { return (S->mark[id] | 1u) == S->epoch + 1; }
/* A second stamp a walk may give its visited nodes (diff: 'var' is below);
** such nodes still count as reached. */
static inline void sx_stamp2(slope_ctx *S, sx_id id) { S->mark[id] = S->epoch + 1; }
static inline int sx_stamped2(const slope_ctx *S, sx_id id) { return S->mark[id] == S->epoch + 1; }
/* Nodes in use: the bound for arrays indexed by node id is S->nnodes. */
static inline int sx_live(const slope_ctx *S, sx_id e) {
  return e != SX_NIL && e < S->nnodes && S->nodes[e].kind != SX_FREE;
}
/* The check of a handle a caller of public function 'fn' passes in: 1 when
** it names a live node of S; 0 reports the failure of the call that returned
** it again; anything else is misuse (a handle of another context that is
** also a node here cannot be told apart). */
int sx_check_handle(slope_ctx *S, sx_id e, const char *fn);

/* ---- transformations ---- */
sx_id sx_diff(slope_ctx *S, sx_id e, sx_id var);
/* The derivative of 'e' with respect to 'var' when names have shapes
** (grad.c): vars[i] has rank vrank[i] (0, 1 or 2); other names are scalars
** unless their use implies an array (x[i], #x, dot(x, ...), A @ v, ...).
** A scalar expression with a scalar 'var' is sx_diff's forward mode; else
** symbolic reverse mode, one expression of the shape of 'var' (a scalar
** stands for that value in every element).  Walks the DAG. */
/* The differential of function node 'self' = f(a[, b]) given da (and db):
** linear in them, so reverse mode passes an adjoint as da and 0 as db. */
sx_id sx_dfn(slope_ctx *S, int kind, sx_id self, sx_id a, sx_id b, sx_id da, sx_id db);
/* The differential of power node 'self' = b^e given db and de. */
sx_id sx_dpow(slope_ctx *S, sx_id self, sx_id b, sx_id e, sx_id db, sx_id de);
sx_id sx_grad(slope_ctx *S, sx_id e, sx_id var, const sx_id *vars, const int *vrank, int nv);
sx_id sx_subs(slope_ctx *S, sx_id e, sx_id var, sx_id by);
/* Nonzero if 'var' occurs in 'e'. */
int sx_has(slope_ctx *S, sx_id e, sx_id var);

/* ---- printers (append to 'b') ---- */
/* Shared reading of canonical form by the printers: 'f' is a power with a
** negative numeric exponent -k (a denominator factor); a product's numeric
** coefficient (1 if none); whether the printed text starts with a minus. */
int sx_is_den(const slope_ctx *S, sx_id f, double *k);
double sx_coef_of(const slope_ctx *S, sx_id e);
int sx_starts_neg(const slope_ctx *S, sx_id e);
/* The i-th term of sum 'e' in printed order (a two-term difference reads
** positive first: 1 - x, not -x + 1). */
sx_id sx_sum_term(const slope_ctx *S, sx_id e, uint32_t i);
void sx_print(const slope_ctx *S, sx_id e, sx_buf *b);
void sx_print_latex(const slope_ctx *S, sx_id e, sx_buf *b);
/* C source of a value-and-gradient function; SLOPE_ERR* if 'e' has reductions
** or names outside 'params'. */
int sx_print_c(slope_ctx *S, sx_id e, const char *name, const sx_id *params,
               int nparams, sx_buf *b);

/* ---- parser ---- */
/* Parse a program (let-bindings then an expression); SX_NIL on error with the
** error (line, col, caret) recorded in the context. */
sx_id sx_parse(slope_ctx *S, const char *src, size_t len);
/* "L:C: msg", the line of 'src' holding byte 'off' and a caret under it,
** into out[cap]; the 1-based line and column into *line and *col. */
void sx_format_error(const char *src, size_t len, size_t off, const char *msg,
                     char *out, size_t cap, int *line, int *col);

#endif
