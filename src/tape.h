/*
** tape.h -- the compiled tape: value and reverse-mode gradient over a flat
** instruction array (internal).
**
** A tape has three sections.  'pre' holds scalar instructions that depend
** only on parameters and constants; 'row' holds the instructions inside
** mean/sum, run over blocks of up to 'bs' data rows (each instruction loops
** over the block, so interpretation costs once per block, not once per row);
** 'post' holds scalar instructions that use reduction results.  Every value
** has its own register (static single assignment), because the backward
** sweep needs every forward value.
**
** Scalar registers: [0, nparams) are the parameters, 'nparams' is the number
** of selected rows (for sum of a row-independent term), then constants, then
** computed values.  Row registers are blocks of 'bs' doubles; a data column's
** register points straight into the bound column (or a gather buffer).
**
** An expression with vectors or matrices compiles to the array tape instead
** ('arr', tape_array.h), which shares the block kernels below.
*/
#ifndef SLOPE_TAPE_H
#define SLOPE_TAPE_H

#include "expr.h"

/* Operations: binary, ternary (fused multiply-add, made by the peephole
** pass), then unary ones, which take an immediate 'k'.  Each function of
** the language has its own, named as its kind (ORDER FN). */
#define TP_OP1(NAME, name, ar, ...) SX_IF1_##ar(TP_##NAME,)
#define TP_OP2(NAME, name, ar, ...) SX_IF2_##ar(TP_##NAME,)
enum tp_op {
  TP_ADD, TP_SUB, TP_MUL, TP_DIV, TP_POW,
  SX_FUNCTIONS(TP_OP2)
  TP_SQDIFF, TP_SQSUM,          /* (a - b)^2, (a + b)^2 */
  TP_FMA, TP_FMS, TP_FNMA,      /* a*b + c, a*b - c, c - a*b */
  TP_NEG, TP_SQR, TP_SQRT, TP_RECIP, TP_POWI, TP_POWK,
  SX_FUNCTIONS(TP_OP1)
  TP_NOPS
};
_Static_assert(TP_NOPS <= 256, "an instruction's operation is a byte");
#define tp_is_binary(op) ((op) <= TP_SQSUM)
#define tp_is_ternary(op) ((op) >= TP_FMA && (op) <= TP_FNMA)
#define tp_is_unary(op) ((op) >= TP_NEG)

/* Shape of a row instruction: which operands are block vectors (the others
** are scalar registers, broadcast over the block).  A ternary row
** instruction always has a vector 'a'. */
enum { TP_AV = 1, TP_BV = 2, TP_CV = 4, TP_VV = 3, TP_VS = TP_AV, TP_SV = TP_BV };

/* Instruction flags. */
enum {
  TP_DOA = 1,    /* operand a needs an adjoint */
  TP_DOB = 2,    /* operand b needs an adjoint */
  TP_DOC = 4,
  TP_SETA = 8,   /* first write of a's adjoint in the backward sweep: assign, not add */
  TP_SETB = 16,
  TP_SETC = 32
};

typedef struct tp_ins {
  uint8_t op;
  uint8_t shape;   /* row section only */
  uint8_t flags;   /* TP_DOA, TP_DOB, TP_DOC */
  uint32_t out, a, b, c;   /* registers; unused operands repeat 'a' */
  double k;        /* POWI/POWK exponent */
} tp_ins;

/* One step of a reduction's backward sweep over the row section: the
** instruction and the adjoint buffers it reads and writes.  A scalar
** operand's adjoint is its register in the reduction's partial array. */
typedef struct tp_bwd {
  uint32_t ins;
  uint32_t go, ga, gb, gc;
  uint32_t flags;  /* TP_DO* | TP_SET* */
} tp_bwd;

/* A reduction: its row argument, its scalar result, its backward sweep. */
typedef struct tp_red {
  uint32_t arg, out;
  int mean;
  uint32_t bwd0, nbwd;   /* steps in T->bwd; nbwd == 0 when no gradient flows */
  double *part;          /* d(reduction)/d(scalar register), summed over rows */
  double acc;            /* running sum of the argument */
} tp_red;

struct slope_tape {
  slope_ctx *S;               /* for errors */
  int nparams, ncols;
  int has_reduce;             /* needs bound data */
  uint32_t root;              /* scalar register of the result */
  uint32_t nsreg;
  double *sv, *sg;            /* scalar values and adjoints */
  tp_ins *ins;                /* pre, then row, then post */
  uint32_t npre, nrow, npost;
  /* row section */
  uint32_t nrreg, bs;         /* row registers, block size */
  const double **rv;          /* row register -> block of values */
  double **rw;                /* the same for computed registers (NULL for columns) */
  uint32_t ncolreg;
  uint32_t *colreg, *colidx;  /* column registers and their column index */
  double *gather;             /* ncolreg blocks: mini-batch rows, ragged tails */
  double **gb;                /* adjoint buffers; gb[0] is all ones (the seed) */
  uint32_t ngb;
  tp_red *red;
  uint32_t nred;
  tp_bwd *bwd;
  uint32_t nbwd;
  uint32_t *rread;            /* scalar registers the row section feeds adjoints to */
  uint32_t nrread;
  uint32_t *zero;             /* scalar adjoints to clear after the post sweep (the
                              ** others are assigned before they are read) */
  uint32_t nzero;
  /* bound data */
  const double **cols;
  size_t nrows;
  int bound;
  double *pool;               /* one allocation behind the value and adjoint blocks */
  struct tp_arr *arr;         /* the array tape (tape_array.h); NULL for a scalar one */
  struct sj_state *jit;       /* native code (jit.h); NULL until the first evaluation */
  struct vm_lib *vm;          /* fast_math: libmvec's kernels (vmath.h); NULL: exact */
};

/* Make '*p' (an array of '*cap' elements of 'elem' bytes) hold at least
** 'need', doubling from 16; 0 when out of memory or past 2^31 elements, with
** '*p' unchanged.  For the two compilers' growing arrays (tape.c). */
int tp_grow(void **p, uint32_t *cap, size_t need, size_t elem);

/* The evaluator (tape_eval.c). */
void tp_forward(const tp_ins *p, uint32_t n, double *v);
void tp_backward(const tp_ins *p, uint32_t n, const double *v, double *g);
/* Forward pass of the row section over one block of 'm' rows: the block's
** rows rounded up to a multiple of 4 (the extra rows are padding, computed
** on but never summed). */
void tp_row_forward(slope_tape *T, size_t m);
/* One reduction's backward sweep over the block, adding into its partials. */
void tp_row_backward(slope_tape *T, const tp_red *r, size_t n, size_t m);
/* Sum of the first 'n' values of 'x'. */
double tp_sum(const double *x, size_t n);
/* How many rows an evaluation covers, in '*count'; an error code otherwise. */
int tp_selection(slope_tape *T, const size_t *rows, size_t nsel, size_t *count);

/* The block kernels of the element-wise operations (tape_eval.c), by tp_op,
** for the array tape too: forward (shape TP_VV, TP_VS or TP_SV), the adjoint
** of a vector operand a or b ('set': assign, else add), the adjoint of a
** scalar operand summed over rows [0, n); unary forward and adjoint. */
typedef void fw2_fn(size_t, int, double *restrict, const double *restrict,
                    const double *restrict, double, double);
typedef void bw2_fn(size_t, int, int, const double *restrict, const double *restrict,
                    const double *restrict, const double *restrict, double, double *restrict);
typedef double sa_fn(size_t, const double *, const double *, double, const double *);
typedef double sb_fn(size_t, const double *, const double *, const double *, double);
typedef void fw1_fn(size_t, double *restrict, const double *restrict, double);
typedef void bw1_fn(size_t, int, const double *restrict, const double *restrict,
                    const double *restrict, double, double *restrict);
extern fw2_fn *const tp_fw2[TP_NOPS];
extern bw2_fn *const tp_bwa[TP_NOPS], *const tp_bwb[TP_NOPS];
extern sa_fn *const tp_suma[TP_NOPS];
extern sb_fn *const tp_sumb[TP_NOPS];
extern fw1_fn *const tp_fw1[TP_NOPS];
extern bw1_fn *const tp_bw1[TP_NOPS];
/* The unary kernels with fast_math: libmvec's for the operations it covers
** when 'vm' is not NULL, tp_fw1 and tp_bw1 otherwise. */
void tp_fw1_vm(const struct vm_lib *vm, int op, size_t m, double *restrict O,
               const double *restrict A, double k);
void tp_bw1_vm(const struct vm_lib *vm, int op, size_t m, int set, const double *restrict G,
               const double *restrict O, const double *restrict A, double k, double *restrict GA);

/*
** 'm' is a multiple of 4 by contract.  For gcc the body is written out four
** times per trip: gcc -O2 (whose cost model assumes an epilogue for a loop of
** unknown length) vectorizes four grouped statements but not a plain loop.
** clang vectorizes the plain loop, and shuffles needlessly on the grouped one.
*/
#if defined(__clang__)
#define LOOP4(m, BODY) for (size_t i = 0; i < (m); i++) { BODY; }
#else
#define LOOP4(m, BODY) \
  for (size_t j_ = 0; j_ < (m); j_ += 4) { \
    { size_t i = j_; BODY; } { size_t i = j_ + 1; BODY; } \
    { size_t i = j_ + 2; BODY; } { size_t i = j_ + 3; BODY; } \
  }
#endif

#endif
