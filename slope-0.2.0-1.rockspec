-- slope-0.2.0-1.rockspec -- the Lua module of slope as a rock.
--
--   luarocks --lua-version 5.4 make --local slope-0.2.0-1.rockspec
--
-- The module needs the lexer and parser that re2c and lemon generate, so
-- the build runs the project's Makefile for build/slope.so alone (no binary,
-- no libedit) and installs that one file as the module "slope".  Build
-- tools: a C compiler, make, re2c and lemon (apt-get install -y re2c lemon).
rockspec_format = "3.0"
package = "slope"
version = "0.2.0-1"
source = {
  url = "git+file://.",   -- replace with the published repository and tag
  tag = "v0.2.0",
}
description = {
  summary = "Symbolic differentiation, compiled gradients and PyTorch-exact optimizers",
  detailed = [[
slope is an embeddable scripting DSL for optimization experiments: declare a
function in a compact expression language, differentiate it exactly, compile
value and gradient to a native tape, and run gradient descent or ascent in C
with PyTorch's optimizers, learning-rate schedules, annealing noise and
clipping.  require "slope" gives the same module as the slope command.]],
  labels = { "math", "optimization", "autodiff" },
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
build = {
  type = "make",
  build_target = "build/slope.so",
  build_variables = {
    CC = "$(CC)",
    -- the Makefile appends user CFLAGS after its own; Lua's headers come
    -- from LuaRocks rather than pkg-config
    CFLAGS = "$(CFLAGS) -I$(LUA_INCDIR)",
  },
  install_pass = false,
  install = {
    lib = { slope = "build/slope.so" },
  },
  copy_directories = { "docs" },
}
