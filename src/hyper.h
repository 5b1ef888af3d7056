/*
** hyper.h -- the hyperparameter tables of optimizer and schedule kinds
** (internal).
**
** Both classes describe what a kind takes with one row per hyperparameter:
** the public 'slope_hyper' (name, default, range, choices, ...) plus where
** its value lives in the instance.  A string hyperparameter is a choice
** slot: its value is the index of the chosen string in 'choices', kept with
** the numbers, so checkpoints, copies and resets treat it like any other.
** A choice spelled "none" stands for Python's None: NULL and "" select it,
** and it reads back as "".
*/
#ifndef SLOPE_HYPER_H
#define SLOPE_HYPER_H

#include "ctx.h"

typedef struct sx_hyper {
  slope_hyper d;   /* what the public API hands out */
  int slot;        /* index of its first value in the instance's array */
} sx_hyper;

/* One row: SX_HYPER(SLOT, .name = "lr", .n = 1, .def = {1e-3}, ...). */
#define SX_HYPER(slot_, ...) { .d = { __VA_ARGS__ }, .slot = (slot_) }
#define SX_HYPER_END { .d = { .name = NULL }, .slot = 0 }

/* The index of 'value' among the choices of 'h', or -1. */
int sx_choice_index(const slope_hyper *h, const char *value);
/* The text of choice 'index' of 'h' ("" for "none"). */
const char *sx_choice_text(const slope_hyper *h, double index);
/* Record "WHO: NAME must be "a", "b" or "none", got "VALUE"; did you mean
** 'b'?" ("none", the absence of a value, is listed last) and return
** SLOPE_ERRARG. */
int sx_choice_error(slope_ctx *S, const char *who, const slope_hyper *h, const char *value);

#endif
