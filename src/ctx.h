/*
** ctx.h -- the context every part of slope hangs off (internal).
**
** The context owns the expression store, a scratch buffer for strings handed
** out, and the first error.  Errors follow the "first error wins" rule: once an
** error is recorded, later ones are ignored until 'slope_clear_error', so a
** chain of constructors can run on and be checked once at the end.
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
  /* error state */
  int errcode;
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
  /* limits */
  uint32_t maxnodes;   /* expression store limit (SLOPE_ERRLIMIT beyond) */
  double maxmem;       /* bytes one trace or data set may take (half the machine's memory) */
};

/* Record an error (first one wins).  Returns 'code' for convenience. */
int sx_error(slope_ctx *S, int code, const char *fmt, ...);
int sx_verror(slope_ctx *S, int code, const char *fmt, va_list ap);
/* Nonzero when an error is recorded. */
#define sx_failed(S) ((S)->errcode != SLOPE_OK)

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
