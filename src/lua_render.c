/*
** lua_render.c -- the canvas slope.plot paints PNG, PDF and GIF files on
** (lua/plot_raster.lua walks a plot's scene and calls these), as private
** helpers: private.canvas(kind, w, h [, path]) and private.gif(path, w, h).
**
** The drawing itself is src/render/ (cairo and giflib), reached through its
** table of functions 'sr_backend': slope.so links it in (a weak symbol here)
** when the build found cairo and giflib, and the slope program opens it from
** the plugin slope-render.so when a script first draws such a file (see
** lua_plugin.c).  A build without them, or a host linking the binding alone,
** gets a clear error naming the packages to install.
*/
#include <stdio.h>
#include <string.h>

#include "lua_slope.h"
#include "render/render.h"

#pragma weak sr_backend

#define LS_CANVAS "slope.Canvas"
#define LS_GIF "slope.Gif"
#define NO_BACKEND "PNG, PDF and GIF files need cairo and giflib, and this slope was built without " \
  "them (install the Debian packages libcairo2-dev and libgif-dev, then rebuild slope)"

/* LeakSanitizer's built-in suppressions, read from the program when slope
** runs under it (make SANITIZE=address), so they live here rather than in
** the plugin: cairo 1.16 loses a block in cairo_surface_finish when a PDF
** embeds a subset of an OpenType/CFF font such as Noto Sans CJK
** (tests/valgrind.supp says the same to valgrind).  Without symbols for
** cairo the only handle is its library's name. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libcairo.so\n"; }

/* each object keeps its back end: no registry lookup per drawing call */
typedef struct { sr_canvas *c; const sr_ops *ops; } ls_canvas;
typedef struct { sr_gif *g; int w, h; const sr_ops *ops; } ls_gif;

/* This Lua state's back end (a userdata in the registry): found at the first
** canvas or GIF, linked in or from the plugin.  The first canvas registers
** the state as a user of the back end, and the state's close, collecting
** this record after every canvas, unregisters it. */
#define LS_RENDER_USE "slope.render.use"

typedef struct {
  const sr_ops *ops;    /* NULL: not looked for yet, or (with 'why') not there */
  int used;
  char why[512];        /* why there is none; "" until looked for */
} render_state;

static int use_gc(lua_State *L) {
  render_state *R = lua_touserdata(L, 1);
  if (R->used) R->ops->unuse();
  R->used = 0;
  return 0;
}

static render_state *find_backend(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, LS_RENDER_USE);
  render_state *R = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (R->ops || R->why[0]) return R;
  R->ops = &sr_backend;
  char why[256];
  if (!R->ops && !(R->ops = ls_plugin_open("slope-render.so", "sr_backend", 0, why, sizeof why)))
#ifdef SLOPE_RENDER_PLUGIN   /* built with cairo and giflib: the plugin went missing */
    snprintf(R->why, sizeof R->why, "PNG, PDF and GIF files need slope's picture plugin, and %s "
             "(reinstall slope: make install)", why);
#else
    snprintf(R->why, sizeof R->why, "%s", NO_BACKEND);
#endif
  return R;
}

/* The back end, registered as used by this state; raises when there is none. */
static const sr_ops *backend(lua_State *L) {
  render_state *R = find_backend(L);
  if (!R->ops) luaL_error(L, "%s", R->why);
  if (!R->used) {
    R->used = 1;
    R->ops->use();
  }
  return R->ops;
}

static ls_canvas *check_canvas(lua_State *L) {
  ls_canvas *C = luaL_checkudata(L, 1, LS_CANVAS);
  if (!C->c) luaL_error(L, "the canvas is closed");
  return C;
}

/* private.canvas("image" | "pdf", w, h [, path]) */
static int canvas_new(lua_State *L) {
  static const char *const kinds[] = {"image", "pdf", NULL};
  int kind = luaL_checkoption(L, 1, NULL, kinds);
  double w = luaL_checknumber(L, 2), h = luaL_checknumber(L, 3);
  const char *path = kind == SR_PDF ? luaL_checkstring(L, 4) : NULL;
  if (!(w >= 1 && w <= 20000 && h >= 1 && h <= 20000)) return luaL_error(L, "canvas size out of range");
  const sr_ops *ops = backend(L);
  ls_canvas *C = lua_newuserdatauv(L, sizeof *C, 0);
  C->c = NULL;
  C->ops = ops;
  luaL_setmetatable(L, LS_CANVAS);
  char err[256];
  C->c = ops->create(kind, path, w, h, err, sizeof err);
  if (!C->c) return luaL_error(L, "%s", err);
  return 1;
}

static int canvas_gc(lua_State *L) {
  ls_canvas *C = luaL_checkudata(L, 1, LS_CANVAS);
  if (C->c) C->ops->destroy(C->c);
  C->c = NULL;
  return 0;
}

static int canvas_color(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  C->ops->color(C->c, luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checknumber(L, 4),
                   luaL_optnumber(L, 5, 1));
  return 0;
}

/* c:path(flat list {x1, y1, x2, y2, ...} [, closed]): a polyline added to the current path */
static int canvas_path(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 2);
  for (lua_Integer i = 1; i + 1 <= n; i += 2) {
    lua_rawgeti(L, 2, i);
    lua_rawgeti(L, 2, i + 1);
    double x = lua_tonumber(L, -2), y = lua_tonumber(L, -1);
    lua_pop(L, 2);
    (i == 1 ? C->ops->move : C->ops->line)(C->c, x, y);
  }
  if (lua_toboolean(L, 3)) C->ops->close(C->c);
  return 0;
}

static int canvas_circle(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  C->ops->circle(C->c, luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checknumber(L, 4));
  return 0;
}

static int canvas_rect(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  C->ops->rect(C->c, luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                  luaL_checknumber(L, 4), luaL_checknumber(L, 5));
  return 0;
}

/* c:stroke(width, round, keep) */
static int canvas_stroke(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  C->ops->stroke(C->c, luaL_checknumber(L, 2), lua_toboolean(L, 3), lua_toboolean(L, 4));
  return 0;
}

static int canvas_fill(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  C->ops->fill(C->c, lua_toboolean(L, 2));
  return 0;
}

/* c:text(x, y, s, size, bold, anchor ("start"|"middle"|"end"), angle, measure) -> advance */
static int canvas_text(lua_State *L) {
  static const char *const anchors[] = {"start", "middle", "end", NULL};
  ls_canvas *C = check_canvas(L);
  double adv = C->ops->text(C->c, luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checkstring(L, 4),
                               luaL_checknumber(L, 5), lua_toboolean(L, 6),
                               luaL_checkoption(L, 7, "start", anchors), luaL_optnumber(L, 8, 0),
                               lua_toboolean(L, 9));
  lua_pushnumber(L, adv);
  return 1;
}

static int canvas_png(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  char err[256];
  if (!C->ops->write_png(C->c, luaL_checkstring(L, 2), err, sizeof err)) return luaL_error(L, "%s", err);
  return 0;
}

static int canvas_finish(lua_State *L) {
  ls_canvas *C = check_canvas(L);
  char err[256];
  int ok = C->ops->pdf_finish(C->c, err, sizeof err);
  canvas_gc(L);
  if (!ok) return luaL_error(L, "%s", err);
  return 0;
}

/* private.gif(path, w, h) */
static int gif_new(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
  if (w < 1 || w > 20000 || h < 1 || h > 20000) return luaL_error(L, "GIF size out of range");
  const sr_ops *ops = backend(L);
  ls_gif *G = lua_newuserdatauv(L, sizeof *G, 0);
  G->g = NULL;
  G->ops = ops;
  G->w = (int)w, G->h = (int)h;
  luaL_setmetatable(L, LS_GIF);
  char err[256];
  G->g = ops->gif_open(path, G->w, G->h, err, sizeof err);
  if (!G->g) return luaL_error(L, "%s", err);
  return 1;
}

static ls_gif *check_gif(lua_State *L) {
  ls_gif *G = luaL_checkudata(L, 1, LS_GIF);
  if (!G->g) luaL_error(L, "the GIF is closed");
  return G;
}

/* g:frame(canvas, delay in 1/100 s) */
static int gif_frame(lua_State *L) {
  ls_gif *G = check_gif(L);
  ls_canvas *C = luaL_checkudata(L, 2, LS_CANVAS);
  int delay = (int)luaL_checkinteger(L, 3);
  int w, h, stride;
  const unsigned char *px = C->c ? C->ops->pixels(C->c, &w, &h, &stride) : NULL;
  if (!px) return luaL_error(L, "a GIF frame needs an image canvas");
  if (w != G->w || h != G->h) return luaL_error(L, "a GIF frame must be %d x %d, got %d x %d", G->w, G->h, w, h);
  char err[256];
  if (!G->ops->gif_frame(G->g, px, stride, delay, err, sizeof err)) return luaL_error(L, "%s", err);
  return 0;
}

static int gif_close(lua_State *L) {
  ls_gif *G = luaL_checkudata(L, 1, LS_GIF);
  if (!G->g) return 0;
  char err[256];
  int ok = G->ops->gif_close(G->g, err, sizeof err);
  G->g = NULL;
  if (!ok) return luaL_error(L, "%s", err);
  return 0;
}

static int gif_gc(lua_State *L) {
  ls_gif *G = luaL_checkudata(L, 1, LS_GIF);
  char err[256];
  if (G->g) G->ops->gif_close(G->g, err, sizeof err);   /* after an error: the caller removes the file */
  G->g = NULL;
  return 0;
}

/* private.render_available() -> true when PNG, PDF and GIF can be written, else false and why */
static int available(lua_State *L) {
  render_state *R = find_backend(L);
  lua_pushboolean(L, R->ops != NULL);
  lua_pushstring(L, R->ops ? "" : R->why);
  return 2;
}

static void new_meta(lua_State *L, const char *name, lua_CFunction gc, const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void ls_open_render(lua_State *L) {
  static const luaL_Reg canvas_methods[] = {
    {"color", canvas_color}, {"path", canvas_path}, {"circle", canvas_circle}, {"rect", canvas_rect},
    {"stroke", canvas_stroke}, {"fill", canvas_fill}, {"text", canvas_text}, {"png", canvas_png},
    {"finish", canvas_finish}, {"close", canvas_gc}, {NULL, NULL}};
  static const luaL_Reg gif_methods[] = {{"frame", gif_frame}, {"close", gif_close}, {NULL, NULL}};
  /* made before any canvas, so the state's close collects it after them */
  render_state *R = lua_newuserdatauv(L, sizeof *R, 0);
  memset(R, 0, sizeof *R);
  lua_newtable(L);
  lua_pushcfunction(L, use_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, LS_RENDER_USE);
  new_meta(L, LS_CANVAS, canvas_gc, canvas_methods);
  new_meta(L, LS_GIF, gif_gc, gif_methods);
  lua_pushcfunction(L, canvas_new);
  lua_setfield(L, -2, "canvas");
  lua_pushcfunction(L, gif_new);
  lua_setfield(L, -2, "gif");
  lua_pushcfunction(L, available);
  lua_setfield(L, -2, "render_available");
}
