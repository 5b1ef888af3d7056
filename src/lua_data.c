/*
** lua_data.c -- data sets in Lua: slope.data{ x = {...}, y = {...} },
** slope.data.csv(path), slope.data.regression{...}, and the methods of a
** Data: split, rows, columns, column, head, csv (and #ds, tostring(ds)).
**
** A Data is a full userdata holding a 'slope_data *'.  It is created empty
** before the C data set is built, so a Lua error raised half way leaves
** nothing behind that __gc would not free.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_slope.h"

#define DATA_SHOW_COLS 8    /* column names listed by tostring */
#define DATA_HEAD_ROWS 5    /* rows shown by ds:head() */

/* ---- the userdata ---------------------------------------------------------------- */

static slope_data **new_data_udata(lua_State *L) {
  slope_data **u = lua_newuserdatauv(L, sizeof *u, 0);
  *u = NULL;
  luaL_setmetatable(L, LS_DATA);
  return u;
}

slope_data *ls_check_data(lua_State *L, int idx) {
  slope_data **u = luaL_checkudata(L, idx, LS_DATA);
  if (!*u) luaL_error(L, "the data set has been freed");
  return *u;
}

static int data_gc(lua_State *L) {
  slope_data **u = luaL_checkudata(L, 1, LS_DATA);
  slope_data_free(*u);
  *u = NULL;
  return 0;
}

/* ---- slope.data{ name = {numbers}, ... } --------------------------------------------- */

/* Natural order: runs of digits compare as numbers, so x2 comes before x10
** (ties such as x01 and x1 fall back to the bytes). */
static int cmp_natural(const char *a, const char *b) {
  const char *a0 = a, *b0 = b;
  while (*a && *b) {
    if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
      while (*a == '0') a++;
      while (*b == '0') b++;
      size_t m = strspn(a, "0123456789"), n = strspn(b, "0123456789");
      int c = m != n ? (m < n ? -1 : 1) : strncmp(a, b, m);
      if (c) return c;
      a += m, b += n;
    } else if (*a != *b) {
      return (unsigned char)*a - (unsigned char)*b;
    } else {
      a++, b++;
    }
  }
  if (*a || *b) return (unsigned char)*a - (unsigned char)*b;
  return strcmp(a0, b0);
}

static int cmp_names(const void *a, const void *b) {
  return cmp_natural(*(const char *const *)a, *(const char *const *)b);
}

/* The column names of table 'idx', in natural order (a Lua table has no
** order of its own, and sorting makes the order the same on every run;
** x2 before x10, as people number columns).  Pushes the array
** holding them and returns the count; 'names' points into it. */
static int column_names(lua_State *L, int idx, const char ***names) {
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "slope.data: column names must be strings, got a %s key "
                    "(write slope.data{ x = {1, 2}, y = {3, 4} })", luaL_typename(L, -2));
    if (!lua_istable(L, -1))
      luaL_error(L, "slope.data: column '%s' must be an array of numbers, got a %s",
                 lua_tostring(L, -2), luaL_typename(L, -1));
    lua_pop(L, 1);
    n++;
  }
  if (n == 0) luaL_error(L, "slope.data: no columns given (write slope.data{ x = {1, 2}, y = {3, 4} })");
  const char **list = lua_newuserdatauv(L, (size_t)n * sizeof *list, 1);
  lua_newtable(L);   /* anchors the strings */
  int k = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, k + 1);
    list[k++] = lua_tostring(L, -1);
  }
  lua_setiuservalue(L, -2, 1);
  qsort(list, (size_t)k, sizeof *list, cmp_names);
  *names = list;
  return k;
}

/* Copy column 'name' (array at 'idx') into a new scratch userdata, checking
** every entry; returns the values and stores the count in '*len'. */
static double *read_column(lua_State *L, int idx, const char *name, size_t *len) {
  lua_Integer n = luaL_len(L, idx);
  double *v = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *v, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, idx, i) != LUA_TNUMBER)
      luaL_error(L, "slope.data: column '%s', entry %d is a %s (expected a number)", name, (int)i,
                 luaL_typename(L, -1));
    double x = lua_tonumber(L, -1);
    if (!isfinite(x))
      luaL_error(L, "slope.data: column '%s', entry %d is %s (expected a finite number)", name,
                 (int)i, isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
    v[i - 1] = x;
    lua_pop(L, 1);
  }
  *len = (size_t)n;
  return v;
}

/* A vector column given as a table of equal-length rows (array at 'idx')
** into a new scratch userdata, row-major; *len rows of *k numbers. */
static double *read_rows(lua_State *L, int idx, const char *name, size_t *len, int *k) {
  lua_Integer n = luaL_len(L, idx);
  lua_rawgeti(L, idx, 1);
  lua_Integer w = (lua_Integer)lua_rawlen(L, -1);
  lua_pop(L, 1);
  if (w < 1 || w > 4096)
    luaL_error(L, "slope.data: column '%s' is a table of rows, but row 1 has %d values (1 to 4096)", name, (int)w);
  if (n > (lua_Integer)(((size_t)1 << 40) / (size_t)w)) luaL_error(L, "slope.data: column '%s' is too long", name);
  double *v = lua_newuserdatauv(L, (size_t)(n * w) * sizeof *v, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, idx, i) != LUA_TTABLE)
      luaL_error(L, "slope.data: column '%s' is a table of rows, but row %d is a %s", name, (int)i,
                 luaL_typename(L, -1));
    if ((lua_Integer)lua_rawlen(L, -1) != w)
      luaL_error(L, "slope.data: column '%s' has rows of different lengths: row %d has %d values, row 1 has %d",
                 name, (int)i, (int)lua_rawlen(L, -1), (int)w);
    for (lua_Integer j = 1; j <= w; j++) {
      if (lua_rawgeti(L, -1, j) != LUA_TNUMBER)
        luaL_error(L, "slope.data: column '%s', row %d, entry %d is a %s (expected a number)", name, (int)i,
                   (int)j, luaL_typename(L, -1));
      double x = lua_tonumber(L, -1);
      if (!isfinite(x))
        luaL_error(L, "slope.data: column '%s', row %d, entry %d is %s (expected a finite number)", name, (int)i,
                   (int)j, isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
      v[(i - 1) * w + j - 1] = x;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  *len = (size_t)n;
  *k = (int)w;
  return v;
}

static int data_call(lua_State *L) {   /* slope.data(t): arg 1 is slope.data itself */
  slope_ctx *S = ls_ctx(L);
  if (!lua_istable(L, 2))
    return luaL_error(L, "slope.data: expected a table of columns, e.g. slope.data{ x = {1, 2}, y = {3, 4} }");
  const char **names;
  int n = column_names(L, 2, &names);
  slope_data **u = new_data_udata(L);
  int top = lua_gettop(L);
  if (!(*u = slope_data_new(S))) ls_raise(L, S);
  size_t rows0 = 0;
  for (int j = 0; j < n; j++) {
    lua_getfield(L, 2, names[j]);
    size_t rows;
    int k = 0, vector = lua_rawgeti(L, top + 1, 1) == LUA_TTABLE;
    lua_pop(L, 1);
    const double *v = vector ? read_rows(L, top + 1, names[j], &rows, &k) : read_column(L, top + 1, names[j], &rows);
    if (j == 0) rows0 = rows;
    else if (rows != rows0)
      luaL_error(L, "slope.data: column '%s' has %d entries, column '%s' has %d", names[j],
                 (int)rows, names[0], (int)rows0);
    if ((vector ? slope_data_add_vector(*u, names[j], v, rows, k) : slope_data_add(*u, names[j], v, rows)) != SLOPE_OK)
      ls_raise(L, S);
    lua_settop(L, top);
  }
  return 1;
}

/* ---- slope.data.csv, slope.data.regression ------------------------------------------ */

/* The vector column that flat column j of 'd' joins under group = { ... }
** (the list at 'groups'): "x" with element *e for column "x7" when x is
** listed; NULL otherwise. */
static const char *group_of(lua_State *L, int groups, const char *name, long *e) {
  for (lua_Integer g = 1, n = luaL_len(L, groups); g <= n; g++) {
    lua_rawgeti(L, groups, g);
    const char *base = lua_tostring(L, -1);   /* anchored in the list */
    lua_pop(L, 1);
    size_t len = strlen(base);
    const char *digits = name + len;
    if (strncmp(name, base, len) != 0 || *digits < '1' || *digits > '9' || strlen(digits) > 6
        || strspn(digits, "0123456789") != strlen(digits))
      continue;
    *e = strtol(digits, NULL, 10);
    return base;
  }
  return NULL;
}

/* The CSV set 'd' with the columns x1, x2, ..., xk of every name x of the
** list at 'groups' as the vector column x (columns x[1] .. x[k]), into a new
** Data pushed on the stack.  They must be numbered 1..k in order. */
static void group_columns(lua_State *L, slope_ctx *S, const slope_data *d, int groups) {
  for (lua_Integer g = 1, n = luaL_len(L, groups); g <= n; g++)
    if (lua_rawgeti(L, groups, g) != LUA_TSTRING) luaL_error(L, "csv: group[%d] must be a column name", (int)g);
  slope_data **u = new_data_udata(L);
  int out = lua_gettop(L);
  if (!(*u = slope_data_new(S))) ls_raise(L, S);
  for (int j = 0, nc = slope_data_ncols(d); j < nc; j++) {
    long e = 0, expect = 1;
    const char *name = slope_data_name(d, j), *base = group_of(L, groups, name, &e);
    if (base) {
      slope_shape sh;
      long prev;
      if (slope_data_shape(*u, base, &sh) >= 0) expect = sh.dim[0] + 1;
      if (e != expect || (expect > 1 && group_of(L, groups, slope_data_name(d, j - 1), &prev) != base))
        luaL_error(L, "csv: the columns %s1, %s2, ... of group '%s' must stand side by side in order (%s is out of place)",
                   base, base, base, name);
      name = lua_pushfstring(L, "%s[%d]", base, (int)expect);
    }
    if (slope_data_add(*u, name, slope_data_column(d, j), slope_data_rows(d)) != SLOPE_OK) ls_raise(L, S);
  }
  for (lua_Integer g = 1, n = luaL_len(L, groups); g <= n; g++) {
    lua_rawgeti(L, groups, g);
    if (slope_data_shape(*u, lua_tostring(L, -1), NULL) < 0)
      luaL_error(L, "csv: group names '%s', but the file has no columns %s1, %s2, ...", lua_tostring(L, -1),
                 lua_tostring(L, -1), lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_settop(L, out);
}

/* slope.data.csv(path [, { group = { "x" } }]): headers x[1], x[2], ...
** make a vector column x by themselves; group makes one of x1, x2, .... */
static int data_csv(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *path = luaL_checkstring(L, 1);
  int groups = 0;
  if (!lua_isnoneornil(L, 2)) {
    static const char *const keys[] = {"group", NULL};
    luaL_checktype(L, 2, LUA_TTABLE);
    ls_check_options(L, 2, "csv", keys, 0);
    if (lua_getfield(L, 2, "group") != LUA_TNIL) {
      ls_check_option_type(L, LUA_TTABLE, "csv", "group", "a list of column names { \"x\" } (x1, x2, ... become x)");
      groups = lua_gettop(L);
    }
  }
  slope_data **u = new_data_udata(L);
  if (!(*u = slope_data_csv(S, path))) ls_raise(L, S);
  if (groups) group_columns(L, S, *u, groups);
  return 1;
}

/* Field 'key' of options table 't' as a number ('def' when absent). */
static double opt_num(lua_State *L, int t, const char *key, double def) {
  int type = t ? lua_getfield(L, t, key) : LUA_TNIL;
  double v = type == LUA_TNIL ? def : lua_tonumber(L, -1);
  if (type != LUA_TNIL && type != LUA_TNUMBER)
    luaL_error(L, "regression: %s must be a number, got a %s", key, luaL_typename(L, -1));
  if (t) lua_pop(L, 1);
  return v;
}

/* Field 'key' of 't' as an integer ('def' when absent). */
static lua_Integer opt_int(lua_State *L, int t, const char *key, lua_Integer def) {
  int type = t ? lua_getfield(L, t, key) : LUA_TNIL, ok = 1;
  lua_Integer v = type == LUA_TNIL ? def : lua_tointegerx(L, -1, &ok);
  if (type != LUA_TNIL && (type != LUA_TNUMBER || !ok))
    luaL_error(L, "regression: %s must be an integer, got %s", key, luaL_tolstring(L, -1, NULL));
  if (t) lua_pop(L, 1);
  return v;
}

/* The weights: w = 3 or w = { 3, -2 } (default 1).  Pushes their storage. */
static double *opt_weights(lua_State *L, int t, int *nw) {
  int type = t ? lua_getfield(L, t, "w") : LUA_TNIL;
  if (type == LUA_TNIL || type == LUA_TNUMBER) {
    double *w = lua_newuserdatauv(L, sizeof *w, 0);
    *w = type == LUA_TNIL ? 1 : lua_tonumber(L, -2);
    *nw = 1;
    return w;
  }
  if (type != LUA_TTABLE)
    luaL_error(L, "regression: w must be a number or an array of numbers, got a %s", luaL_typename(L, -1));
  int idx = lua_gettop(L);
  lua_Integer n = luaL_len(L, idx);
  if (n < 1 || n > 4095) luaL_error(L, "regression: w must have 1 to 4095 weights, got %d", (int)n);
  double *w = lua_newuserdatauv(L, (size_t)n * sizeof *w, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, idx, i) != LUA_TNUMBER)
      luaL_error(L, "regression: w[%d] must be a number, got a %s", (int)i, luaL_typename(L, -1));
    w[i - 1] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  *nw = (int)n;
  return w;
}

/* slope.data.regression{ n = 100, w = 1, b = 0, noise = 0.1, seed = 0 } */
static int data_regression(lua_State *L) {
  static const char *const opts[] = {"n", "w", "b", "noise", "seed", NULL};
  slope_ctx *S = ls_ctx(L);
  int t = 0;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    ls_check_options(L, 1, "regression", opts, 0);
    t = 1;
  }
  lua_Integer n = opt_int(L, t, "n", 100);
  if (n < 1) luaL_error(L, "regression: n must be >= 1, got %d", (int)n);
  double b = opt_num(L, t, "b", 0), noise = opt_num(L, t, "noise", 0.1);
  if (!(noise >= 0)) luaL_error(L, "regression: noise must be >= 0, got %f", noise);
  lua_Integer seed = opt_int(L, t, "seed", 0);
  int nw;
  const double *w = opt_weights(L, t, &nw);
  slope_data **u = new_data_udata(L);
  if (!(*u = slope_data_regression(S, (size_t)n, w, nw, b, noise, (uint64_t)seed))) ls_raise(L, S);
  return 1;
}

/* ---- methods ---------------------------------------------------------------------- */

/* ds:split(fraction, seed) -> train, test */
static int m_split(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const slope_data *d = ls_check_data(L, 1);
  double fraction = luaL_checknumber(L, 2);
  lua_Integer seed = luaL_optinteger(L, 3, 0);
  slope_data **train = new_data_udata(L), **test = new_data_udata(L);
  if (slope_data_split(d, fraction, (uint64_t)seed, train, test) != SLOPE_OK) ls_raise(L, S);
  return 2;
}

static int m_rows(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)slope_data_rows(ls_check_data(L, 1)));
  return 1;
}

/* Push the column names of 'd' as a list, a vector column x[1] .. x[k] as
** its one name x; returns their count. */
static int push_columns(lua_State *L, const slope_data *d) {
  int n = slope_data_ncols(d), count = 0;
  lua_createtable(L, n, 0);
  for (int j = 0; j < n; j++) {
    const char *name = slope_data_name(d, j), *open = strchr(name, '[');
    slope_shape sh;
    if (open) {   /* the first element of a vector column: skip the others */
      lua_pushlstring(L, name, (size_t)(open - name));
      if (slope_data_shape(d, lua_tostring(L, -1), &sh) == j) j += sh.dim[0] - 1;
      else lua_pushstring(L, name), lua_remove(L, -2);
    } else lua_pushstring(L, name);
    lua_rawseti(L, -2, ++count);
  }
  return count;
}

static int m_columns(lua_State *L) {
  push_columns(L, ls_check_data(L, 1));
  return 1;
}

/* Push "x, y, z" (at most 'max' names, then "..."). */
static void push_name_list(lua_State *L, const slope_data *d, int max) {
  int n = push_columns(L, d), list = lua_gettop(L), parts = 0;
  for (int j = 0; j < n && j < max; j++) {
    lua_pushstring(L, j ? ", " : "");
    lua_rawgeti(L, list, j + 1);
    parts += 2;
  }
  if (n > max) lua_pushliteral(L, ", ..."), parts++;
  lua_concat(L, parts);
  lua_remove(L, list);
}

/* ds:column "x" -> a new array of the values */
static int m_column(lua_State *L) {
  const slope_data *d = ls_check_data(L, 1);
  const char *name = luaL_checkstring(L, 2);
  slope_shape sh;
  int at = slope_data_shape(d, name, &sh);
  if (at < 0) {
    push_name_list(L, d, 64);
    return luaL_error(L, "column: no column '%s' (columns: %s)", name, lua_tostring(L, -1));
  }
  const double *v = slope_data_column(d, at);
  size_t n = slope_data_rows(d);
  if (sh.rank == 1) {   /* a vector column: its rows */
    lua_createtable(L, n <= 0x7fffffff ? (int)n : 0, 0);
    for (size_t i = 0; i < n; i++) {
      lua_createtable(L, sh.dim[0], 0);
      for (int e = 0; e < sh.dim[0]; e++) {
        lua_pushnumber(L, slope_data_column(d, at + e)[i]);
        lua_rawseti(L, -2, e + 1);
      }
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
  }
  lua_createtable(L, n <= 0x7fffffff ? (int)n : 0, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, v[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int m_tostring(lua_State *L) {
  const slope_data *d = ls_check_data(L, 1);
  size_t rows = slope_data_rows(d);
  int n = slope_data_ncols(d);
  push_name_list(L, d, DATA_SHOW_COLS);
  if (n > DATA_SHOW_COLS)
    lua_pushfstring(L, "slope.Data(%I row%s: %s %d columns)", (lua_Integer)rows, rows == 1 ? "" : "s",
                    lua_tostring(L, -1), n);
  else
    lua_pushfstring(L, "slope.Data(%I row%s%s%s)", (lua_Integer)rows, rows == 1 ? "" : "s",
                    n ? ": " : "", lua_tostring(L, -1));
  return 1;
}

/*
** ds:head(n) -> the first n rows (default 5) as a text table, one line per
** row, columns right-aligned under their names, for the REPL.  Numbers are
** shown with 6 significant digits; ds:column gives them exactly.
*/
static int m_head(lua_State *L) {
  const slope_data *d = ls_check_data(L, 1);
  lua_Integer want = luaL_optinteger(L, 2, DATA_HEAD_ROWS);
  luaL_argcheck(L, want >= 0, 2, "the number of rows must be >= 0");
  size_t rows = slope_data_rows(d), shown = (size_t)want < rows ? (size_t)want : rows;
  int nc = slope_data_ncols(d);
  int *width = lua_newuserdatauv(L, (size_t)(nc ? nc : 1) * sizeof *width, 0);
  char cell[32];
  for (int j = 0; j < nc; j++) {
    width[j] = (int)strlen(slope_data_name(d, j));
    for (size_t i = 0; i < shown; i++) {
      int w = snprintf(cell, sizeof cell, "%.6g", slope_data_column(d, j)[i]);
      if (w > width[j]) width[j] = w;
    }
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i <= shown; i++) {   /* line 0 is the header */
    if (i) luaL_addchar(&b, '\n');
    for (int j = 0; j < nc; j++) {
      const char *s = cell;
      if (i == 0) s = slope_data_name(d, j);
      else snprintf(cell, sizeof cell, "%.6g", slope_data_column(d, j)[i - 1]);
      for (int k = (int)strlen(s); k < width[j] + (j ? 2 : 0); k++) luaL_addchar(&b, ' ');
      luaL_addstring(&b, s);
    }
  }
  if (shown < rows) {
    snprintf(cell, sizeof cell, "%zu", rows - shown);
    luaL_addstring(&b, "\n... ");
    luaL_addstring(&b, cell);
    luaL_addstring(&b, rows - shown == 1 ? " more row" : " more rows");
  }
  luaL_pushresult(&b);
  return 1;
}

/* ds:csv(path) -> ds */
static int m_csv(lua_State *L) {
  const slope_data *d = ls_check_data(L, 1);
  const char *path = luaL_checkstring(L, 2);
  if (slope_data_write_csv(d, path) != SLOPE_OK) {
    slope_ctx *S = ls_ctx(L);
    lua_pushstring(L, slope_error_get(S).message);
    slope_clear_error(S);
    return ls_option_error(L, "csv");
  }
  lua_settop(L, 1);
  return 1;
}

void ls_open_data(lua_State *L, slope_ctx *S) {
  static const luaL_Reg meta[] = {
    {"__gc", data_gc}, {"__len", m_rows}, {"__tostring", m_tostring}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"split", m_split}, {"rows", m_rows}, {"columns", m_columns}, {"column", m_column},
    {"head", m_head}, {"csv", m_csv}, {NULL, NULL}
  };
  static const luaL_Reg fns[] = {{"csv", data_csv}, {"regression", data_regression}, {NULL, NULL}};
  static const luaL_Reg call[] = {{"__call", data_call}, {NULL, NULL}};
  ls_newclass(L, S, LS_DATA, meta, methods);
  /* slope.data: a table of the constructors that can itself be called */
  lua_newtable(L);
  ls_setfuncs(L, S, fns);
  lua_newtable(L);
  ls_setfuncs(L, S, call);
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "data");
}
