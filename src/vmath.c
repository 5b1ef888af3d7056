/*
** vmath.c -- libmvec's vector exp, log, log1p, expm1 and tanh over blocks
** of doubles (see vmath.h).
**
** libmvec is loaded per tape with dlopen (the handle and the entry points
** live in the vm_lib the tape holds; no global state).  The AVX2 variants
** (_ZGVdN4v_*, four lanes) are used where the CPU has AVX2 and FMA, the SSE2
** ones (_ZGVbN2v_*, two lanes) elsewhere.  A vector type of 32 bytes travels
** in a ymm register only in code compiled for AVX, so the four-lane loop is
** a function of its own with the target attribute.  A block's tail shorter
** than a vector goes through a padded copy: every element takes the same
** vector code, so a result does not depend on where its row falls.
*/
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "tape.h"
#include "vmath.h"

typedef double vm_v2 __attribute__((vector_size(2 * sizeof(double))));
typedef double vm_v4 __attribute__((vector_size(4 * sizeof(double))));
typedef vm_v2 vm_fn2(vm_v2);
typedef vm_v4 vm_fn4(vm_v4);

struct vm_lib {
  void *handle;
  vm_fn2 *f2[VM_NFN];
  vm_fn4 *f4[VM_NFN];   /* NULL without AVX2 */
};

/* ORDER VM */
static const char *const vm_names[VM_NFN] = {"exp", "log", "log1p", "expm1", "tanh"};

static void *sym(void *h, const char *abi, const char *name) {
  char s[32];
  snprintf(s, sizeof s, "_ZGV%sv_%s", abi, name);
  return dlsym(h, s);
}

vm_lib *vm_open(void) { return vm_open_lanes(4); }

vm_lib *vm_open_lanes(int lanes) {
  vm_lib *L = calloc(1, sizeof *L);
  if (!L) return NULL;
  L->handle = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!L->handle) {
    free(L);
    return NULL;
  }
  __builtin_cpu_init();
  int avx2 = lanes >= 4 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  for (int k = 0; k < VM_NFN; k++) {
    void *p2 = sym(L->handle, "bN2", vm_names[k]), *p4 = avx2 ? sym(L->handle, "dN4", vm_names[k]) : NULL;
    if (!p2) {   /* an older libmvec without this function: no fast_math */
      vm_close(L);
      return NULL;
    }
    memcpy(&L->f2[k], &p2, sizeof p2);   /* object pointer to function pointer, as POSIX allows */
    if (p4) memcpy(&L->f4[k], &p4, sizeof p4);
  }
  return L;
}

void vm_close(vm_lib *L) {
  if (!L) return;
  dlclose(L->handle);
  free(L);
}

int vm_lanes(const vm_lib *L) { return L && L->f4[0] ? 4 : 2; }

/* O[i] = f(A[i]) over vectors of type V of K lanes; the tail through a
** zero-padded copy.  memcpy keeps the loads and stores unaligned. */
#define MAP_LOOP(V, K) do { \
    size_t i = 0; \
    for (; i + (K) <= m; i += (K)) { \
      V v; \
      memcpy(&v, A + i, sizeof v); \
      v = f(v); \
      memcpy(O + i, &v, sizeof v); \
    } \
    if (i < m) { \
      double t[K] = {0}; \
      V v; \
      memcpy(t, A + i, (m - i) * sizeof *t); \
      memcpy(&v, t, sizeof v); \
      v = f(v); \
      memcpy(t, &v, sizeof v); \
      memcpy(O + i, t, (m - i) * sizeof *t); \
    } \
  } while (0)

__attribute__((target("avx2,fma")))
static void map4(vm_fn4 *f, size_t m, double *O, const double *A) { MAP_LOOP(vm_v4, 4); }

static void map2(vm_fn2 *f, size_t m, double *O, const double *A) { MAP_LOOP(vm_v2, 2); }

void vm_map(const vm_lib *L, int fn, size_t m, double *O, const double *A) {
  if (L->f4[fn]) map4(L->f4[fn], m, O, A);
  else map2(L->f2[fn], m, O, A);
}

/*
** Both from e = exp(-|a|) <= 1, which never overflows: sigmoid(a) is
** 1/(1+e) for a >= 0 and e/(1+e) below, as sx_sigmoid computes it;
** softplus(a) is max(a, 0) + log1p(e), sx_softplus's two branches.
*/
static void from_exp(const vm_lib *L, int softplus, size_t m, double *O, const double *A) {
  enum { CHUNK = 64 };
  double e[CHUNK];
  for (size_t j = 0; j < m; j += CHUNK) {
    size_t k = m - j < CHUNK ? m - j : CHUNK;
    for (size_t i = 0; i < k; i++) e[i] = -fabs(A[j + i]);
    vm_map(L, VM_EXP, k, e, e);
    if (softplus) {
      vm_map(L, VM_LOG1P, k, e, e);
      for (size_t i = 0; i < k; i++) O[j + i] = A[j + i] > 0 ? A[j + i] + e[i] : e[i];
    } else {
      for (size_t i = 0; i < k; i++) O[j + i] = A[j + i] >= 0 ? 1 / (1 + e[i]) : e[i] / (1 + e[i]);
    }
  }
}

void vm_sigmoid(const vm_lib *L, size_t m, double *O, const double *A) { from_exp(L, 0, m, O, A); }
void vm_softplus(const vm_lib *L, size_t m, double *O, const double *A) { from_exp(L, 1, m, O, A); }

/* ---- the switch on a tape ------------------------------------------------------ */

int slope_tape_fast_math(slope_tape *T, int on) {
  SX_ENTER_OBJ(T, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(T->S, on != 0 && on != 1, SLOPE_ERRMISUSE,
               "on %d is not 0 (exact, the default) or 1 (fast_math)", on);
  if (!on) {
    vm_close(T->vm);
    T->vm = NULL;
  } else if (!T->vm) {
    T->vm = vm_open();   /* NULL where libmvec cannot be loaded: the tape stays exact */
  }
  return SLOPE_OK;
}

int slope_tape_fast_math_lanes(const slope_tape *T) { return T && T->vm ? vm_lanes(T->vm) : 0; }
