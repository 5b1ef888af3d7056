/*
** elements.h -- the names of array elements (internal).  A vector parameter
** or data column 'w' of n elements is stored flat, as n scalars named
** "w[1]" .. "w[n]"; a matrix 'W' of m x n as "W[1,1]", "W[1,2]", ..,
** "W[m,n]" (row-major).  So every flat list of names (a problem's
** parameters, a data set's columns, a checkpoint's, a trace's) keeps
** working element by element, and the grouped view -- names with shapes --
** is read back from the flat names alone.
*/
#ifndef SLOPE_ELEMENTS_H
#define SLOPE_ELEMENTS_H

#include "ctx.h"

/* A run of flat names that forms one name: names[first .. first+count). */
typedef struct sx_group {
  int first;          /* index of its first flat name */
  int baselen;        /* length of the name ("w" of "w[1]"); the whole name for a scalar */
  slope_shape shape;  /* rank 0 for a scalar */
} sx_group;

/* The rank (1 or 2) of an element name "base[i]" / "base[i,j]" (indices
** from 1, decimal, no leading zeros or spaces, base a name of the
** language); 0 for anything else.  Stores the base's length and the indices. */
int sx_element_parse(const char *name, size_t *baselen, long idx[2]);
/* The number of elements of 's' (1 for a scalar). */
size_t sx_shape_count(const slope_shape *s);
/* Check 's' (rank 0, 1 or 2, every dimension >= 1, at most 'max'
** elements); records SLOPE_ERRARG or SLOPE_ERRLIMIT naming 'what' and 'name'. */
int sx_check_shape(slope_ctx *S, const slope_shape *s, size_t max, const char *what, const char *name);
/* The flat name of element k (from 0, row-major) of 'base' with shape 's'
** into out[cap]: "w[3]", "W[2,1]", or the base itself for a scalar. */
void sx_element_name(char *out, size_t cap, const char *base, const slope_shape *s, size_t k);
/* Group the n flat 'names' into out[] (room for n); returns the count.  A
** run "w[1]" .. "w[k]" is a vector of k; "W[1,1]" .. "W[m,n]" complete in
** row-major order a matrix; every other name stands alone as a scalar. */
int sx_element_groups(const char *const *names, int n, sx_group *out);
/* The one group starting at names[i] (of n): a vector or matrix when
** names[i] is its first element, else a scalar of one name. */
sx_group sx_element_group(const char *const *names, int n, int i);

#endif
