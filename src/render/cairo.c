/*
** cairo.c -- the canvas of render.h drawn with cairo: an image surface for
** PNG and GIF frames, a PDF surface for PDF.  Text uses cairo's own font
** selection (fontconfig): DejaVu Sans for Latin text, and Noto Sans CJK for
** the runs of wide characters, so Chinese, Japanese and Korean titles show
** in PNG and PDF as they do in a browser (Debian: fonts-noto-cjk).
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>

#include "render.h"

#define LATIN_FONT "DejaVu Sans"
#define CJK_FONT "Noto Sans CJK SC"

struct sr_canvas {
  cairo_surface_t *surface;
  cairo_t *cr;
  int kind;
};

static void say(char *err, size_t errlen, const char *what, cairo_status_t st) {
  snprintf(err, errlen, "%s: %s", what, cairo_status_to_string(st));
}

static sr_canvas *create(int kind, const char *path, double w, double h, char *err, size_t errlen) {
  sr_canvas *c = calloc(1, sizeof *c);
  if (!c) { snprintf(err, errlen, "out of memory"); return NULL; }
  c->kind = kind;
  c->surface = kind == SR_PDF ? cairo_pdf_surface_create(path, w, h)
                              : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)h);
  cairo_status_t st = cairo_surface_status(c->surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    say(err, errlen, kind == SR_PDF ? "cannot start the PDF" : "cannot make the image", st);
    cairo_surface_destroy(c->surface);
    free(c);
    return NULL;
  }
  c->cr = cairo_create(c->surface);
  cairo_set_line_join(c->cr, CAIRO_LINE_JOIN_ROUND);
  return c;
}

static void destroy(sr_canvas *c) {
  if (!c) return;
  cairo_destroy(c->cr);
  cairo_surface_destroy(c->surface);
  free(c);
}

static void color(sr_canvas *c, double r, double g, double b, double a) {
  cairo_set_source_rgba(c->cr, r, g, b, a);
}
static void move(sr_canvas *c, double x, double y) { cairo_move_to(c->cr, x, y); }
static void line(sr_canvas *c, double x, double y) { cairo_line_to(c->cr, x, y); }
static void close_path(sr_canvas *c) { cairo_close_path(c->cr); }
static void rect(sr_canvas *c, double x, double y, double w, double h) { cairo_rectangle(c->cr, x, y, w, h); }

static void circle(sr_canvas *c, double x, double y, double r) {
  cairo_new_sub_path(c->cr);
  cairo_arc(c->cr, x, y, r, 0, 6.283185307179586);
}

static void stroke(sr_canvas *c, double width, int round, int keep) {
  cairo_set_line_width(c->cr, width);
  cairo_set_line_cap(c->cr, round ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
  if (keep) cairo_stroke_preserve(c->cr); else cairo_stroke(c->cr);
}

static void fill(sr_canvas *c, int keep) {
  if (keep) cairo_fill_preserve(c->cr); else cairo_fill(c->cr);
}

/* Whether the UTF-8 character at 's' is East Asian wide (as plot_scale.lua's
** is_wide); '*len' gets its length in bytes. */
static int wide_at(const unsigned char *s, int *len) {
  unsigned cp = s[0];
  int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
  if (n > 1) cp &= 0xFFu >> (n + 1);
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) { n = i; break; }
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  *len = n;
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F)
      || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF)
      || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60)
      || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

/* The text cut into runs of one font each, set from the current point (or
** only measured); returns the advance. */
static double runs(cairo_t *cr, const char *s, double size, int bold, int draw) {
  double adv = 0;
  size_t n = strlen(s);
  char *buf = malloc(n + 1);
  if (!buf) return 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int len, wide = wide_at(p, &len), w2 = wide;
    size_t k = 0;
    while (*p && w2 == wide) {
      memcpy(buf + k, p, (size_t)len);
      k += (size_t)len;
      p += len;
      if (*p) w2 = wide_at(p, &len);
    }
    buf[k] = 0;
    cairo_select_font_face(cr, wide ? CJK_FONT : LATIN_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, buf, &ext);
    if (draw) cairo_show_text(cr, buf);   /* advances the current point */
    adv += ext.x_advance;
  }
  free(buf);
  return adv;
}

static double text(sr_canvas *c, double x, double y, const char *s, double size, int bold,
                   int anchor, double angle, int measure_only) {
  cairo_t *cr = c->cr;
  double w = runs(cr, s, size, bold, 0);
  if (measure_only) return w;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle * 3.141592653589793 / 180);
  cairo_move_to(cr, anchor == SR_MIDDLE ? -w / 2 : anchor == SR_END ? -w : 0, 0);
  runs(cr, s, size, bold, 1);
  cairo_new_path(cr);
  cairo_restore(cr);
  return w;
}

static int write_png(sr_canvas *c, const char *path, char *err, size_t errlen) {
  cairo_surface_flush(c->surface);
  cairo_status_t st = cairo_surface_write_to_png(c->surface, path);
  if (st != CAIRO_STATUS_SUCCESS) { say(err, errlen, "cannot write the PNG", st); return 0; }
  return 1;
}

static int pdf_finish(sr_canvas *c, char *err, size_t errlen) {
  cairo_show_page(c->cr);
  cairo_surface_finish(c->surface);
  cairo_status_t st = cairo_surface_status(c->surface);
  if (st != CAIRO_STATUS_SUCCESS) { say(err, errlen, "cannot write the PDF", st); return 0; }
  return 1;
}

static const unsigned char *pixels(sr_canvas *c, int *w, int *h, int *stride) {
  if (c->kind != SR_IMAGE) return NULL;
  cairo_surface_flush(c->surface);
  *w = cairo_image_surface_get_width(c->surface);
  *h = cairo_image_surface_get_height(c->surface);
  *stride = cairo_image_surface_get_stride(c->surface);
  return cairo_image_surface_get_data(c->surface);
}

/* The Lua states drawing now.  cairo's font caches and fontconfig's
** configuration belong to the process, not to a state, so this count is
** the one piece of process-wide state here: the last state to stop frees
** them, when no canvas is alive anywhere. */
static atomic_int users;

static void use(void) { atomic_fetch_add(&users, 1); }

static void unuse(void) {
  if (atomic_fetch_sub(&users, 1) == 1) {
    cairo_debug_reset_static_data();
    FcFini();
  }
}

const sr_ops sr_backend = {
  create, destroy, color, move, line, close_path, circle, rect, stroke, fill, text,
  write_png, pdf_finish, pixels, sr_gif_open, sr_gif_frame, sr_gif_close, use, unuse,
};
