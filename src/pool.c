/*
** pool.c -- threads kept waiting for work (pool.h).
**
** Each call of sx_pool_run is a generation: under the lock it sets how many
** threads take part ('active'), counts them in 'busy' and wakes them all;
** a thread runs its share when its number is below 'active', and the last
** one to finish wakes the caller.  The lock orders everything: what the
** caller wrote before a run is seen by the threads, and what they wrote is
** seen by the caller after it (ThreadSanitizer checks this: test_tsan.sh).
*/
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "pool.h"

typedef struct member {
  sx_pool *pool;
  int t;                   /* the share it runs, 1..cap */
  unsigned long seen;      /* the last generation it took part in */
  pthread_t thread;
} member;

struct sx_pool {
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  sx_pool_job *job;
  void *ctx;
  int cap, started;        /* threads it may have, threads running (members 1..started) */
  pid_t pid;               /* the process they run in: a forked child has none of them */
  unsigned long gen;       /* runs so far */
  int active, busy, quit;  /* this run: shares below 'active' take part, 'busy' still at work */
  member *m;               /* m[1..cap] */
};

static void *loop(void *arg) {
  member *me = arg;
  sx_pool *p = me->pool;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->gen == me->seen && !p->quit) pthread_cond_wait(&p->go, &p->mu);
    if (p->quit) break;
    me->seen = p->gen;
    int mine = me->t < p->active;
    pthread_mutex_unlock(&p->mu);
    if (mine) p->job(p->ctx, me->t);
    pthread_mutex_lock(&p->mu);
    if (mine && --p->busy == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static int init_sync(sx_pool *p) {
  if (pthread_mutex_init(&p->mu, NULL) != 0) return 0;
  if (pthread_cond_init(&p->go, NULL) == 0) {
    if (pthread_cond_init(&p->done, NULL) == 0) return 1;
    pthread_cond_destroy(&p->go);
  }
  pthread_mutex_destroy(&p->mu);
  return 0;
}

sx_pool *sx_pool_new(int cap, sx_pool_job *job, void *ctx) {
  sx_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->m = calloc((size_t)(cap > 0 ? cap : 0) + 1, sizeof *p->m);
  if (!p->m || !init_sync(p)) {
    free(p->m);
    free(p);
    return NULL;
  }
  p->job = job;
  p->ctx = ctx;
  p->cap = cap > 0 ? cap : 0;
  p->pid = getpid();
  return p;
}

/* Start threads up to k - 1 (as many as can be); how many run. */
static int start(sx_pool *p, int k) {
  if (p->pid != getpid()) {   /* a forked child: the parent's threads are not here */
    init_sync(p);             /* the parent's lock state means nothing here either */
    p->started = 0;
    p->pid = getpid();
  }
  while (p->started < k - 1) {
    member *m = &p->m[p->started + 1];
    m->pool = p;
    m->t = p->started + 1;
    m->seen = p->gen;         /* before the thread exists: no lock needed */
    if (pthread_create(&m->thread, NULL, loop, m) != 0) break;
    p->started++;
  }
  return p->started < k - 1 ? p->started : k - 1;
}

void sx_pool_run(sx_pool *p, int k) {
  if (k > p->cap + 1) k = p->cap + 1;
  int threads = k > 1 ? start(p, k) : 0;
  pthread_mutex_lock(&p->mu);
  p->active = threads + 1;
  p->busy = threads;
  p->gen++;
  if (threads) pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
  p->job(p->ctx, 0);
  for (int t = threads + 1; t < k; t++) p->job(p->ctx, t);   /* shares without a thread */
  pthread_mutex_lock(&p->mu);
  while (p->busy > 0) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

void sx_pool_free(sx_pool *p) {
  if (!p) return;
  if (p->pid == getpid() && p->started) {
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int t = 1; t <= p->started; t++) pthread_join(p->m[t].thread, NULL);
  }
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->go);
  pthread_mutex_destroy(&p->mu);
  free(p->m);
  free(p);
}
