/*
** jit.h -- native code for compiled tapes (internal): the C source of a tape
** (tape_c.c) compiled by the system's C compiler into a shared object,
** cached on disk and loaded with dlopen (jit.c).
**
** Every tape gets its state on first evaluation.  While the native function
** is not there (not asked for yet, compiling in the background, or never:
** no compiler, a failed compile, SLOPE_JIT=0) the interpreter serves; a
** loaded function serves only after it has given the interpreter's results,
** bit for bit, at one point (the first call after loading).
*/
#ifndef SLOPE_JIT_H
#define SLOPE_JIT_H

#include <stdatomic.h>
#include <stddef.h>

#include "tape.h"

/* The generated function: value into *f, gradient into grad (when not NULL),
** over 'count' rows (the selection 'rows', or the first 'count' rows);
** 'work' is the tape's row blocks (T->rw, T->gb, then T->gather's), for
** code that runs the row section instruction by instruction. */
typedef void sj_fn(const double *x, const double *const *cols, const size_t *rows,
                   size_t count, double *f, double *grad, double *const *work);

/* Where a tape's native code stands. */
enum { SJ_IDLE, SJ_BUILDING, SJ_LOADED, SJ_NATIVE, SJ_FAILED, SJ_OFF };

typedef struct sj_state {
  _Atomic int phase;    /* SJ_*: the builder publishes SJ_LOADED or SJ_FAILED */
  _Atomic int refs;     /* the tape, and the builder thread while it runs */
  int native;           /* checked: every call goes to 'fn' */
  int mode;             /* SLOPE_JIT_* */
  int verbose;          /* SLOPE_JIT=1: one line on stderr when falling back */
  int busy;             /* the check is running the interpreter */
  int blocked;          /* tc_blocked: auto mode does not compile it */
  double work;          /* instructions interpreted so far (auto mode) */
  char *src;            /* the generated source, with its key line */
  char key[40];         /* content hash of the source and the compiler command */
  char *cc;             /* the compiler command ($CC or cc) */
  double **blocks;      /* T->rw, T->gb, then the gather blocks, for the generated code */
  double flag;          /* array tapes: set by the generated code on a label out of range */
  sj_fn *fn;
  void *handle;
  double ms;            /* time to compile (or load from the cache), in ms */
  int cached;           /* loaded from the cache without compiling */
  char why[256];        /* why the interpreter serves */
} sj_state;

/* The C source of a tape, malloc'd; NULL when out of memory.  An array
** tape's comes from tape_array_c.c (tac_source). */
char *tc_source(const slope_tape *T);

/* What the two generators share (tape_c.c): a growing text, a double as
** exact C text, the rules of each operation as text, the common prelude. */
typedef struct tc_buf { char *p; size_t n, cap; int oom; } tc_buf;
typedef struct tc_rule { const char *f, *da, *db; } tc_rule;
void tc_put(tc_buf *B, const char *fmt, ...);
void tc_put_num(tc_buf *B, double x);
extern const tc_rule tc_rules[TP_NOPS];
extern const char tc_prelude[];
char *tac_source(const slope_tape *T);
/* The array tape's generated code reads and writes the tape's own memory,
** passed in 'work' (see tac_source): how many pointers, and filling them. */
size_t tac_nwork(const slope_tape *T);
void tac_work(const slope_tape *T, double **work, double *flag);
/* Whether that source runs the row section instruction by instruction (no
** faster than the interpreter so far: auto mode leaves such tapes alone). */
int tc_blocked(const slope_tape *T);

/* Whether this call goes to the native function (slope_tape_grad's first
** question); the slow path counts work and starts or checks compilation. */
int sj_slow(slope_tape *T, const size_t *rows, size_t nsel);
static inline int sj_take(slope_tape *T, const size_t *rows, size_t nsel) {
  if (T->jit && T->jit->native) return 1;
  return sj_slow(T, rows, nsel);
}
/* slope_tape_grad through the native function (checking it first if new);
** a checked function without data is called straight from here. */
int sj_grad_slow(slope_tape *T, const double *x, const size_t *rows, size_t nsel, double *f,
                 double *grad);
static inline int sj_grad(slope_tape *T, const double *x, const size_t *rows, size_t nsel,
                          double *f, double *grad) {
  sj_state *J = T->jit;
  if (!J->native || T->has_reduce || T->arr) return sj_grad_slow(T, x, rows, nsel, f, grad);
  double fv;
  J->fn(x, T->cols, NULL, 0, f ? f : &fv, grad, J->blocks);
  return SLOPE_OK;
}
void sj_free(sj_state *J);

#endif
