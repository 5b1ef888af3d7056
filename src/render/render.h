/*
** render.h -- the raster and PDF back end of slope.plot (internal): a canvas
** that draws the primitives of a plot's scene with cairo, writes it as PNG or
** PDF, and hands its pixels to the GIF writer (giflib).
**
** The binding reaches it through the one table 'sr_backend', which only
** programs built with cairo and giflib link in (see the Makefile): a host
** built without them still runs, and a PNG, PDF or GIF file gets a clear
** error instead of a link failure.  Every call reports failure through its
** return value and a message in 'err'; nothing here exits or raises.
*/
#ifndef SLOPE_RENDER_H
#define SLOPE_RENDER_H

#include <stddef.h>

typedef struct sr_canvas sr_canvas;
typedef struct sr_gif sr_gif;

enum { SR_IMAGE, SR_PDF };                       /* kinds of canvas */
enum { SR_START, SR_MIDDLE, SR_END };            /* text anchors */

typedef struct sr_ops {
  /* A white-less (transparent) canvas of w x h points; a PDF canvas writes
  ** to 'path' as it goes (finished by pdf_finish). */
  sr_canvas *(*create)(int kind, const char *path, double w, double h, char *err, size_t errlen);
  void (*destroy)(sr_canvas *c);
  void (*color)(sr_canvas *c, double r, double g, double b, double a);
  void (*move)(sr_canvas *c, double x, double y);
  void (*line)(sr_canvas *c, double x, double y);
  void (*close)(sr_canvas *c);
  void (*circle)(sr_canvas *c, double x, double y, double r);
  void (*rect)(sr_canvas *c, double x, double y, double w, double h);
  /* stroke or fill the current path; 'keep' keeps it for the other */
  void (*stroke)(sr_canvas *c, double width, int round, int keep);
  void (*fill)(sr_canvas *c, int keep);
  /* UTF-8 text at (x, y) (baseline), rotated by 'angle' degrees about that
  ** point; wide (CJK) characters are set in a CJK font.  Returns the
  ** advance, so runs of one line (a raised exponent) follow each other. */
  double (*text)(sr_canvas *c, double x, double y, const char *s, double size, int bold,
                 int anchor, double angle, int measure_only);
  int (*write_png)(sr_canvas *c, const char *path, char *err, size_t errlen);
  int (*pdf_finish)(sr_canvas *c, char *err, size_t errlen);
  /* the pixels of an image canvas: premultiplied ARGB, 'stride' bytes a row */
  const unsigned char *(*pixels)(sr_canvas *c, int *w, int *h, int *stride);
  /* an animated GIF, frame by frame; 'delay' in hundredths of a second */
  sr_gif *(*gif_open)(const char *path, int w, int h, char *err, size_t errlen);
  int (*gif_frame)(sr_gif *g, const unsigned char *argb, int stride, int delay, char *err, size_t errlen);
  int (*gif_close)(sr_gif *g, char *err, size_t errlen);
  /* A Lua state starts or stops using the canvas: when the last one stops,
  ** the caches cairo and fontconfig keep for the whole process are freed
  ** (so a program that drew is clean under valgrind; no state draws then). */
  void (*use)(void);
  void (*unuse)(void);
} sr_ops;

extern const sr_ops sr_backend;

/* the GIF half, in gif.c (cairo.c puts it into sr_backend) */
sr_gif *sr_gif_open(const char *path, int w, int h, char *err, size_t errlen);
int sr_gif_frame(sr_gif *g, const unsigned char *argb, int stride, int delay, char *err, size_t errlen);
int sr_gif_close(sr_gif *g, char *err, size_t errlen);

#endif
