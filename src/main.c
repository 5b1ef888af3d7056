/*
** main.c -- the slope command: run experiment scripts, evaluate code, take a
** quick derivative, or start the REPL.  Modelled on lua.c: everything runs
** in 'pmain' under lua_pcall so no Lua error escapes as a crash.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include "slope.h"
#include "repl.h"
#include "cli_mpi.h"

static const char *usage =
  "usage: slope [options] [script.lua [args]]\n"
  "       slope diff 'expression' variable\n"
  "       slope merge OUT   join a sweep's trial files (slope --trial N) in OUT\n"
  "Options:\n"
  "  -e code      run 'code'\n"
  "  -i           enter the REPL after running the script or -e code\n"
  "  --trial N    run trial N of the script's sweep alone (a job array; also SLOPE_TRIAL=N)\n"
  "  -v, --version  print the version\n"
  "  -h, --help   print this help\n"
  "  --emit-c     print the C source of each compiled function as it is first evaluated\n"
  "  -            run standard input as a script\n"
  "With no arguments, slope starts the REPL (or runs standard input when it is not a terminal).\n";

/* Run the chunk on top of the stack with a traceback on error. */
static int docall(lua_State *L, int nargs) {
  return slope_lua_call(L, nargs, 0);
}

static int report(lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "slope: %s\n", msg ? msg : "(error object is not a string)");
    lua_pop(L, 1);
  }
  return status;
}

/* The arg table, as lua.c builds it: script at 0, its arguments at 1.. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script) {
  lua_createtable(L, argc - script - 1, script + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int run_script(lua_State *L, const char *name, char **argv, int argc, int script) {
  int status = luaL_loadfile(L, strcmp(name, "-") == 0 ? NULL : name);
  if (status != LUA_OK) return report(L, status);
  int n = argc - script - 1;
  luaL_checkstack(L, n, "too many arguments to script");
  for (int i = script + 1; i < argc; i++) lua_pushstring(L, argv[i]);
  return report(L, docall(L, n));
}

static int run_string(lua_State *L, const char *code) {
  int status = luaL_loadbuffer(L, code, strlen(code), "=(command line)");
  if (status == LUA_OK) status = docall(L, 0);
  return report(L, status);
}

/* slope diff 'expr' var: print the simplified derivative; an error is its
** message alone, as from any command-line tool (a traceback would only
** show slope's own insides). */
static int quick_diff(lua_State *L, const char *src, const char *var) {
  lua_getglobal(L, "slope");
  lua_getfield(L, -1, "diff");
  lua_pushstring(L, src);
  lua_pushstring(L, var);
  int status = lua_pcall(L, 2, 1, 0);
  if (status == LUA_OK) {
    printf("%s\n", luaL_tolstring(L, -1, NULL));
    lua_pop(L, 3);   /* the string, the derivative, the module */
  }
  return report(L, status);
}

/* slope merge OUT: slope.sweep.merge(OUT), saying what it joined. */
static int merge(lua_State *L, const char *out) {
  static const char code[] =
    "local out = ...\n"
    "local res = slope.sweep.merge(out)\n"
    "print(tostring(res) .. ': ' .. out .. '/trials.jsonl and summary.csv written')";
  int status = luaL_loadbuffer(L, code, sizeof code - 1, "=merge");
  if (status == LUA_OK) {
    lua_pushstring(L, out);
    status = lua_pcall(L, 1, 0, 0);
  }
  return report(L, status);
}

typedef struct args { int argc; char **argv; int status; } args;

static int pmain(lua_State *L) {
  args *a = lua_touserdata(L, 1);
  int argc = a->argc;
  char **argv = a->argv;
  luaL_openlibs(L);
  luaL_requiref(L, "slope", luaopen_slope, 1);   /* also preloaded as a global */
  slope_cli_mpi_open(L);                          /* rank, size, gather under mpirun */
  lua_getfield(L, -1, "help");                    /* and help() for the REPL */
  lua_setglobal(L, "help");
  lua_pop(L, 1);
  int interactive = 0, ran = 0, script = 0;
  if (argc >= 2 && strcmp(argv[1], "merge") == 0) {
    if (argc != 3) { fputs("usage: slope merge OUT   (the out folder of a sweep)\n", stderr); a->status = 1; return 0; }
    a->status = merge(L, argv[2]) != LUA_OK;
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "diff") == 0) {
    if (argc != 4) { fputs("usage: slope diff 'expression' variable\n", stderr); a->status = 1; return 0; }
    a->status = quick_diff(L, argv[2], argv[3]) != LUA_OK;
    return 0;
  }
  for (int i = 1; i < argc && !script; i++) {
    const char *o = argv[i];
    if (strcmp(o, "-e") == 0) {
      if (++i >= argc) { fputs("slope: '-e' needs an argument\n", stderr); a->status = 1; return 0; }
      create_arg_table(L, argv, argc, 0);
      if (run_string(L, argv[i]) != LUA_OK) { a->status = 1; return 0; }
      ran = 1;
    } else if (strcmp(o, "--trial") == 0) {
      char *end = NULL;
      long n = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
      if (i + 1 >= argc || !end || *end || n < 1) {
        fputs("slope: '--trial' needs a trial number >= 1 (slope --trial 3 sweep.lua)\n", stderr);
        a->status = 1;
        return 0;
      }
      setenv("SLOPE_TRIAL", argv[++i], 1);   /* the sweep of the script reads it */
    } else if (strcmp(o, "-i") == 0) interactive = 1;
    else if (strcmp(o, "--emit-c") == 0) setenv("SLOPE_EMIT_C", "1", 1);   /* read by jit.c */
    else if (strcmp(o, "-v") == 0 || strcmp(o, "--version") == 0) {
      printf("slope %s (%s, %s)\n", slope_version(), LUA_RELEASE, slope_cli_mpi_about());
      ran = 1;
    } else if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
      fputs(usage, stdout);
      ran = 1;
    } else if (strcmp(o, "--") == 0) {
      if (i + 1 < argc) script = i + 1;
      break;
    } else if (o[0] == '-' && o[1] != '\0') {
      fprintf(stderr, "slope: unknown option '%s'\n%s", o, usage);
      a->status = 1;
      return 0;
    } else script = i;
  }
  if (script) {
    create_arg_table(L, argv, argc, script);
    if (run_script(L, argv[script], argv, argc, script) != LUA_OK) { a->status = 1; return 0; }
    ran = 1;
  }
  if (interactive || !ran) {
    if (!interactive && !isatty(STDIN_FILENO)) {
      create_arg_table(L, argv, argc, 0);
      a->status = run_script(L, "-", argv, argc, argc - 1) != LUA_OK;
    } else a->status = slope_repl(L);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (slope_cli_mpi_init(&argc, &argv)) return 1;
  lua_State *L = luaL_newstate();
  if (!L) { fputs("slope: cannot create the Lua state: out of memory\n", stderr); return 1; }
  args a = {argc, argv, 0};
  lua_pushcfunction(L, pmain);
  lua_pushlightuserdata(L, &a);
  int status = lua_pcall(L, 1, 0, 0);
  if (status != LUA_OK) { report(L, status); a.status = 1; }
  lua_close(L);
  slope_cli_mpi_end(a.status);
  return a.status;
}
