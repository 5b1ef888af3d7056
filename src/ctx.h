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

/* One node of the DAG.  Children always have smaller ids than their parent,
** so increasing id order is a topological order. */
typedef struct sx_node {
  uint8_t kind;        /* enum sx_kind */
  uint32_t nkids;      /* number of children */
  uint32_t kids;       /* index of the first child in 'S->kids'; VAR: name offset */
  uint32_t hash;
  uint32_t depth;      /* longest path to a leaf, bounded by SX_MAX_EXPR_DEPTH */
  double num;          /* NUM: the value */
  double deg;          /* polynomial degree, orders the terms of a sum */
} sx_node;

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

struct slope_ctx {
  /* expression store */
  sx_node *nodes;  uint32_t nnodes, capnodes;
  uint32_t *kids;  uint32_t nkids, capkids;
  char *names;     uint32_t nnames, capnames;   /* NUL-terminated, interned */
  uint32_t *table; uint32_t captable;           /* open-addressing hash of node ids */
  /* error state */
  int errcode;
  int errline, errcol;
  size_t erroffset;
  char errmsg[1024];
  /* borrowed result strings */
  sx_buf out;
  /* reused scratch for DAG walks (marks, memo tables), grown on demand */
  uint32_t *memo;  uint32_t capmemo;
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
