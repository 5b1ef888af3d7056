/*
** eigen.h -- eigenvalues and eigenvectors of small symmetric matrices
** (internal), for CMA-ES's covariance matrix.
*/
#ifndef SLOPE_EIGEN_H
#define SLOPE_EIGEN_H

/*
** Decompose the symmetric n*n row-major matrix 'A' (only its upper triangle
** is read; it is overwritten) as A = V diag(d) V^T: column j of the row-major
** 'V' is the unit eigenvector of eigenvalue d[j].  Cyclic Jacobi rotations,
** so the result is a pure function of 'A' (no randomness, no pivoting
** order that depends on the platform).  Returns the sweeps made, or -1
** when 50 sweeps did not bring the off-diagonal part to rounding level
** (V and d then hold the last iterate, still an orthogonal V).
*/
int sx_eigen_sym(int n, double *A, double *V, double *d);

#endif
