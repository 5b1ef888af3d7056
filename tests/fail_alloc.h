/*
** fail_alloc.h -- make the n-th allocation fail, for tests linked with
** -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (WRAP_ALLOC in the
** Makefile): every malloc, calloc and realloc of slope's code comes here.
** Set 'fail_at' (0: none) and reset 'allocs' before each run; after a run
** without failures 'allocs' is how many allocations it made.
*/
#ifndef SLOPE_FAIL_ALLOC_H
#define SLOPE_FAIL_ALLOC_H

#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);

static long allocs;    /* allocations since the counter was reset */
static long fail_at;   /* the one that fails (0: none) */

static int failing(void) { return ++allocs == fail_at; }
void *__wrap_malloc(size_t n) { return failing() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return failing() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return failing() ? NULL : __real_realloc(p, n); }

#endif
