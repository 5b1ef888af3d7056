/*
** pool.h -- a few threads kept waiting for work, so that an evaluation
** shared out over k threads (parallel.c) costs a wake-up rather than a
** pthread_create and a pthread_join per thread (about 30-45 us each here,
** as much as evaluating 10^5 rows).
*/
#ifndef SLOPE_POOL_H
#define SLOPE_POOL_H

/* One share of a job: 'ctx' as given to sx_pool_new, 't' from 0 to k - 1. */
typedef void sx_pool_job(void *ctx, int t);

typedef struct sx_pool sx_pool;

/* A pool that runs 'job' on up to 'cap' threads of its own, started when
** first needed; NULL when out of memory. */
sx_pool *sx_pool_new(int cap, sx_pool_job *job, void *ctx);

/* job(ctx, t) for every t in [0, k): t = 0 on the calling thread, the others
** on the pool's threads, returning when all are done.  A share whose thread
** cannot be started runs on the calling thread, so every share always runs.
** After a fork the child starts threads of its own. */
void sx_pool_run(sx_pool *pool, int k);

/* Stop and join the threads; NULL is fine. */
void sx_pool_free(sx_pool *pool);

#endif
