/*
** lua_render.c -- the canvas slope.plot paints PNG, PDF and GIF files on
** (lua/plot_raster.lua walks a plot's scene and calls these), as private
** helpers: private.canvas(kind, w, h [, path]) and private.gif(path, w, h).
**
** The drawing itself is src/render/ (cairo and giflib), reached through the
** weak symbol 'sr_backend': the slope program and slope.so link it in when
** the build found cairo and giflib; a build without them, or a host linking
** the binding alone, gets a clear error naming the packages to install.
*/
#include <string.h>

#include "lua_slope.h"
#include "render/render.h"

#pragma weak sr_backend

#define LS_CANVAS "slope.Canvas"
#define LS_GIF "slope.Gif"
#define NO_BACKEND "PNG, PDF and GIF files need cairo and giflib, and this slope was built without " \
  "them (install the Debian packages libcairo2-dev and libgif-dev, then rebuild slope)"

typedef struct { sr_canvas *c; } ls_canvas;
typedef struct { sr_gif *g; int w, h; } ls_gif;

static const sr_ops *backend(lua_State *L) {
  const sr_ops *ops = &sr_backend;
  if (!ops) luaL_error(L, "%s", NO_BACKEND);
  return ops;
}

/* Whether this Lua state has drawn (a userdata in the registry): its first
** canvas registers the state as a user of the back end, and the state's
** close, collecting this record after every canvas, unregisters it. */
#define LS_RENDER_USE "slope.render.use"

static int use_gc(lua_State *L) {
  int *used = lua_touserdata(L, 1);
  if (*used) sr_backend.unuse();
  *used = 0;
  return 0;
}

static void mark_used(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, LS_RENDER_USE);
  int *used = lua_touserdata(L, -1);
  if (used && !*used) {
    *used = 1;
    sr_backend.use();
  }
  lua_pop(L, 1);
}

static sr_canvas *check_canvas(lua_State *L) {
  ls_canvas *C = luaL_checkudata(L, 1, LS_CANVAS);
  if (!C->c) luaL_error(L, "the canvas is closed");
  return C->c;
}

/* private.canvas("image" | "pdf", w, h [, path]) */
static int canvas_new(lua_State *L) {
  static const char *const kinds[] = {"image", "pdf", NULL};
  int kind = luaL_checkoption(L, 1, NULL, kinds);
  double w = luaL_checknumber(L, 2), h = luaL_checknumber(L, 3);
  const char *path = kind == SR_PDF ? luaL_checkstring(L, 4) : NULL;
  const sr_ops *ops = backend(L);
  if (!(w >= 1 && w <= 20000 && h >= 1 && h <= 20000)) return luaL_error(L, "canvas size out of range");
  mark_used(L);
  ls_canvas *C = lua_newuserdatauv(L, sizeof *C, 0);
  C->c = NULL;
  luaL_setmetatable(L, LS_CANVAS);
  char err[256];
  C->c = ops->create(kind, path, w, h, err, sizeof err);
  if (!C->c) return luaL_error(L, "%s", err);
  return 1;
}

static int canvas_gc(lua_State *L) {
  ls_canvas *C = luaL_checkudata(L, 1, LS_CANVAS);
  if (C->c) sr_backend.destroy(C->c);
  C->c = NULL;
  return 0;
}

static int canvas_color(lua_State *L) {
  sr_canvas *c = check_canvas(L);
  sr_backend.color(c, luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checknumber(L, 4),
                   luaL_optnumber(L, 5, 1));
  return 0;
}

/* c:path(flat list {x1, y1, x2, y2, ...} [, closed]): a polyline added to the current path */
static int canvas_path(lua_State *L) {
  sr_canvas *c = check_canvas(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 2);
  for (lua_Integer i = 1; i + 1 <= n; i += 2) {
    lua_rawgeti(L, 2, i);
    lua_rawgeti(L, 2, i + 1);
    double x = lua_tonumber(L, -2), y = lua_tonumber(L, -1);
    lua_pop(L, 2);
    (i == 1 ? sr_backend.move : sr_backend.line)(c, x, y);
  }
  if (lua_toboolean(L, 3)) sr_backend.close(c);
  return 0;
}

static int canvas_circle(lua_State *L) {
  sr_backend.circle(check_canvas(L), luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checknumber(L, 4));
  return 0;
}

static int canvas_rect(lua_State *L) {
  sr_backend.rect(check_canvas(L), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                  luaL_checknumber(L, 4), luaL_checknumber(L, 5));
  return 0;
}

/* c:stroke(width, round, keep) */
static int canvas_stroke(lua_State *L) {
  sr_backend.stroke(check_canvas(L), luaL_checknumber(L, 2), lua_toboolean(L, 3), lua_toboolean(L, 4));
  return 0;
}

static int canvas_fill(lua_State *L) {
  sr_backend.fill(check_canvas(L), lua_toboolean(L, 2));
  return 0;
}

/* c:text(x, y, s, size, bold, anchor ("start"|"middle"|"end"), angle, measure) -> advance */
static int canvas_text(lua_State *L) {
  static const char *const anchors[] = {"start", "middle", "end", NULL};
  sr_canvas *c = check_canvas(L);
  double adv = sr_backend.text(c, luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checkstring(L, 4),
                               luaL_checknumber(L, 5), lua_toboolean(L, 6),
                               luaL_checkoption(L, 7, "start", anchors), luaL_optnumber(L, 8, 0),
                               lua_toboolean(L, 9));
  lua_pushnumber(L, adv);
  return 1;
}

static int canvas_png(lua_State *L) {
  sr_canvas *c = check_canvas(L);
  char err[256];
  if (!sr_backend.write_png(c, luaL_checkstring(L, 2), err, sizeof err)) return luaL_error(L, "%s", err);
  return 0;
}

static int canvas_finish(lua_State *L) {
  sr_canvas *c = check_canvas(L);
  char err[256];
  int ok = sr_backend.pdf_finish(c, err, sizeof err);
  canvas_gc(L);
  if (!ok) return luaL_error(L, "%s", err);
  return 0;
}

/* private.gif(path, w, h) */
static int gif_new(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
  const sr_ops *ops = backend(L);
  if (w < 1 || w > 20000 || h < 1 || h > 20000) return luaL_error(L, "GIF size out of range");
  ls_gif *G = lua_newuserdatauv(L, sizeof *G, 0);
  G->g = NULL;
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
  const unsigned char *px = C->c ? sr_backend.pixels(C->c, &w, &h, &stride) : NULL;
  if (!px) return luaL_error(L, "a GIF frame needs an image canvas");
  if (w != G->w || h != G->h) return luaL_error(L, "a GIF frame must be %d x %d, got %d x %d", G->w, G->h, w, h);
  char err[256];
  if (!sr_backend.gif_frame(G->g, px, stride, delay, err, sizeof err)) return luaL_error(L, "%s", err);
  return 0;
}

static int gif_close(lua_State *L) {
  ls_gif *G = luaL_checkudata(L, 1, LS_GIF);
  if (!G->g) return 0;
  char err[256];
  int ok = sr_backend.gif_close(G->g, err, sizeof err);
  G->g = NULL;
  if (!ok) return luaL_error(L, "%s", err);
  return 0;
}

static int gif_gc(lua_State *L) {
  ls_gif *G = luaL_checkudata(L, 1, LS_GIF);
  char err[256];
  if (G->g) sr_backend.gif_close(G->g, err, sizeof err);   /* after an error: the caller removes the file */
  G->g = NULL;
  return 0;
}

/* private.render_available() -> true when PNG, PDF and GIF can be written, else false and why */
static int available(lua_State *L) {
  const sr_ops *ops = &sr_backend;
  lua_pushboolean(L, ops != NULL);
  lua_pushstring(L, ops ? "" : NO_BACKEND);
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
  int *used = lua_newuserdatauv(L, sizeof *used, 0);
  *used = 0;
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
