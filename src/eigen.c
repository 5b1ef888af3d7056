/*
** eigen.c -- cyclic Jacobi eigendecomposition of a symmetric matrix.
**
** CMA-ES samples through C = B D^2 B^T and needs C^(-1/2) = B D^-1 B^T;
** its n is small (tens), so Jacobi's method is the right tool: a few dozen
** lines, accurate to rounding in every eigenvalue, small ones included,
** and orthogonal eigenvectors by construction.  Each rotation zeroes one
** off-diagonal entry (Rutishauser's formulation, Numerical Recipes 11.1);
** the sweeps stop once the off-diagonal part is negligible against the
** diagonal.
*/
#include <math.h>

#include "eigen.h"

/* Rotate the pair (a, b) by the angle whose sine is 's' (tau = s/(1+c)). */
static void rotate(double *a, double *b, double s, double tau) {
  double g = *a, h = *b;
  *a = g - s * (h + g * tau);
  *b = h + s * (g - h * tau);
}

/* Zero A[p][q] (p < q) with one rotation, updating d and V. */
static void zero_pair(int n, double *A, double *V, double *d, int p, int q) {
  double apq = A[p * n + q], h = d[q] - d[p], t;
  if (fabs(apq) * 1e40 < fabs(h)) t = apq / h;   /* theta huge: t = 1/(2 theta) */
  else {
    double theta = 0.5 * h / apq;
    t = 1.0 / (fabs(theta) + sqrt(1.0 + theta * theta));
    if (theta < 0) t = -t;
  }
  double c = 1.0 / sqrt(1 + t * t), s = t * c, tau = s / (1.0 + c);
  d[p] -= t * apq;
  d[q] += t * apq;
  A[p * n + q] = 0.0;
  for (int j = 0; j < p; j++) rotate(&A[j * n + p], &A[j * n + q], s, tau);
  for (int j = p + 1; j < q; j++) rotate(&A[p * n + j], &A[j * n + q], s, tau);
  for (int j = q + 1; j < n; j++) rotate(&A[p * n + j], &A[q * n + j], s, tau);
  for (int j = 0; j < n; j++) rotate(&V[j * n + p], &V[j * n + q], s, tau);
}

int sx_eigen_sym(int n, double *A, double *V, double *d) {
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) V[i * n + j] = i == j;
    d[i] = A[i * n + i];
  }
  for (int sweep = 0; sweep < 50; sweep++) {
    double off = 0, diag = 0;
    for (int p = 0; p < n; p++) {
      diag += fabs(d[p]);
      for (int q = p + 1; q < n; q++) off += fabs(A[p * n + q]);
    }
    if (!(off > 1e-22 * diag) || off < 1e-300) return sweep;
    for (int p = 0; p < n - 1; p++)
      for (int q = p + 1; q < n; q++)
        if (A[p * n + q] != 0.0) zero_pair(n, A, V, d, p, q);
  }
  return -1;
}
