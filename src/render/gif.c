/*
** gif.c -- animated GIF files from cairo frames, with giflib.  A GIF has at
** most 256 colours; a plot has a few (white, greys, the lines' colours, the
** viridis levels) and their anti-aliased blends, so the palette is the 256
** most frequent colours of the first frame at 5 bits a channel, which keeps
** every colour the picture is made of; each pixel of each frame is then
** mapped to its nearest palette entry (a 32768-entry cache makes that one
** search per distinct colour).  After the first frame only the rectangle
** that changed is written (an animation moves a point over a still
** picture), each frame left in place for the next.  The file loops forever.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <gif_lib.h>

#include "render.h"

struct sr_gif {
  GifFileType *f;
  int w, h, frames;
  GifColorType pal[256];
  int npal;
  short cache[32768];     /* 15-bit colour -> palette index, -1 unknown */
  GifByteType *cur, *prev; /* palette indices of this frame and the last, w * h */
};

static void gif_say(char *err, size_t errlen, const char *what, int code) {
  const char *s = GifErrorString(code);
  snprintf(err, errlen, "%s: %s", what, s ? s : "unknown giflib error");
}

sr_gif *sr_gif_open(const char *path, int w, int h, char *err, size_t errlen) {
  sr_gif *g = calloc(1, sizeof *g);
  if (!g || !(g->cur = malloc((size_t)w * (size_t)h)) || !(g->prev = malloc((size_t)w * (size_t)h))) {
    if (g) free(g->cur);
    free(g);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  /* opened here, not by EGifOpenFileName, for the usual 0666 & ~umask mode */
  int code = E_GIF_ERR_OPEN_FAILED, fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  g->f = fd < 0 ? NULL : EGifOpenFileHandle(fd, &code);
  if (!g->f) {
    if (fd >= 0) close(fd);
    gif_say(err, errlen, "cannot write the GIF", code);
    free(g->cur);
    free(g->prev);
    free(g);
    return NULL;
  }
  g->w = w, g->h = h;
  memset(g->cache, 0xff, sizeof g->cache);
  return g;
}

/* the pixel at 'p' (premultiplied ARGB, native order) over white, as 8-bit r, g, b */
static void rgb_of(const unsigned char *p, int *r, int *gg, int *b) {
  unsigned v;
  memcpy(&v, p, 4);
  unsigned a = v >> 24, white = 255 - a;
  *r = (int)(((v >> 16) & 255) + white);
  *gg = (int)(((v >> 8) & 255) + white);
  *b = (int)((v & 255) + white);
}

static int key_of(int r, int g, int b) { return (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3); }

static int cmp_count(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a >> 15, y = *(const unsigned *)b >> 15;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* the palette: the most frequent 15-bit colours of the first frame */
static int make_palette(sr_gif *g, const unsigned char *argb, int stride) {
  unsigned *count = calloc(32768, sizeof *count);
  if (!count) return 0;
  for (int y = 0; y < g->h; y++)
    for (int x = 0; x < g->w; x++) {
      int r, gg, b;
      rgb_of(argb + (size_t)y * (size_t)stride + 4 * (size_t)x, &r, &gg, &b);
      count[key_of(r, gg, b)]++;
    }
  /* pack count << 15 | key, sort by count; counts are at most w * h < 2^17 */
  int n = 0;
  for (unsigned k = 0; k < 32768; k++)
    if (count[k]) count[n++] = (count[k] < (1u << 16) ? count[k] : (1u << 16) - 1) << 15 | k;
  qsort(count, (size_t)n, sizeof *count, cmp_count);
  g->npal = n < 256 ? n : 256;
  for (int i = 0; i < g->npal; i++) {
    unsigned k = count[i] & 32767;
    g->pal[i].Red = (GifByteType)((k >> 10) << 3 | (k >> 12));
    g->pal[i].Green = (GifByteType)(((k >> 5) & 31) << 3 | ((k >> 7) & 7));
    g->pal[i].Blue = (GifByteType)((k & 31) << 3 | ((k >> 2) & 7));
  }
  free(count);
  return 1;
}

static int nearest(sr_gif *g, int r, int gg, int b) {
  int k = key_of(r, gg, b);
  if (g->cache[k] >= 0) return g->cache[k];
  int best = 0;
  long bd = -1;
  for (int i = 0; i < g->npal; i++) {
    long dr = r - g->pal[i].Red, dg = gg - g->pal[i].Green, db = b - g->pal[i].Blue;
    long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
    if (bd < 0 || d < bd) bd = d, best = i;
  }
  return g->cache[k] = (short)best;
}

/* the screen, the palette and the endless loop: written with the first frame */
static int start(sr_gif *g, const unsigned char *argb, int stride, char *err, size_t errlen) {
  if (!make_palette(g, argb, stride)) { snprintf(err, errlen, "out of memory"); return 0; }
  int size = 2;
  while (size < g->npal) size *= 2;
  ColorMapObject *map = GifMakeMapObject(size, NULL);
  if (!map) { snprintf(err, errlen, "out of memory"); return 0; }
  memcpy(map->Colors, g->pal, (size_t)g->npal * sizeof *g->pal);
  EGifSetGifVersion(g->f, true);
  int ok = EGifPutScreenDesc(g->f, g->w, g->h, 8, 0, map) == GIF_OK;
  GifFreeMapObject(map);
  static const GifByteType loop[3] = { 1, 0, 0 };   /* sub-block 1: repeat 0 = forever */
  ok = ok && EGifPutExtensionLeader(g->f, APPLICATION_EXT_FUNC_CODE) == GIF_OK
          && EGifPutExtensionBlock(g->f, 11, "NETSCAPE2.0") == GIF_OK
          && EGifPutExtensionBlock(g->f, 3, loop) == GIF_OK
          && EGifPutExtensionTrailer(g->f) == GIF_OK;
  if (!ok) gif_say(err, errlen, "cannot write the GIF", g->f->Error);
  return ok;
}

int sr_gif_frame(sr_gif *g, const unsigned char *argb, int stride, int delay, char *err, size_t errlen) {
  if (g->frames == 0 && !start(g, argb, stride, err, errlen)) return 0;
  for (int y = 0; y < g->h; y++) {
    const unsigned char *p = argb + (size_t)y * (size_t)stride;
    GifByteType *row = g->cur + (size_t)y * (size_t)g->w;
    for (int x = 0; x < g->w; x++) {
      int r, gg, b;
      rgb_of(p + 4 * (size_t)x, &r, &gg, &b);
      row[x] = (GifByteType)nearest(g, r, gg, b);
    }
  }
  /* the rectangle that differs from the last frame (the whole first frame) */
  int x0 = 0, y0 = 0, x1 = g->w - 1, y1 = g->h - 1;
  if (g->frames > 0) {
    x0 = g->w, y0 = g->h, x1 = -1, y1 = -1;
    for (int y = 0; y < g->h; y++)
      for (int x = 0; x < g->w; x++)
        if (g->cur[(size_t)y * (size_t)g->w + (size_t)x] != g->prev[(size_t)y * (size_t)g->w + (size_t)x]) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
    if (x1 < 0) x0 = y0 = x1 = y1 = 0;   /* nothing moved: one pixel, for the frame's delay */
  }
  GraphicsControlBlock gcb = { DISPOSE_DO_NOT, false, delay, NO_TRANSPARENT_COLOR };
  GifByteType ext[4];
  EGifGCBToExtension(&gcb, ext);
  if (EGifPutExtension(g->f, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_OK
      || EGifPutImageDesc(g->f, x0, y0, x1 - x0 + 1, y1 - y0 + 1, false, NULL) != GIF_OK) {
    gif_say(err, errlen, "cannot write the GIF", g->f->Error);
    return 0;
  }
  for (int y = y0; y <= y1; y++) {
    if (EGifPutLine(g->f, g->cur + (size_t)y * (size_t)g->w + (size_t)x0, x1 - x0 + 1) != GIF_OK) {
      gif_say(err, errlen, "cannot write the GIF", g->f->Error);
      return 0;
    }
  }
  GifByteType *t = g->prev;
  g->prev = g->cur, g->cur = t;
  g->frames++;
  return 1;
}

int sr_gif_close(sr_gif *g, char *err, size_t errlen) {
  int code = 0, ok = EGifCloseFile(g->f, &code) == GIF_OK;
  if (!ok) gif_say(err, errlen, "cannot finish the GIF", code);
  free(g->cur);
  free(g->prev);
  free(g);
  return ok;
}
