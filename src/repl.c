/*
** repl.c -- the interactive loop of the slope command, after lua.c: each
** line is tried as 'return LINE' first so expressions print their value;
** input the parser calls incomplete (it ends in <eof>) asks for more lines;
** Ctrl-C interrupts the running code, not the REPL; at the prompt it drops
** the statement being typed, as in Python and bash.
**
** Line editing and history come from libedit (BSD licence), chosen over GNU
** readline (GPL) so the slope binary stays under a permissive licence.
*/
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <editline/readline.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "repl.h"
#include "lua_slope.h"

#define PROMPT "slope> "
#define PROMPT2 "    >> "

/*
** The one piece of process state: the Lua state to interrupt on SIGINT.
** A signal handler can reach nothing else (lua.c does the same).
*/
static lua_State *interrupted_state;
static volatile int *interrupt_flag;   /* stops a run looping in C */

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted");
}

static void on_sigint(int sig) {
  signal(sig, SIG_DFL);   /* a second Ctrl-C kills the process */
  if (interrupt_flag) *interrupt_flag = 1;
  lua_sethook(interrupted_state, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int slope_lua_call(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  interrupted_state = L;
  interrupt_flag = ls_interrupt_flag(L);
  struct sigaction running = {.sa_handler = on_sigint}, waiting;
  sigemptyset(&running.sa_mask);
  sigaction(SIGINT, &running, &waiting);
  int status = lua_pcall(L, nargs, nresults, base);
  sigaction(SIGINT, &waiting, NULL);
  lua_remove(L, base);
  return status;
}

/*
** ---- signals at the prompt ----
** libedit's own handlers would re-send Ctrl-C to the whole process group
** and end the REPL, so the REPL takes SIGINT and SIGWINCH itself and reads
** the keys for libedit: a read cut short by Ctrl-C ends the line, which is
** then dropped; after a resize, the next key tells libedit the new width.
*/
static volatile sig_atomic_t prompt_interrupted, terminal_resized;

static void on_prompt_signal(int sig) {
  if (sig == SIGINT) prompt_interrupted = 1;
  else terminal_resized = 1;
}

/* libedit's rl_getc_function: one character, decoded as the locale says. */
static int read_key(FILE *in) {
  mbstate_t state;
  memset(&state, 0, sizeof state);
  for (;;) {
    if (prompt_interrupted) return '\n';
    char byte;
    ssize_t n = read(fileno(in), &byte, 1);
    if (terminal_resized) { terminal_resized = 0; rl_resize_terminal(); }   /* before the key acts */
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return EOF;
    wchar_t wc;
    size_t used = mbrtowc(&wc, &byte, 1, &state);
    if (used == (size_t)-2) continue;   /* more bytes of the character to come */
    if (used == (size_t)-1) return (unsigned char)byte;   /* not in the locale's code: as is */
    return (int)wc;
  }
}

/* Take the signals and the keys from libedit; restore_signals puts back what was. */
static void catch_prompt_signals(struct sigaction *saved_int, struct sigaction *saved_winch) {
  struct sigaction sa = {.sa_handler = on_prompt_signal};   /* no SA_RESTART: read returns */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, saved_int);
  /* a resize comes at any time, also while Lua code reads or writes: it
  ** must not cut a system call short, and waits for the next key */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGWINCH, &sa, saved_winch);
  rl_catch_signals = 0;
  rl_getc_function = read_key;
}

static void restore_signals(const struct sigaction *saved_int, const struct sigaction *saved_winch) {
  sigaction(SIGINT, saved_int, NULL);
  sigaction(SIGWINCH, saved_winch, NULL);
}

/* ---- tab completion: names in tables reachable from the globals ---- */

static lua_State *completion_state;   /* readline's callbacks carry no user pointer */

/* Push the table that 'path' (like "slope.optim") names, or nil. */
static void push_path(lua_State *L, const char *path, size_t len) {
  lua_pushglobaltable(L);
  const char *p = path, *end = path + len;
  while (p < end && lua_istable(L, -1)) {
    const char *dot = memchr(p, '.', (size_t)(end - p));
    size_t n = dot ? (size_t)(dot - p) : (size_t)(end - p);
    lua_pushlstring(L, p, n);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    p += n + 1;
  }
  if (!lua_istable(L, -1)) { lua_pop(L, 1); lua_pushnil(L); }
}

/* readline calls this with state 0, 1, 2, ... until it returns NULL. */
static char *complete_name(const char *text, int state) {
  lua_State *L = completion_state;
  static int iter_ref = LUA_NOREF;   /* the sorted candidate list of this completion */
  static int next;
  if (state == 0) {
    const char *dot = strrchr(text, '.');
    size_t plen = dot ? (size_t)(dot - text) : 0;
    const char *word = dot ? dot + 1 : text;
    luaL_unref(L, LUA_REGISTRYINDEX, iter_ref);
    lua_newtable(L);
    int list = lua_gettop(L), n = 0;
    push_path(L, text, plen);
    /* a table that fills itself on first use (slope.plot) does so when listed */
    if (lua_istable(L, -1) && luaL_getmetafield(L, -1, "__pairs") != LUA_TNIL) {
      lua_pushvalue(L, -2);
      if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    if (lua_istable(L, -1)) {
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), word, strlen(word)) == 0) {
          lua_pushlstring(L, text, dot ? plen + 1 : 0);   /* "slope." */
          lua_pushvalue(L, -2);
          lua_concat(L, 2);
          lua_rawseti(L, list, ++n);
        }
      }
    }
    lua_pop(L, 1);
    iter_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    next = 1;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, iter_ref);
  lua_rawgeti(L, -1, next++);
  char *r = lua_isstring(L, -1) ? strdup(lua_tostring(L, -1)) : NULL;
  lua_pop(L, 2);
  return r;
}

static char **complete(const char *text, int start, int end) {
  (void)start; (void)end;
  rl_attempted_completion_over = 1;   /* never fall back to file names */
  rl_completion_append_character = '\0';   /* "slope.optim" goes on with ".adam" */
  return rl_completion_matches(text, complete_name);
}

/* ---- reading input ---- */

/* One line of input, NULL at the end; a line cut short by Ctrl-C is
** returned with 'prompt_interrupted' set. */
static char *read_line(int first) {
  if (isatty(STDIN_FILENO)) {
    if (first) prompt_interrupted = 0;   /* a Ctrl-C that came as a run ended is spent */
    return readline(first ? PROMPT : PROMPT2);
  }
  /* piped input behaves like a terminal session, without the prompts */
  size_t cap = 0;
  char *line = NULL;
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) { free(line); return NULL; }
  if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
  return line;
}

/* Compile 'return LINE' so bare expressions print; fails quietly if not one. */
static int load_as_expression(lua_State *L, const char *line) {
  const char *code = lua_pushfstring(L, "return %s", line);
  int status = luaL_loadbuffer(L, code, strlen(code), "=stdin");
  lua_remove(L, -2);
  if (status != LUA_OK) lua_pop(L, 1);
  return status;
}

/* The parser stopped at the end of the text: the statement goes on. */
static int incomplete(lua_State *L, int status) {
  if (status != LUA_ERRSYNTAX) return 0;
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  return len >= 5 && strcmp(msg + len - 5, "<eof>") == 0;
}

#define DROPPED (-2)   /* load_statement: Ctrl-C at the prompt, nothing to run */

/* Read one statement (several lines when incomplete) and compile it. */
static int load_statement(lua_State *L, int *eof) {
  char *line = read_line(1);
  if (prompt_interrupted) { free(line); return DROPPED; }
  if (!line) { *eof = 1; return -1; }
  const char *text = line[0] == '=' ? line + 1 : line;   /* '= expr' as in Lua 5.1 */
  if (*line) add_history(line);
  lua_pushstring(L, text);
  free(line);
  if (load_as_expression(L, lua_tostring(L, -1)) == LUA_OK) {
    lua_remove(L, -2);
    return LUA_OK;
  }
  for (;;) {
    size_t len;
    const char *buf = lua_tolstring(L, -1, &len);
    int status = luaL_loadbuffer(L, buf, len, "=stdin");
    if (!incomplete(L, status)) {
      lua_remove(L, -2);
      return status;
    }
    lua_pop(L, 1);
    char *more = read_line(0);
    if (prompt_interrupted) { free(more); return DROPPED; }
    if (!more) return status;   /* the chunk text is still on the stack: report as is */
    if (*more) add_history(more);
    lua_pushstring(L, "\n");
    lua_pushstring(L, more);
    free(more);
    lua_concat(L, 3);
  }
}

/* The text of stack value 'i' through slope.show (tables and Exprs readable),
** pushed on the stack. */
static const char *show(lua_State *L, int i) {
  int top = lua_gettop(L);
  if (lua_getglobal(L, "slope") == LUA_TTABLE && lua_getfield(L, -1, "show") == LUA_TFUNCTION) {
    lua_pushvalue(L, i);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_isstring(L, -1)) {
      lua_remove(L, -2);
      return lua_tostring(L, -1);
    }
  }
  lua_settop(L, top);
  return luaL_tolstring(L, i, NULL);
}

/* The record of the last plot (lua/plot.lua sets private.plotted), pushed;
** 'clear' forgets it first, before a line runs. */
static void plotted(lua_State *L, int clear) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, "slope.private") != LUA_TTABLE) return;
  if (clear) {
    lua_pushnil(L);
    lua_setfield(L, -2, "plotted");
  }
  lua_getfield(L, -1, "plotted");
  lua_remove(L, -2);
}

/*
** A plot returns its SVG or terminal text, which scripts use; at the
** prompt that text would echo a whole SVG file, or draw a terminal plot a
** second time.  The text of the plot this line made shows as a summary
** ("<plot: loss.svg>"); a terminal plot, already drawn, shows nothing.
** Pushes the summary, or nothing and returns 0 when 'i' is not that text.
*/
static int plot_summary(lua_State *L, int i) {
  if (lua_type(L, i) != LUA_TSTRING) return 0;
  int top = lua_gettop(L);
  plotted(L, 0);
  if (!lua_istable(L, -1) || (lua_getfield(L, -1, "text"), !lua_rawequal(L, -1, i))) {
    lua_settop(L, top);
    return 0;
  }
  int term = lua_getfield(L, top + 1, "term") != LUA_TNIL && lua_toboolean(L, -1);
  if (term) lua_pushliteral(L, "");
  else if (lua_getfield(L, top + 1, "file") == LUA_TSTRING) lua_pushfstring(L, "<plot: %s>", lua_tostring(L, -1));
  else lua_pushfstring(L, "<plot: %d bytes of SVG; file = \"name.svg\" writes it>", (int)lua_rawlen(L, i));
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
  return 1;
}

/* Print the results on the stack: on one line separated by tabs, as lua
** does, unless one of them takes several lines. */
static void print_results(lua_State *L, int n) {
  int first = lua_gettop(L) - n + 1, multiline = 0;
  for (int i = first; i < first + n; i++) {
    if (!plot_summary(L, i)) show(L, i);
    multiline |= strchr(lua_tostring(L, -1), '\n') != NULL;
  }
  for (int i = 0; i < n; i++) {
    const char *text = lua_tostring(L, first + n + i);
    if (!*text && n == 1) break;   /* a terminal plot alone: already drawn */
    fputs(text, stdout);
    fputs(i == n - 1 ? "\n" : multiline ? "\n" : "\t", stdout);
  }
  lua_pop(L, 2 * n);
}

static const char *history_file(char *buf, size_t n) {
  const char *home = getenv("HOME");
  if (!home) return NULL;
  snprintf(buf, n, "%s/.slope_history", home);
  return buf;
}

int slope_repl(lua_State *L) {
  char hist[4096];
  int tty = isatty(STDIN_FILENO), eof = 0;
  struct sigaction saved_int, saved_winch;
  if (tty) {
    setlocale(LC_CTYPE, "");   /* keys typed in UTF-8 are characters, not dropped bytes */
    catch_prompt_signals(&saved_int, &saved_winch);
  }
  const char *hf = tty ? history_file(hist, sizeof hist) : NULL;
  if (hf) read_history(hf);
  if (tty) {
    completion_state = L;
    rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,+-*/^%~#[]";
    rl_attempted_completion_function = complete;
  }
  if (tty) printf("slope %s -- help() for a tour, Ctrl-D to leave\n", LUA_RELEASE);
  while (!eof) {
    int top = lua_gettop(L);
    int status = load_statement(L, &eof);
    if (eof) break;
    if (status == DROPPED) { lua_settop(L, top); continue; }
    if (status == LUA_OK) {
      plotted(L, 1);
      lua_pop(L, 1);
      status = slope_lua_call(L, 0, LUA_MULTRET);
    }
    if (status == LUA_OK) print_results(L, lua_gettop(L) - top);
    else {
      fprintf(stderr, "%s\n", lua_tostring(L, -1));
      fflush(stderr);
    }
    lua_settop(L, top);
  }
  if (tty) putchar('\n');
  if (hf) write_history(hf);
  if (tty) restore_signals(&saved_int, &saved_winch);
  return 0;
}
