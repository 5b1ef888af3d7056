/*
** ctx.h -- the context every part of slope hangs off (internal).
**
** The context owns the expression store, a scratch buffer for strings handed
** out, and the error of the call under way.
**
** Errors do not outlive their call.  Every public function that can fail
** starts with 'sx_enter', which sets aside an error an earlier call left
** ('errcode' becomes SLOPE_OK, the code moves to 'errkept', the message
** stays): so 'sx_failed' and 'errcode' speak of the current call only, and
** no call fails, or loses its own message, because an earlier one failed.
** Within a call the first error wins: an inner failure's precise message is
** not replaced by the outer "could not do X".
**
** A chain of constructors can still run on and be checked once at the end:
** a public function given the expression 0 (what a failed call returns)
** calls 'sx_failed_arg', which makes the set-aside error this call's error
** again, so the failure that started the chain is the one reported, however
** many valid calls ran in between (the message stays in 'errmsg' until a new
** error replaces it: of two failed calls, the later one is reported).
**
** Inside the library, call internal functions, not public ones, once an
** error is recorded (a cleanup path): a public function's 'sx_enter' would set
** the error aside ('sx_error_back' takes it back where that cannot be
** avoided).  Free functions and getters that cannot fail do not enter.
*/
#ifndef SLOPE_CTX_H
#define SLOPE_CTX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "slope.h"

/* One node of the DAG.  Ids of reclaimed nodes are reused (see
** 'slope_collect'), so a child may have a larger id than its parent; but a
** child is always born before its parent, so increasing 'born' is a
** topological order (and in a context that never collected, id order). */
typedef struct sx_node {
  uint8_t kind;        /* enum sx_kind, or SX_FREE */
  uint32_t nkids;      /* number of children */
  uint32_t kids;       /* index of the first child in 'S->kids'; VAR: name offset;
                       ** SX_FREE: the next free node */
  uint32_t hash;
  uint32_t depth;      /* longest path to a leaf, bounded by SX_MAX_EXPR_DEPTH */
  uint32_t born;       /* creation stamp (fills what was padding) */
  double num;          /* NUM: the value */
  double deg;          /* polynomial degree, orders the terms of a sum */
} sx_node;
#define SX_FREE 0xffu  /* kind of a reclaimed node, on the free list */

/* A growable text buffer for printers. */
typedef struct sx_buf {
  char *p;
  size_t n, cap;
  int oom;             /* SX_BUF_OOM or SX_BUF_LONG once the text is truncated */
} sx_buf;
enum { SX_BUF_OOM = 1, SX_BUF_LONG = 2 };   /* an append failed; the text passed SX_MAX_TEXT */

/* A DAG with shared subexpressions can print exponentially long text; the
** printers stop past this size (SX_BUF_LONG), so a hostile expression costs
** bounded time and memory. */
#define SX_MAX_TEXT ((size_t)1 << 24)

/*
** Reclamation is a non-moving mark and sweep, so a handle never changes.
** The roots are the nodes with a nonzero 'refs' count ('slope_keep'; a
** problem keeps its objective); 'slope_collect' marks from them, puts every
** other node on the free list (and out of the hash table), and compacts
** 'kids'.  Variables are never reclaimed, so a collection never moves
** 'names' and a borrowed name outlives it (the Lua binding reads names
** while Lua code, which may collect, runs).  It runs only when called: a
** C host that never calls it never loses a node.
**
** Walks stamp the nodes they visit with 'epoch' in 'mark' (never cleared,
** except once when the epoch wraps), so a walk costs what the expression
** costs, not what the context ever built.
*/
struct slope_ctx {
  /* expression store: ids [1, nnodes) are in use or on the free list */
  sx_node *nodes;  uint32_t nnodes, capnodes;
  uint32_t *kids;  uint32_t nkids, capkids;
  char *names;     uint32_t nnames, capnames;   /* NUL-terminated, interned */
  uint32_t *table; uint32_t captable;           /* open-addressing hash of node ids */
  uint32_t *refs;  uint32_t caprefs;            /* per node: keeps (slope_keep) */
  uint32_t freelist, nfree;                     /* reclaimed nodes, chained through 'kids' */
  uint32_t born;                                /* the next birth stamp */
  uint32_t gclive;                              /* nodes in use after the last collection */
  /* error state (see the top of this file) */
  int errcode;         /* the current call's first error, SLOPE_OK if none */
  int errkept;         /* an earlier call's error, set aside by sx_enter; its
                       ** message is still in 'errmsg' (a new error resets it) */
  int errline, errcol;
  size_t erroffset;
  char errmsg[1024];
  /* borrowed result strings */
  sx_buf out;
  /* reused scratch for DAG walks, grown on demand, never cleared */
  uint32_t *mark;  uint32_t capmark, epoch;     /* visited iff (mark[id] | 1) == epoch + 1 */
  uint32_t *order; uint32_t norder, caporder;   /* the last walk's nodes, children first */
  uint64_t *sortbuf; uint32_t capsort;          /* (born, id) pairs being ordered */
  uint64_t *sorttmp; uint32_t capsorttmp;       /* the radix sort's other half */
  uint32_t *memo;  uint32_t capmemo;            /* per node id: a walk's value for the node */
  /* the last parse (arrays): its text and where each node's text starts,
  ** so a shape error found later can point into the text (shape.c) */
  char *psrc; size_t plen;
  struct sx_ppos { uint32_t id, born, off; } *ppos; uint32_t nppos, capppos;
  /* limits */
  uint32_t maxnodes;   /* expression store limit (SLOPE_ERRLIMIT beyond) */
  double maxmem;       /* bytes one trace or data set may take (half the machine's memory) */
};

/* Internal functions whose result must be checked (see SLOPE_NODISCARD). */
#define SX_NODISCARD SLOPE_NODISCARD

/* Record an error (the first one of a call wins).  Returns 'code' for convenience. */
int sx_error(slope_ctx *S, int code, const char *fmt, ...);
int sx_verror(slope_ctx *S, int code, const char *fmt, va_list ap);
/* Nonzero when the current call has recorded an error. */
#define sx_failed(S) ((S)->errcode != SLOPE_OK)

/* The first statement of a public function that can fail: an error an
** earlier call recorded is set aside (see the top of this file). */
static inline void sx_enter(slope_ctx *S) {
  if (S->errcode != SLOPE_OK) {
    S->errkept = S->errcode;
    S->errcode = SLOPE_OK;
  }
}
/* Make the error the last sx_enter set aside the current call's error again,
** when the current call has none; returns the current code.  For a public
** function called on a cleanup path after the call failed. */
int sx_error_back(slope_ctx *S);
/* A public function was given the expression 0: the error of the call that
** made it (set aside by sx_enter) becomes this call's error again; with none
** to take back, say what is wrong.  Returns the code. */
int sx_failed_arg(slope_ctx *S);
/*
** Misuse (slope.h, "Misuse"): each public function checks its arguments
** with these before it touches them, so the checks read the same everywhere.
** 'SX_ENTER' and 'SX_ENTER_OBJ' replace 'sx_enter' at the top of a function
** that may be given a NULL context or object (there is nowhere to record
** that: the call returns 'fail').  'SX_MISUSE_IF' records SLOPE_ERRMISUSE
** with the function's name ("slope_run: ...") and returns 'fail'.  Freed
** objects are not detected: a check would read freed memory.
*/
int sx_misuse(slope_ctx *S, const char *fn, const char *fmt, ...);
#define SX_ENTER(S, fail) do { if (!(S)) return fail; sx_enter(S); } while (0)
#define SX_ENTER_OBJ(obj, fail) do { \
    if (!(obj) || !(obj)->S) return fail; \
    sx_enter((obj)->S); \
  } while (0)
#define SX_MISUSE_IF(S, bad, fail, ...) do { \
    if (bad) { sx_misuse((S), __func__, __VA_ARGS__); return fail; } \
  } while (0)

/* The context a data set was made from (data.c keeps its struct to itself). */
slope_ctx *sx_data_ctx(const slope_data *d);

/* Put 'what: ' before the current call's error message, so an error that
** surfaced deep inside says where it happened ("step 3: the onecycle schedule
** set an invalid momentum: adam: betas[1] must be ...").  No-op when no error
** is recorded. */
void sx_error_context(slope_ctx *S, const char *fmt, ...);

/* Bytes of physical memory, or 0 when the system does not say: the bound
** for allocations that Linux's overcommit would otherwise grant and then
** kill the process for touching. */
double sx_physical_memory(void);

/* Growable buffer helpers; appends past an allocation failure are dropped. */
void sx_buf_reset(sx_buf *b);
void sx_buf_free(sx_buf *b);
void sx_buf_add(sx_buf *b, const char *s, size_t n);
void sx_buf_puts(sx_buf *b, const char *s);
void sx_buf_printf(sx_buf *b, const char *fmt, ...);
/* Shortest decimal text of a finite double that reads back exactly. */
void sx_buf_num(sx_buf *b, double v);

#endif
