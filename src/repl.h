/*
** repl.h -- running Lua code for the slope command: protected calls with a
** traceback and Ctrl-C handling, and the interactive loop.
*/
#ifndef SLOPE_REPL_H
#define SLOPE_REPL_H

#include <lua.h>

/* lua_pcall with a traceback message handler; Ctrl-C during the call raises
** "interrupted" in Lua code. */
int slope_lua_call(lua_State *L, int nargs, int nresults);
/* The read-eval-print loop on standard input; returns the exit status. */
int slope_repl(lua_State *L);

#endif
