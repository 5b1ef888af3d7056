/*
** tape_array.h -- the compiled tape of an expression with vectors and
** matrices (internal; see tape.h for the scalar tape it extends).
**
** An expression whose names are all scalars and which has no array node
** compiles to the scalar tape, unchanged.  Otherwise it compiles here, to
** array instructions: one instruction per array node, whatever the length, so
** compile time and tape size do not grow with n (values are laid out by
** calloc; only constants are written).
**
** Registers have a shape (rank, rows, cols; 'n' elements, row-major) and a
** section, as in the scalar tape.  A register outside the row section ('pre'
** and 'post': parameters, constants, what depends on reduction results) is a
** contiguous run of doubles in 'val' (rounded up to 4, so element-wise
** instructions run the block kernels of tape_eval.c over its elements).  A
** row register holds a block of 'bs' data rows per element; its elements are
** reached through pointer tables 'ep' (values) and 'gp' (adjoints), so a
** data column's elements point straight into the bound columns, and a slice
** or an element of any register is a view: a register without an
** instruction whose elements are those of its source.
**
** Peephole, as in the scalar tape: (a - b)^2 is one instruction, dead
** instructions are pruned, the only reader of x in x + y shares the sum's
** adjoint, and outside the row section an adjoint's first write assigns,
** so only the registers written otherwise are cleared per call.
**
** A row instruction runs over a block of rows: an element-wise one calls the
** block kernel once per element, a dot product over 20 features is one
** instruction of 20 multiply-add passes, W @ x (W a parameter) one small
** matrix product, m*k passes over the block.
*/
#ifndef SLOPE_TAPE_ARRAY_H
#define SLOPE_TAPE_ARRAY_H

#include "tape.h"

/* Array operations; element-wise ones carry a tp_op in 'sub'. */
enum ta_op {
  TA_EW1, TA_EW2,     /* element-wise with scalar broadcast */
  TA_MATMUL,          /* (i0 x i1) @ (i1 x i2): also dot (1 x n @ n x 1) and outer (i1 = 1) */
  TA_TRANSPOSE,       /* a is i0 x i1 */
  TA_PAD,             /* i0 zeros, a, i1 zeros */
  TA_ESUM,            /* sum of the elements (mean: k = 1/n) */
  TA_AMAX, TA_NORM, TA_SOFTMAX, TA_LOGSOFTMAX, TA_LOGSUMEXP,
  TA_XENT,            /* logsumexp(a) - a[b] for the integer label b */
  TA_ONEHOT,          /* a 1 at the label a among i0 elements */
  TA_NOPS
};

typedef struct ta_reg {
  uint32_t n;          /* elements */
  uint32_t rows, cols; /* shape: rows x cols (a vector is n x 1) */
  uint8_t rank;
  uint8_t row;         /* in the row section: a block per element */
  uint8_t grad;        /* carries a derivative */
  uint8_t view;        /* no storage of its own: elements [lo, lo + n) of 'src' */
  uint32_t src, lo;
  uint32_t goff;       /* not row: first element in the adjoints (shared: see 'smask') */
  uint32_t off;        /* not row: first element in val; row: first entry of ep/gp
                       ** (a view's are its source's from 'lo' on) */
  int32_t col;         /* row register of a data column: its first column, else -1 */
} ta_reg;

typedef struct ta_ins {
  uint8_t op, sub;     /* enum ta_op; the tp_op of an element-wise one */
  uint8_t row;         /* in the row section */
  uint8_t gmask;       /* 1: operand a needs an adjoint, 2: operand b */
  uint8_t smask;       /* outside the row section: the first write of a's (1), b's (2)
                       ** adjoint, which assigns; others add into cleared ones.  4, 8:
                       ** a's, b's adjoint is the result's (x + y, x - y): nothing to do */
  uint32_t out, a, b;
  uint32_t i0, i1, i2;
  double k;
} ta_ins;

/*
** A reduction over the data rows of a row register, into a register of the
** scalar sections of the same shape.  The gradient of scalar reductions
** runs with the forward pass: each reduction's sweep with seed 1 adds its
** partials (d reduction / d register), combined by the chain rule after the
** post section; for array reductions ('twopass') a second pass over the
** rows seeds each element with its adjoint, known after the post section.
*/
typedef struct ta_red {
  uint32_t arg, out;   /* row register, register of the scalar sections */
  int mean;
  uint32_t sw0, nsw;   /* its backward sweep: row instruction indices in T->sweep (in order) */
  uint32_t z0, nz;     /* row registers whose adjoint blocks the sweep clears (T->zreg) */
} ta_red;

typedef struct tp_arr {
  ta_reg *reg;
  uint32_t nreg;
  ta_ins *ins;         /* pre, then row, then post */
  uint32_t npre, nrow, npost;
  ta_red *red;
  uint32_t nred;
  int twopass;         /* an array reduction carries a derivative: see ta_red */
  uint32_t *sweep, *zreg;          /* sweeps, cleared registers */
  uint32_t *pread;     /* non-row registers the row section reads with an adjoint */
  uint32_t npread;
  uint32_t *zadj;      /* non-row registers whose adjoints each gradient clears first */
  uint32_t nzadj;
  uint32_t root, count;            /* result register; the row count register (UINT32_MAX: none) */
  uint32_t nval, bs, nep;
  double *val, *adj, *part;        /* part: nred x nval partial adjoints */
  double **ep, **gp;               /* row element pointers */
  double *pool;                    /* row value and adjoint blocks */
  double *scratch;                 /* 4 blocks, or the longest register outside the row section */
  uint32_t ncolreg;
  uint32_t *colreg;                /* row registers of data columns */
  uint32_t *poff;                  /* parameter k: its register; offsets in x follow the shapes */
  int nparams;                     /* parameter names */
  int npoint, ncolptr;             /* doubles in x, pointers in cols */
  /* the block being evaluated, for error messages */
  const size_t *rows;
  size_t start;
  const struct vm_lib *vm;         /* fast_math (vmath.h): the tape's, set at each evaluation */
} tp_arr;

/* Compiling (tape_array.c): the array tape of 'e' into T->arr; SLOPE_OK or
** an error code with the context's error set. */
int ta_compile(slope_tape *T, sx_id e, const char *const *params, const slope_shape *pshape,
               int np, const char *const *cols, const slope_shape *cshape, int nc);
void ta_free(tp_arr *A);
/* Whether 'e' needs the array tape: a name with a non-scalar shape or an array node. */
int ta_needed(slope_ctx *S, sx_id e, const slope_shape *pshape, int np,
              const slope_shape *cshape, int nc);

/* The first column pointer the tape reads that 'cols' leaves NULL, or -1. */
int ta_unbound_column(const slope_tape *T, const double *const *cols);

/* Evaluating (tape_array_eval.c). */
int ta_grad(slope_tape *T, const double *x, const size_t *rows, size_t nsel, double *f,
            double *grad);

#endif
