/*
** ctx.c -- the context: creation, errors that do not outlive their call
** (the rule is described in ctx.h), text buffers.
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
  free(S->psrc);
  free(S->ppos);
  sx_buf_free(&S->out);
  free(S);
}

int sx_verror(slope_ctx *S, int code, const char *fmt, va_list ap) {
  if (S->errcode != SLOPE_OK) return code;   /* the first error of the call wins */
  S->errcode = code;
  S->errkept = SLOPE_OK;                      /* its message is overwritten below */
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

int sx_misuse(slope_ctx *S, const char *fn, const char *fmt, ...) {
  if (!S) return SLOPE_ERRMISUSE;
  char what[sizeof S->errmsg - 64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return sx_error(S, SLOPE_ERRMISUSE, "%s: %s", fn, what);
}

int sx_error_back(slope_ctx *S) {
  if (S->errcode == SLOPE_OK && S->errkept != SLOPE_OK) {   /* the message is still in errmsg */
    S->errcode = S->errkept;
    S->errkept = SLOPE_OK;
  }
  return S->errcode;
}

int sx_failed_arg(slope_ctx *S) {
  if (sx_error_back(S) != SLOPE_OK) return S->errcode;
  return sx_error(S, SLOPE_ERRARG, "no expression (the handle 0, which a failed call returns)");
}

void sx_error_context(slope_ctx *S, const char *fmt, ...) {
  if (S->errcode == SLOPE_OK) return;
  char what[sizeof S->errmsg / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what - 2, fmt, ap);
  va_end(ap);
  strcat(what, ": ");
  size_t n = strlen(what), cap = sizeof S->errmsg, len = strlen(S->errmsg);
  if (len + 1 > cap - n) len = cap - n - 1;   /* the end of the message gives way */
  memmove(S->errmsg + n, S->errmsg, len);
  memcpy(S->errmsg, what, n);
  S->errmsg[n + len] = '\0';
}

slope_error slope_error_get(const slope_ctx *S) {
  slope_error e = {SLOPE_OK, 0, 0, 0, ""};
  if (!S) {   /* nowhere to record it: say so here */
    e.code = SLOPE_ERRMISUSE;
    e.message = "slope_error_get: the context is NULL";
    return e;
  }
  if (S->errcode == SLOPE_OK) return e;   /* the last call succeeded */
  e.code = S->errcode;
  e.line = S->errline;
  e.col = S->errcol;
  e.offset = S->erroffset;
  e.message = S->errmsg;
  return e;
}

void slope_clear_error(slope_ctx *S) {
  if (!S) return;
  S->errcode = S->errkept = SLOPE_OK;
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
