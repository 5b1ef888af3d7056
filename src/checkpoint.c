/*
** checkpoint.c -- the state of a run in one file, so that a resumed run
** continues bit for bit as if it had never been interrupted.
**
** Format, version 1.  Every integer is little-endian, every double is its
** IEEE-754 bits as a little-endian u64 (so the values come back exactly on
** any machine), strings are a u32 length and the bytes:
**
**   "SLOPECK1" u32 version, then sections: a 4-byte tag, a u64 length, the
**   payload.  A reader skips tags it does not know.
**   "RUN "  the run's position: step, epoch, the open epoch's sum of f and
**           its count, f and |g| of the last step, the run's generator, the
**           last step's rates (written by runs only)
**   "PROB"  the problem: parameter names, point, data rows, batching (rows
**           per step, shuffle, the epoch's permutation and position, the
**           shuffling generator)
**   "OPTM"  the optimizer: kind, parameter count, hyperparameter slots,
**           line search, step count t, state array, class-private state
**   "PLAT"  a plateau schedule's observations (best, bad epochs, cooldown,
**           reductions), present exactly when the run has one
**   "END "  a u64 FNV-1a hash of every byte before this section; last
**
** A file is written to 'path.tmp', synced and renamed over 'path', so a reader
** (or a run killed at any instant) sees the old checkpoint or the new one,
** never half of one.  A run sizes its buffer once and writes with write(2),
** so the loop allocates nothing.  Loading checks everything (checksum,
** problem, optimizer) before changing anything.
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"

#define MAGIC "SLOPECK1"
#define VERSION 1u
#define MAX_SECTIONS 32

/* ---- encoding ------------------------------------------------------------------ */

/* A byte sink; with 'p' NULL it only counts, which sizes a run's buffer. */
typedef struct wr {
  unsigned char *p;
  size_t n, cap;
} wr;

static void put_bytes(wr *w, const void *src, size_t len) {
  if (w->p && len <= w->cap - w->n) memcpy(w->p + w->n, src, len);
  w->n += len;
}

static void put_u64(wr *w, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
  put_bytes(w, b, 8);
}

static void put_u32(wr *w, uint32_t v) {
  unsigned char b[4];
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
  put_bytes(w, b, 4);
}

static void put_i64(wr *w, long v) { put_u64(w, (uint64_t)(int64_t)v); }

static void put_f64(wr *w, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  put_u64(w, bits);
}

static void put_f64s(wr *w, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++) put_f64(w, v ? v[i] : 0);
}

static void put_str(wr *w, const char *s) {
  size_t len = strlen(s);
  put_u32(w, (uint32_t)len);
  put_bytes(w, s, len);
}

static void put_rng(wr *w, const slope_rng *r) {
  for (int i = 0; i < 4; i++) put_u64(w, r->s[i]);
  put_f64(w, r->spare);
  put_u32(w, (uint32_t)r->has_spare);
}

/* Start a section; returns where its length goes, patched by 'end_section'. */
static size_t begin_section(wr *w, const char *tag) {
  put_bytes(w, tag, 4);
  size_t at = w->n;
  put_u64(w, 0);
  return at;
}

static void end_section(wr *w, size_t at) {
  if (!w->p || at + 8 > w->cap) return;
  uint64_t len = w->n - at - 8;
  for (int i = 0; i < 8; i++) w->p[at + i] = (unsigned char)(len >> (8 * i));
}

static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

/* ---- what goes in ------------------------------------------------------------------ */

static int is_plateau(const slope_schedule *s) {
  return s && s->form == SX_SCHED_TABLE && s->kind && s->kind->observe;   /* follows a metric */
}

static size_t state_size(const slope_optim *o) {
  return (size_t)o->n * (size_t)o->cls->state_per_param + (size_t)o->cls->state_extra;
}

static void put_run(wr *w, const sx_run_pos *r, int n) {
  size_t at = begin_section(w, "RUN ");
  put_i64(w, r->step);
  put_i64(w, r->epoch);
  put_f64(w, r->epoch_fsum);
  put_i64(w, r->epoch_steps);
  put_f64(w, r->f);
  put_f64(w, r->grad_norm);
  put_rng(w, &r->rng);
  put_u32(w, (uint32_t)n);
  put_f64s(w, r->lr, (size_t)n);
  end_section(w, at);
}

static void put_problem(wr *w, const slope_problem *p) {
  size_t at = begin_section(w, "PROB");
  put_u32(w, (uint32_t)p->n);
  for (int i = 0; i < p->n; i++) put_str(w, p->names[i]);
  put_f64s(w, p->x, (size_t)p->n);
  size_t rows = sx_problem_rows(p), nperm = p->batch ? rows : 0;
  put_u64(w, rows);
  put_u64(w, p->batch);
  put_u32(w, (uint32_t)(p->shuffle != 0));
  put_u64(w, p->pos);
  put_rng(w, &p->rng);
  put_u64(w, nperm);
  for (size_t i = 0; i < nperm; i++) put_u64(w, p->perm[i]);
  end_section(w, at);
}

/* 'extra' holds the class-private state (NULL while only counting). */
static void put_optim(wr *w, const slope_optim *o, const double *extra, size_t nextra) {
  size_t at = begin_section(w, "OPTM");
  put_str(w, o->cls->name);
  put_u32(w, (uint32_t)o->n);
  put_u32(w, SX_MAX_HYPERS);
  put_f64s(w, o->h, SX_MAX_HYPERS);
  put_str(w, "");   /* once L-BFGS's line_search; now a choice slot in 'h' */
  put_i64(w, o->t);
  size_t ns = state_size(o);
  put_u64(w, ns);
  put_f64s(w, o->state, ns);
  put_u64(w, nextra);
  put_f64s(w, extra, nextra);
  end_section(w, at);
}

static void put_plateau(wr *w, const slope_schedule *s) {
  size_t at = begin_section(w, "PLAT");
  put_f64(w, s->best);
  put_i64(w, s->bad);
  put_i64(w, s->cooldown);
  put_i64(w, s->reductions);
  end_section(w, at);
}

/* Everything but the closing section. */
static void put_all(wr *w, const sx_run_pos *pos, const slope_problem *p, const slope_optim *o,
                    const double *extra, size_t nextra, const slope_schedule *s) {
  put_bytes(w, MAGIC, 8);
  put_u32(w, VERSION);
  if (pos && p) put_run(w, pos, p->n);
  if (p) put_problem(w, p);
  if (o) put_optim(w, o, extra, nextra);
  if (pos && is_plateau(s)) put_plateau(w, s);
}

static void put_end(wr *w) {
  uint64_t h = w->p ? fnv1a(w->p, w->n) : 0;
  size_t at = begin_section(w, "END ");
  put_u64(w, h);
  end_section(w, at);
}

/* ---- writing a file atomically -------------------------------------------------------- */

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int write_file(slope_ctx *S, const char *path, const char *tmp, const unsigned char *p, size_t n) {
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0)
    return sx_error(S, SLOPE_ERRIO, "cannot write checkpoint '%s': %s: %s", path, tmp, strerror(errno));
  if (write_all(fd, p, n) != 0 || fsync(fd) != 0) {
    int e = errno;
    close(fd);
    unlink(tmp);
    return sx_error(S, SLOPE_ERRIO, "cannot write checkpoint '%s': %s", path, strerror(e));
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return sx_error(S, SLOPE_ERRIO, "cannot write checkpoint '%s': %s", path, strerror(e));
  }
  return SLOPE_OK;
}

/* ---- the run's writer ---------------------------------------------------------------- */

static size_t max_extra(const slope_optim *o) {
  return o && o->cls->save_extra ? o->cls->save_extra(o, NULL) : 0;
}

int sx_ckpt_init(sx_ckpt *c, slope_ctx *S, const char *path, const slope_problem *p,
                 const slope_optim *o, const slope_schedule *s, int with_run) {
  memset(c, 0, sizeof *c);
  c->S = S;
  if (!path || !*path) return sx_error(S, SLOPE_ERRARG, "the checkpoint path is empty");
  if (!p && !o) return sx_error(S, SLOPE_ERRARG, "a checkpoint needs a problem or an optimizer");
  size_t len = strlen(path), nextra = max_extra(o);
  sx_run_pos none = {0};
  wr w = {NULL, 0, 0};
  put_all(&w, with_run ? &none : NULL, p, o, NULL, nextra, s);
  put_end(&w);
  c->cap = w.n;
  c->path = malloc(2 * len + 6);
  c->buf = malloc(c->cap);
  c->extra = malloc((nextra ? nextra : 1) * sizeof *c->extra);
  if (!c->path || !c->buf || !c->extra) return sx_error(S, SLOPE_ERRMEM, "out of memory for a checkpoint");
  memcpy(c->path, path, len + 1);
  c->tmp = c->path + len + 1;
  memcpy(c->tmp, path, len);
  memcpy(c->tmp + len, ".tmp", 5);
  return SLOPE_OK;
}

void sx_ckpt_free(sx_ckpt *c) {
  free(c->path);
  free(c->buf);
  free(c->extra);
  memset(c, 0, sizeof *c);
}

int sx_ckpt_write(sx_ckpt *c, const sx_run_pos *pos, const slope_problem *p,
                  const slope_optim *o, const slope_schedule *s) {
  size_t nextra = o && o->cls->save_extra ? o->cls->save_extra(o, c->extra) : 0;
  wr w = {c->buf, 0, c->cap};
  put_all(&w, pos, p, o, c->extra, nextra, s);
  put_end(&w);
  if (w.n > c->cap)   /* the state grew past what the run was sized for */
    return sx_error(c->S, SLOPE_ERRLIMIT, "checkpoint '%s' needs %zu bytes, more than the %zu "
                    "sized at the start of the run", c->path, w.n, c->cap);
  return write_file(c->S, c->path, c->tmp, c->buf, w.n);
}

/* ---- decoding -------------------------------------------------------------------- */

/* A byte source; reading past the end sets 'bad' and yields zeros. */
typedef struct rd {
  const unsigned char *p;
  size_t n, at;
  int bad;
} rd;

static const unsigned char *get_bytes(rd *r, size_t len) {
  if (r->bad || len > r->n - r->at) {
    r->bad = 1;
    return NULL;
  }
  const unsigned char *b = r->p + r->at;
  r->at += len;
  return b;
}

static uint64_t get_u64(rd *r) {
  const unsigned char *b = get_bytes(r, 8);
  uint64_t v = 0;
  if (b) for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
  return v;
}

static uint32_t get_u32(rd *r) {
  const unsigned char *b = get_bytes(r, 4);
  uint32_t v = 0;
  if (b) for (int i = 3; i >= 0; i--) v = (v << 8) | b[i];
  return v;
}

static long get_i64(rd *r) { return (long)(int64_t)get_u64(r); }

static double get_f64(rd *r) {
  uint64_t bits = get_u64(r);
  double v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

/* A string as pointer and length into the file (not NUL-terminated). */
static const char *get_str(rd *r, size_t *len) {
  *len = get_u32(r);
  return (const char *)get_bytes(r, *len);
}

/* xoshiro256** never reaches the all-zero state and would stay in it,
** drawing 0 for ever (slope_rng_below and slope_rng_normal would then
** loop), so a file that holds it is corrupt, as is a non-finite spare. */
static int get_rng_or_zero(rd *r, slope_rng *g) {
  for (int i = 0; i < 4; i++) g->s[i] = get_u64(r);
  g->spare = get_f64(r);
  g->has_spare = get_u32(r) != 0;
  if (g->has_spare && !isfinite(g->spare)) r->bad = 1;
  return (g->s[0] | g->s[1] | g->s[2] | g->s[3]) == 0;
}

static void get_rng(rd *r, slope_rng *g) {
  if (get_rng_or_zero(r, g)) r->bad = 1;
}

/* Whether 'count' items of 'size' bytes each can still be read. */
static int room_for(rd *r, uint64_t count, size_t size) {
  if (r->bad || count > (r->n - r->at) / size) r->bad = 1;
  return !r->bad;
}

/* The file, split into sections. */
typedef struct ck {
  slope_ctx *S;
  const char *path;
  unsigned char *buf;
  size_t len;
  struct { char tag[5]; const unsigned char *p; size_t n; } sec[MAX_SECTIONS];
  int nsec;
} ck;

static int corrupt(ck *c, const char *what) {
  return sx_error(c->S, SLOPE_ERRDATA, "checkpoint '%s' is corrupt: %s", c->path, what);
}

/* Say which file the error just recorded (by a public constructor or setter
** checking a value read from it) came from. */
static int in_file(ck *c) {
  sx_error_context(c->S, "checkpoint '%s'", c->path);
  return c->S->errcode;
}

static int read_file(ck *c) {
  FILE *fp = fopen(c->path, "rb");
  if (!fp) return sx_error(c->S, SLOPE_ERRIO, "cannot read checkpoint '%s': %s", c->path, strerror(errno));
  long size = -1;
  if (fseek(fp, 0, SEEK_END) == 0) size = ftell(fp);
  if (size < 0 || fseek(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    return sx_error(c->S, SLOPE_ERRIO, "cannot read checkpoint '%s': not a regular file", c->path);
  }
  c->len = (size_t)size;
  c->buf = malloc(c->len ? c->len : 1);
  if (!c->buf) {
    fclose(fp);
    return sx_error(c->S, SLOPE_ERRMEM, "out of memory reading checkpoint '%s'", c->path);
  }
  size_t got = fread(c->buf, 1, c->len, fp);
  int bad = ferror(fp);
  fclose(fp);
  if (bad || got != c->len) return sx_error(c->S, SLOPE_ERRIO, "error reading checkpoint '%s'", c->path);
  return SLOPE_OK;
}

/* Check the header and the checksum, and find the sections. */
static int split(ck *c) {
  rd r = {c->buf, c->len, 0, 0};
  const unsigned char *magic = get_bytes(&r, 8);
  if (!magic || memcmp(magic, MAGIC, 8) != 0)
    return sx_error(c->S, SLOPE_ERRDATA, "'%s' is not a slope checkpoint (it does not start with %s)",
                    c->path, MAGIC);
  uint32_t version = get_u32(&r);
  if (r.bad) return corrupt(c, "the file ends inside the header");
  if (version != VERSION)
    return sx_error(c->S, SLOPE_ERRDATA, "checkpoint '%s' has format version %u; this build of slope "
                    "reads version %u", c->path, version, VERSION);
  for (;;) {
    size_t start = r.at;
    const unsigned char *tag = get_bytes(&r, 4);
    uint64_t len = get_u64(&r);
    if (r.bad) return corrupt(c, "it is truncated (no closing section)");
    if (len > r.n - r.at) return corrupt(c, "it is truncated (a section runs past the end of the file)");
    if (memcmp(tag, "END ", 4) == 0) {
      if (len != 8 || r.at + 8 != r.n) return corrupt(c, "the closing section is malformed");
      if (get_u64(&r) != fnv1a(c->buf, start)) return corrupt(c, "the checksum does not match");
      return SLOPE_OK;
    }
    if (c->nsec == MAX_SECTIONS) return corrupt(c, "too many sections");
    memcpy(c->sec[c->nsec].tag, tag, 4);
    c->sec[c->nsec].tag[4] = '\0';
    c->sec[c->nsec].p = r.p + r.at;
    c->sec[c->nsec].n = (size_t)len;
    c->nsec++;
    get_bytes(&r, (size_t)len);
  }
}

/* A reader over section 'tag'; 'found' is 0 when there is none. */
static rd section(const ck *c, const char *tag, int *found) {
  rd r = {NULL, 0, 0, 1};
  *found = 0;
  for (int i = 0; i < c->nsec; i++)
    if (memcmp(c->sec[i].tag, tag, 4) == 0) {
      rd s = {c->sec[i].p, c->sec[i].n, 0, 0};
      *found = 1;
      return s;
    }
  return r;
}

/* A section must be read to its end exactly. */
static int finished(ck *c, rd *r, const char *tag) {
  if (r->bad || r->at != r->n) {
    char what[64];
    snprintf(what, sizeof what, "section '%.4s' is malformed", tag);
    return corrupt(c, what);
  }
  return SLOPE_OK;
}

/* ---- the problem -------------------------------------------------------------------- */

/* "w, b, c" into 'out', cut short with "..." when long. */
static void name_list(char *out, size_t size, rd *r, const slope_problem *p, uint32_t n) {
  size_t used = 0;
  out[0] = '\0';
  for (uint32_t i = 0; i < n; i++) {
    size_t len = 0;
    const char *s = r ? get_str(r, &len) : p->names[i];
    if (!r) len = strlen(s);
    if (!s) break;
    if (used + len + 6 >= size) {
      snprintf(out + used, size - used, "%s...", i ? ", " : "");
      return;
    }
    used += (size_t)snprintf(out + used, size - used, "%s%.*s", i ? ", " : "", (int)len, s);
  }
}

static int same_names(rd r, const slope_problem *p) {
  for (int i = 0; i < p->n; i++) {
    size_t len;
    const char *s = get_str(&r, &len);
    if (!s || len != strlen(p->names[i]) || memcmp(s, p->names[i], len) != 0) return 0;
  }
  return 1;
}

static int names_differ(ck *c, rd names, uint32_t n, const slope_problem *p) {
  char ours[300], theirs[300];
  name_list(theirs, sizeof theirs, &names, p, n);
  name_list(ours, sizeof ours, NULL, p, (uint32_t)p->n);
  if (names.bad) return corrupt(c, "section 'PROB' is malformed");
  if (n != (uint32_t)p->n)
    return sx_error(c->S, SLOPE_ERRARG, "checkpoint '%s' is for %u parameter%s (%s); this problem has %d (%s)",
                    c->path, n, n == 1 ? "" : "s", theirs, p->n, ours);
  return sx_error(c->S, SLOPE_ERRARG, "checkpoint '%s' is for the parameters (%s); this problem has (%s)",
                  c->path, theirs, ours);
}

static const char *batch_text(char *out, size_t size, uint64_t batch) {
  if (batch) snprintf(out, size, "%llu", (unsigned long long)batch);
  else snprintf(out, size, "full");
  return out;
}

/* A permutation of 0..n-1 (so batches never index past the data): 1 or 0,
** or -1 with an error recorded when memory ran out. */
static int is_permutation(ck *c, rd r, uint64_t n) {
  unsigned char *seen = calloc(n ? n : 1, 1);
  if (!seen) return sx_error(c->S, SLOPE_ERRMEM, "checkpoint '%s': out of memory", c->path), -1;
  int ok = 1;
  for (uint64_t i = 0; ok && i < n; i++) {
    uint64_t v = get_u64(&r);
    ok = !r.bad && v < n && !seen[v];
    if (ok) seen[v] = 1;
  }
  free(seen);
  return ok;
}

/* Check the problem section against 'p'; with 'apply', restore it. */
static int load_problem(ck *c, slope_problem *p, int apply) {
  int found;
  rd r = section(c, "PROB", &found);
  if (!found) return sx_error(c->S, SLOPE_ERRDATA, "checkpoint '%s' holds no problem state", c->path);
  uint32_t n = get_u32(&r);
  rd names = r;
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    size_t len;
    get_str(&r, &len);
  }
  if (r.bad) return finished(c, &r, "PROB");
  if (n != (uint32_t)p->n || !same_names(names, p)) return names_differ(c, names, n, p);
  rd x = r;
  if (!room_for(&r, (uint64_t)p->n, 8)) return finished(c, &r, "PROB");
  r.at += (size_t)p->n * 8;
  uint64_t rows = get_u64(&r), batch = get_u64(&r);
  int shuffle = get_u32(&r) != 0;
  uint64_t pos = get_u64(&r);
  slope_rng rng;
  /* callback problems used to write their generator unseeded; without
  ** batches nothing had drawn from it usefully (a zero state draws 0 for
  ** ever), so such a file goes on with the state a new problem has */
  if (get_rng_or_zero(&r, &rng)) {
    if (batch) r.bad = 1;
    else slope_rng_seed(&rng, 0);
  }
  uint64_t nperm = get_u64(&r);
  rd perm = r;
  if (room_for(&r, nperm, 8)) r.at += (size_t)nperm * 8;
  int rc = finished(c, &r, "PROB");
  if (rc != SLOPE_OK) return rc;
  if (rows != sx_problem_rows(p))
    return sx_error(c->S, SLOPE_ERRARG, "checkpoint '%s' is for %llu data rows; this problem has %zu",
                    c->path, (unsigned long long)rows, sx_problem_rows(p));
  if (batch != p->batch || (batch && shuffle != (p->shuffle != 0))) {
    char a[32], b[32];
    return sx_error(c->S, SLOPE_ERRARG, "checkpoint '%s' was written with batch = %s, shuffle = %s; "
                    "this problem has batch = %s, shuffle = %s", c->path, batch_text(a, sizeof a, batch),
                    shuffle ? "true" : "false", batch_text(b, sizeof b, p->batch), p->shuffle ? "true" : "false");
  }
  if (!apply) {   /* applying follows a check that passed, and must not fail: it allocates nothing */
    int perm_ok = nperm == (batch ? rows : 0) && (batch ? pos < rows : pos == 0) ? is_permutation(c, perm, nperm) : 0;
    if (perm_ok < 0) return c->S->errcode;
    if (!perm_ok) return corrupt(c, "the batching state is inconsistent");
    return SLOPE_OK;
  }
  for (int i = 0; i < p->n; i++) p->x[i] = get_f64(&x);
  p->pos = (size_t)pos;
  p->rng = rng;
  for (uint64_t i = 0; i < nperm; i++) p->perm[i] = (size_t)get_u64(&perm);
  return SLOPE_OK;
}

/* ---- the optimizer ------------------------------------------------------------------- */

/* An optimizer like 'o' holding the checkpoint's hyperparameters and state,
** made through the public setters so every value is checked as if a user gave
** it; NULL on an error. */
static slope_optim *load_optim(ck *c, const slope_optim *o) {
  int found;
  rd r = section(c, "OPTM", &found);
  if (!found) return sx_error(c->S, SLOPE_ERRDATA, "checkpoint '%s' holds no optimizer state", c->path), NULL;
  size_t klen, llen;
  const char *kind = get_str(&r, &klen);
  uint32_t n = get_u32(&r), nh = get_u32(&r);
  double h[SX_MAX_HYPERS];
  if (nh != SX_MAX_HYPERS) r.bad = 1;
  for (int i = 0; i < SX_MAX_HYPERS; i++) h[i] = get_f64(&r);
  const char *ls = get_str(&r, &llen);
  long t = get_i64(&r);
  uint64_t ns = get_u64(&r);
  rd state = r;
  if (room_for(&r, ns, 8)) r.at += (size_t)ns * 8;
  uint64_t nx = get_u64(&r);
  rd extra = r;
  if (room_for(&r, nx, 8)) r.at += (size_t)nx * 8;
  if (finished(c, &r, "OPTM") != SLOPE_OK) return NULL;
  if (klen != strlen(o->cls->name) || memcmp(kind, o->cls->name, klen) != 0)
    return sx_error(c->S, SLOPE_ERRARG, "checkpoint '%s' is for optimizer '%.*s'; this one is '%s'",
                    c->path, (int)(klen < 32 ? klen : 32), kind, o->cls->name), NULL;
  if (n != (uint32_t)o->n)
    return sx_error(c->S, SLOPE_ERRARG, "checkpoint '%s' is for an optimizer of %u parameter%s; this one has %d",
                    c->path, n, n == 1 ? "" : "s", o->n), NULL;
  char ls_text[16];
  if (t < 0 || ns != state_size(o) || llen >= sizeof ls_text || (nx && !o->cls->load_extra))
    return corrupt(c, "the optimizer state is inconsistent"), NULL;
  slope_optim *q = slope_optim_new(c->S, o->cls->name, o->n);
  if (!q) return in_file(c), NULL;
  if (sx_optim_set_slots(q, h) != SLOPE_OK) goto fail;
  memcpy(ls_text, ls, llen);   /* a file from before choice slots */
  ls_text[llen] = '\0';
  if (llen && slope_optim_set_string(q, "line_search", ls_text) != SLOPE_OK) goto fail;
  q->t = t;
  for (uint64_t i = 0; i < ns; i++) q->state[i] = get_f64(&state);
  if (nx) {
    double *v = malloc((size_t)nx * sizeof *v);
    if (!v) {
      sx_error(c->S, SLOPE_ERRMEM, "out of memory reading checkpoint '%s'", c->path);
      goto fail;
    }
    for (uint64_t i = 0; i < nx; i++) v[i] = get_f64(&extra);
    int rc = q->cls->load_extra(q, v, (size_t)nx);
    free(v);
    if (rc != SLOPE_OK) goto fail;
  }
  return q;
fail:
  if (!strstr(c->S->errmsg, c->path)) in_file(c);
  slope_optim_free(q);
  return NULL;
}

/* Move the loaded state of 'q' into 'o' and free 'q'. */
static void adopt_optim(slope_optim *o, slope_optim *q) {
  memcpy(o->h, q->h, sizeof o->h);
  o->t = q->t;
  o->evals = 0;
  memcpy(o->state, q->state, state_size(o) * sizeof *o->state);
  if (o->cls->reset) o->cls->reset(o);   /* drops o's class-private state */
  o->extra = q->extra;
  q->extra = NULL;
  slope_optim_free(q);
}

/* ---- the run ------------------------------------------------------------------------ */

/* Read the run's position into 'pos': without 'apply' all but the rates,
** which are checked only. */
static int load_run(ck *c, sx_run_pos *pos, int n, int apply) {
  int found;
  rd r = section(c, "RUN ", &found);
  if (!found)
    return sx_error(c->S, SLOPE_ERRDATA, "checkpoint '%s' holds no run position (it was saved "
                    "outside a run); resume needs a checkpoint written by a run", c->path);
  sx_run_pos q;
  q.step = get_i64(&r);
  q.epoch = get_i64(&r);
  q.epoch_fsum = get_f64(&r);
  q.epoch_steps = get_i64(&r);
  q.f = get_f64(&r);
  q.grad_norm = get_f64(&r);
  get_rng(&r, &q.rng);
  uint32_t m = get_u32(&r);
  rd lr = r;
  if (m != (uint32_t)n) r.bad = 1;
  else if (room_for(&r, m, 8)) r.at += (size_t)m * 8;
  int rc = finished(c, &r, "RUN ");
  if (rc != SLOPE_OK) return rc;
  if (q.step < 0 || q.epoch < 0 || q.epoch_steps < 0 || q.epoch > q.step)
    return corrupt(c, "the run position is inconsistent");
  q.lr = pos->lr;
  if (apply) for (int i = 0; i < n; i++) q.lr[i] = get_f64(&lr);
  *pos = q;
  return SLOPE_OK;
}

static int load_plateau(ck *c, slope_schedule *s, const sx_run_pos *pos, int apply) {
  int found;
  rd r = section(c, "PLAT", &found);
  if (found != is_plateau(s))
    return sx_error(c->S, SLOPE_ERRARG, found
                    ? "checkpoint '%s' holds the state of a plateau schedule; this run has none"
                    : "this run has a plateau schedule, but checkpoint '%s' was written without one", c->path);
  if (!found) return SLOPE_OK;
  double best = get_f64(&r);
  long bad = get_i64(&r), cooldown = get_i64(&r), reductions = get_i64(&r);
  int rc = finished(c, &r, "PLAT");
  if (rc != SLOPE_OK) return rc;
  if (bad < 0 || cooldown < 0 || reductions < 0 || reductions > pos->epoch)
    return corrupt(c, "the plateau schedule's state is inconsistent");
  if (apply) {
    s->best = best;
    s->bad = bad;
    s->cooldown = cooldown;
    s->reductions = reductions;
  }
  return SLOPE_OK;
}

/* Check every part, then restore every part, so a failure changes nothing.
** The optimizer is built aside while checking and adopted at the end. */
static int load_parts(ck *c, sx_run_pos *pos, slope_problem *p, slope_optim *o, slope_schedule *s) {
  if (pos && !p) return sx_error(c->S, SLOPE_ERRARG, "resuming a run needs its problem");
  sx_run_pos where = {0};
  slope_optim *q = NULL;
  int rc = SLOPE_OK;
  if (p) rc = load_problem(c, p, 0);   /* first: a mismatch is the likely error */
  if (rc == SLOPE_OK && pos) rc = load_run(c, &where, p->n, 0);
  if (rc == SLOPE_OK && pos) rc = load_plateau(c, s, &where, 0);
  if (rc == SLOPE_OK && o && !(q = load_optim(c, o))) rc = sx_failed(c->S) ? c->S->errcode : SLOPE_ERRDATA;
  if (rc != SLOPE_OK) return rc;
  /* applying repeats the checks that just passed and allocates nothing: it cannot fail */
  if (pos) load_run(c, pos, p->n, 1);
  if (p) load_problem(c, p, 1);
  if (pos) load_plateau(c, s, pos, 1);
  if (q) adopt_optim(o, q);
  return SLOPE_OK;
}

int sx_ckpt_read(slope_ctx *S, const char *path, sx_run_pos *pos, slope_problem *p,
                 slope_optim *o, slope_schedule *s) {
  if (!path || !*path) return sx_error(S, SLOPE_ERRARG, "the checkpoint path is empty");
  ck c;
  memset(&c, 0, sizeof c);
  c.S = S;
  c.path = path;
  int rc = read_file(&c);
  if (rc == SLOPE_OK) rc = split(&c);
  if (rc == SLOPE_OK) rc = load_parts(&c, pos, p, o, s);
  free(c.buf);
  return rc;
}

/* ---- the public pair ------------------------------------------------------------------ */

/* Misuse checks of the objects given to a public checkpoint function on 'S':
** made from 'S', and of one size when both are given. */
static int check_objects(slope_ctx *S, const char *fn, const slope_problem *p, const slope_optim *o) {
  if (p && p->S != S) return sx_misuse(S, fn, "the problem was made from another context");
  if (o && o->S != S) return sx_misuse(S, fn, "the optimizer was made from another context");
  return p && o ? sx_problem_check_optim(p, o, fn) : SLOPE_OK;
}

int slope_checkpoint_save(slope_ctx *S, const char *path, const slope_problem *p, const slope_optim *o) {
  SX_ENTER(S, SLOPE_ERRMISUSE);
  if (check_objects(S, __func__, p, o) != SLOPE_OK) return SLOPE_ERRMISUSE;
  sx_ckpt c;
  int rc = sx_ckpt_init(&c, S, path, p, o, NULL, 0);
  if (rc == SLOPE_OK) rc = sx_ckpt_write(&c, NULL, p, o, NULL);
  sx_ckpt_free(&c);
  return rc;
}

int slope_checkpoint_load(slope_ctx *S, const char *path, slope_problem *p, slope_optim *o) {
  SX_ENTER(S, SLOPE_ERRMISUSE);
  if (check_objects(S, __func__, p, o) != SLOPE_OK) return SLOPE_ERRMISUSE;
  if (!p && !o) return sx_error(S, SLOPE_ERRARG, "slope_checkpoint_load: give a problem or an optimizer");
  return sx_ckpt_read(S, path, NULL, p, o, NULL);
}

/* The kind and size of the saved optimizer, from the head of its section. */
static slope_optim *saved_optim(ck *c) {
  int found;
  rd r = section(c, "OPTM", &found);
  if (!found) return sx_error(c->S, SLOPE_ERRDATA, "checkpoint '%s' holds no optimizer state", c->path), NULL;
  char kind[32];
  size_t len;
  const char *k = get_str(&r, &len);
  uint32_t n = get_u32(&r);
  if (r.bad || len >= sizeof kind || n < 1 || n > (1u << 30)) return corrupt(c, "section 'OPTM' is malformed"), NULL;
  memcpy(kind, k, len);
  kind[len] = '\0';
  slope_optim *o = slope_optim_new(c->S, kind, (int)n);
  if (!o) in_file(c);
  return o;
}

slope_optim *slope_checkpoint_optim(slope_ctx *S, const char *path, slope_problem *p) {
  SX_ENTER(S, NULL);
  if (check_objects(S, __func__, p, NULL) != SLOPE_OK) return NULL;
  if (!path || !*path) return sx_error(S, SLOPE_ERRARG, "the checkpoint path is empty"), NULL;
  ck c;
  memset(&c, 0, sizeof c);
  c.S = S;
  c.path = path;
  slope_optim *o = NULL;
  if (read_file(&c) == SLOPE_OK && split(&c) == SLOPE_OK && (o = saved_optim(&c)) &&
      load_parts(&c, NULL, p, o, NULL) != SLOPE_OK) {
    slope_optim_free(o);
    o = NULL;
  }
  free(c.buf);
  return o;
}
