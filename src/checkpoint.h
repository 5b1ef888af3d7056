/*
** checkpoint.h -- checkpoints as the run loop uses them (internal): a writer
** sized once before the loop, so writing one allocates nothing, and a reader
** that restores a run's position along with its problem and optimizer.
*/
#ifndef SLOPE_CHECKPOINT_H
#define SLOPE_CHECKPOINT_H

#include "problem.h"
#include "optim.h"
#include "schedule.h"

/* Where a run stands after its last completed step. */
typedef struct sx_run_pos {
  long step, epoch;          /* updates done, epochs completed */
  double epoch_fsum;         /* f summed over the steps of the open epoch */
  long epoch_steps;          /* and their count */
  double f, grad_norm;       /* as computed during the last step (its trace row) */
  double *lr;                /* the last step's rate per parameter (caller's n doubles) */
  slope_rng rng;             /* the run's generator (noise, anneal) */
} sx_run_pos;

/* A checkpoint writer for one run: the paths and a buffer big enough for any
** checkpoint of that run. */
typedef struct sx_ckpt {
  slope_ctx *S;
  char *path, *tmp;          /* 'path' and 'path.tmp' */
  unsigned char *buf;
  size_t cap;
  double *extra;             /* room for the optimizer's class-private state */
} sx_ckpt;

/* Size a writer for checkpoints of 'p', 'o' and schedule 's' (may be NULL),
** with a run position of p's size when 'with_run'.  Free it with
** 'sx_ckpt_free', also after a failure. */
SX_NODISCARD int sx_ckpt_init(sx_ckpt *c, slope_ctx *S, const char *path, const slope_problem *p,
                              const slope_optim *o, const slope_schedule *s, int with_run);
/* Write one checkpoint atomically ('pos' may be NULL); allocates nothing. */
SX_NODISCARD int sx_ckpt_write(sx_ckpt *c, const sx_run_pos *pos, const slope_problem *p,
                               const slope_optim *o, const slope_schedule *s);
void sx_ckpt_free(sx_ckpt *c);
/* Restore from the checkpoint at 'path' what is not NULL among 'pos' (its
** 'lr' must point at p's n doubles), 'p' and 'o'; with 'pos' the plateau
** state of 's' too.  Everything is checked before anything changes. */
SX_NODISCARD int sx_ckpt_read(slope_ctx *S, const char *path, sx_run_pos *pos, slope_problem *p,
                              slope_optim *o, slope_schedule *s);

#endif
