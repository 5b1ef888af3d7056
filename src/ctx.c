/*
** ctx.c -- the context: creation, the first-error-wins rule, text buffers.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr.h"

const char *slope_version(void) { return SLOPE_VERSION; }

slope_ctx *slope_new(void) {
  slope_ctx *S = calloc(1, sizeof *S);
  if (!S) return NULL;
  S->maxnodes = SX_MAX_NODES;
  S->maxmem = sx_physical_memory() / 2;
  /* id 0 is reserved as SX_NIL so a failed construction can never alias a node */
  S->capnodes = 256;
  S->nodes = malloc(S->capnodes * sizeof *S->nodes);
  S->caprefs = S->capnodes;
  S->refs = calloc(S->caprefs, sizeof *S->refs);
  S->capkids = 512;
  S->kids = malloc(S->capkids * sizeof *S->kids);
  S->capnames = 256;
  S->names = malloc(S->capnames);
  S->captable = 512;
  S->table = calloc(S->captable, sizeof *S->table);
  if (!S->nodes || !S->refs || !S->kids || !S->names || !S->table) {
    slope_free(S);
    return NULL;
  }
  memset(&S->nodes[0], 0, sizeof S->nodes[0]);
  S->nnodes = 1;
  S->born = 1;
  S->names[0] = '\0';
  S->nnames = 1;
  return S;
}

void slope_free(slope_ctx *S) {
  if (!S) return;
  free(S->nodes);
  free(S->kids);
  free(S->names);
  free(S->table);
  free(S->refs);
  free(S->mark);
  free(S->order);
  free(S->sortbuf);
  free(S->sorttmp);
  free(S->memo);
  sx_buf_free(&S->out);
  free(S);
}

int sx_verror(slope_ctx *S, int code, const char *fmt, va_list ap) {
  if (S->errcode != SLOPE_OK) return code;   /* the first error wins */
  S->errcode = code;
  S->errline = S->errcol = 0;
  S->erroffset = 0;
  vsnprintf(S->errmsg, sizeof S->errmsg, fmt, ap);
  return code;
}

int sx_error(slope_ctx *S, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sx_verror(S, code, fmt, ap);
  va_end(ap);
  return code;
}

slope_error slope_error_get(const slope_ctx *S) {
  slope_error e;
  e.code = S->errcode;
  e.line = S->errline;
  e.col = S->errcol;
  e.offset = S->erroffset;
  e.message = S->errcode == SLOPE_OK ? "" : S->errmsg;
  return e;
}

void slope_clear_error(slope_ctx *S) {
  S->errcode = SLOPE_OK;
  S->errmsg[0] = '\0';
  S->errline = S->errcol = 0;
  S->erroffset = 0;
}

/* ---- text buffers ---- */

void sx_buf_reset(sx_buf *b) {
  b->n = 0;
  b->oom = 0;
  if (b->p) b->p[0] = '\0';
}

void sx_buf_free(sx_buf *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
  b->oom = 0;
}

void sx_buf_add(sx_buf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) { b->oom = SX_BUF_OOM; return; }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void sx_buf_puts(sx_buf *b, const char *s) { sx_buf_add(b, s, strlen(s)); }

void sx_buf_printf(sx_buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) { sx_buf_add(b, tmp, (size_t)n); return; }
  char *big = malloc((size_t)n + 1);
  if (!big) { b->oom = SX_BUF_OOM; return; }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sx_buf_add(b, big, (size_t)n);
  free(big);
}

/*
** The shortest of %.15g, %.16g, %.17g that reads back to the same double, so
** 0.1 prints as "0.1" and every printed number parses back exactly.
*/
void sx_buf_num(sx_buf *b, double v) {
  char tmp[40];
  if (v == 0) v = 0;  /* print -0 as 0 */
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (strtod(tmp, NULL) == v) break;
  }
  sx_buf_puts(b, tmp);
}

double sx_physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}
