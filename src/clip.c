/*
** clip.c -- gradient clipping by global norm (torch.nn.utils.clip_grad_norm_)
** and by value (clip_grad_value_).
*/
#include <math.h>

#include "slope.h"

/*
** The Euclidean norm, summed plainly like PyTorch; only when the squares
** overflow or underflow is it rescaled by the largest magnitude, so huge
** gradients are clipped to max_norm rather than to zero.
*/
static double norm2(const double *g, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += g[i] * g[i];
  if (isfinite(s) && (s > 1e-290 || s == 0)) return sqrt(s);
  double big = 0;
  for (int i = 0; i < n; i++) big = fmax(big, fabs(g[i]));
  if (big == 0 || isinf(big) || isnan(s)) return isnan(s) ? s : big;
  s = 0;
  for (int i = 0; i < n; i++) s += (g[i] / big) * (g[i] / big);
  return big * sqrt(s);
}

/* No context to record misuse in: NULL 'g' or n <= 0 leaves everything alone. */
double slope_clip_norm(double *g, int n, double max_norm) {
  if (!g || n <= 0) return 0;
  double norm = norm2(g, n);
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1)
    for (int i = 0; i < n; i++) g[i] *= coef;
  return norm;
}

void slope_clip_value(double *g, int n, double limit) {
  if (!g) return;
  for (int i = 0; i < n; i++) {
    if (g[i] > limit) g[i] = limit;
    else if (g[i] < -limit) g[i] = -limit;
  }
}
