/*
** vmath.h -- transcendental functions over blocks of doubles at vector
** speed, for fast_math (internal).
**
** The kernels call glibc's libmvec (the vector variants of exp, log, log1p,
** expm1 and tanh: four lanes with AVX2, two with SSE2), loaded with dlopen
** when a tape asks for fast_math, so neither the library nor a host that
** links it statically needs -lmvec.  Their results differ from <math.h>'s by
** a few ulp (tests/test_vmath.c; the bound is in docs/reference.md), which is
** why they are never the default.
*/
#ifndef SLOPE_VMATH_H
#define SLOPE_VMATH_H

#include <stddef.h>

/* The functions libmvec gives (ORDER VM). */
enum { VM_EXP, VM_LOG, VM_LOG1P, VM_EXPM1, VM_TANH, VM_NFN };

typedef struct vm_lib vm_lib;

/* libmvec's kernels for this CPU, or NULL where it cannot be loaded. */
vm_lib *vm_open(void);
/* The same with at most 'lanes' lanes (2: the SSE2 variants; for the tests). */
vm_lib *vm_open_lanes(int lanes);
void vm_close(vm_lib *L);
/* Lanes of the widest variant in use (4 with AVX2, else 2). */
int vm_lanes(const vm_lib *L);
/* O[i] = fn(A[i]) for i < m; O may be A.  Any m. */
void vm_map(const vm_lib *L, int fn, size_t m, double *O, const double *A);
/* sigmoid and softplus from the vector exp and log1p, with the branches of
** sx_sigmoid and sx_softplus (functions.h): O may be A. */
void vm_sigmoid(const vm_lib *L, size_t m, double *O, const double *A);
void vm_softplus(const vm_lib *L, size_t m, double *O, const double *A);

#endif
