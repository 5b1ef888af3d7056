# slope -- an embeddable scripting DSL for optimization experiments.
#
#   make            libslope.a, libslope.so, slope.so (Lua module) and the slope binary
#   make test       build and run every test; ends with "N passed, N failed"
#   make bench      time slope against hand-written C (its start-up against lua5.4), print ratios
#   make test QUICK=1   only the plain test suite (no sanitizers, fuzzing, valgrind)
#   make sanitize   the test suite under AddressSanitizer + UBSan (build-asan/)
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make valgrind   examples and tests under valgrind: no errors, no definite leaks
#   make demo       run examples/flagship.lua
#   make deps       install the Debian packages the build needs (as root)
#   make install    PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined ...   build with sanitizers
#   make V=1        show the commands

PREFIX ?= /usr/local
DESTDIR ?=
B := build
VERSION := $(shell sed -n 's/^\#define SLOPE_VERSION "\(.*\)"/\1/p' src/slope.h)
# The soname is libslope.so.MAJOR (but see below for 0.x).  Adding functions, or fields at the end of
# the structs that carry their size (slope_run_opts, slope_result,
# slope_step_info), keeps MAJOR: hosts built against an older slope.h go on
# working.  Removing or changing anything (a type, a field's place, a
# function's meaning) bumps MAJOR in src/slope.h.  See slope.h's header.
# While MAJOR is 0, every minor release may break the ABI: libslope.so.0.MINOR.
VERSION_WORDS := $(subst ., ,$(VERSION))
SOVERSION := $(if $(filter 0,$(word 1,$(VERSION_WORDS))),0.$(word 2,$(VERSION_WORDS)),$(word 1,$(VERSION_WORDS)))
SONAME := libslope.so.$(SOVERSION)
SONAME_FULL := libslope.so.$(VERSION)
BINDIR = $(PREFIX)/bin
INCDIR = $(PREFIX)/include
LIBDIR = $(PREFIX)/lib
LUA_CMOD = $(PREFIX)/lib/lua/5.4
PCDIR = $(LIBDIR)/pkgconfig
MANDIR = $(PREFIX)/share/man/man1
MAN3DIR = $(PREFIX)/share/man/man3

CC ?= cc
OPT ?= -O2
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
LUA_PKG := lua5.4
LUA_CFLAGS = $(shell pkg-config --cflags $(LUA_PKG) 2>/dev/null)
LUA_LIBS = $(shell pkg-config --libs $(LUA_PKG) 2>/dev/null)
# the slope command links Lua statically when the static library is there, as
# the lua5.4 command does: one shared library fewer to map and relocate at each
# start (0.1 ms of 1.1); -rdynamic keeps Lua's API visible to C modules 'require' loads
LUA_A = $(wildcard $(shell pkg-config --variable=libdir $(LUA_PKG) 2>/dev/null)/liblua5.4.a)
LUA_BIN_LIBS = $(if $(LUA_A),-rdynamic $(LUA_A) -ldl,$(LUA_LIBS))
SLOPE_CFLAGS := $(WARN) $(OPT) -g -fPIC -D_POSIX_C_SOURCE=200809L -Isrc -I$(B)/gen
ifneq ($(SANITIZE),)
SLOPE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -DSLOPE_JIT_SANITIZE='"$(SANITIZE)"'
SLOPE_LDFLAGS += -fsanitize=$(SANITIZE)
endif
# slope_parallel (threads = k) runs threads
SLOPE_CFLAGS += -pthread
SLOPE_LDFLAGS += -pthread
ALL_CFLAGS = $(SLOPE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SLOPE_LDFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

# ---- dependencies: name what is missing, with the exact command -------------
DEB_PACKAGES := build-essential pkg-config liblua5.4-dev lua5.4 re2c lemon libedit-dev
# what 'make test' needs beyond the build: sanitizers, libFuzzer, valgrind
TEST_PACKAGES := clang libclang-rt-14-dev valgrind luarocks
# PNG, PDF and GIF pictures and the tools their tests read them with; Open MPI
TEST_PACKAGES += libcairo2-dev libgif-dev fonts-noto-cjk libxml2-utils poppler-utils chromium openmpi-bin libopenmpi-dev
define need
$(if $(shell command -v $(1) 2>/dev/null),,$(1))
endef
MISSING := $(strip $(call need,re2c) $(call need,lemon) $(call need,pkg-config) \
  $(if $(shell pkg-config --exists $(LUA_PKG) 2>/dev/null && echo y),,liblua5.4-dev))

# ---- sources ------------------------------------------------------------------
CORE_SRC := $(filter-out src/main.c src/repl.c src/lua_%.c,$(wildcard src/*.c))
LUA_SRC := $(wildcard src/lua_*.c)
GEN_C := $(B)/gen/lexer.c $(B)/gen/grammar.c
CORE_OBJ := $(CORE_SRC:src/%.c=$(B)/%.o) $(B)/gen/lexer.o $(B)/gen/grammar.o
LUA_OBJ := $(LUA_SRC:src/%.c=$(B)/%.o) $(B)/gen/lua_embedded.o
CLI_OBJ := $(B)/main.o $(B)/repl.o
.DEFAULT_GOAL := all
# ---- MPI: the slope command only (hosts of libslope never link it) ----------------
# on when pkg-config finds Open MPI (ompi-c); MPI=0 builds without it.  Without
# it the command still recognises a launch by mpirun and says what to do.  Open
# MPI lives in the plugin slope-mpi.so (src/mpi/), which the command opens only
# when a launcher started it: a plain start does not load the MPI runtime.
MPI_PKG := ompi-c
MPI_FOUND := $(if $(filter 0,$(MPI)),,$(shell pkg-config --exists $(MPI_PKG) 2>/dev/null && echo yes))
MPI_CFLAGS := $(if $(MPI_FOUND),-DSLOPE_MPI)
MPI_LIBS := $(if $(MPI_FOUND),$(shell pkg-config --libs $(MPI_PKG)))
CORE_SRC := $(filter-out src/mpi.c,$(CORE_SRC))
CORE_OBJ := $(filter-out $(B)/mpi.o,$(CORE_OBJ))
CLI_OBJ += $(B)/mpi.o
$(B)/mpi.o: ALL_CFLAGS += $(MPI_CFLAGS)
PLUGINS := $(if $(MPI_FOUND),$(B)/slope-mpi.so)
$(B)/mpi:
	$(Q)mkdir -p $@
$(B)/mpi/world.o: src/mpi/world.c src/mpi/world.h src/lua_slope.h src/slope.h | $(B)/mpi
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) $(shell pkg-config --cflags $(MPI_PKG)) -c -o $@ $<
# its Lua symbols come from the program that opens it
$(B)/slope-mpi.so: $(B)/mpi/world.o
	$(call say,LINK,$@)
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -o $@ $< $(MPI_LIBS)
ifeq ($(filter-out all,$(MAKECMDGOALS)),)
$(info MPI: $(if $(MPI_FOUND),on (Open MPI: mpirun -n 4 build/slope script.lua),off (apt-get install libopenmpi-dev for sweeps and runs over MPI ranks)))
endif
# the MPI setting is compiled into mpi.o: rebuild it when the setting changes
$(B)/mpi.o: $(B)/gen/mpi_setting
$(B)/gen/mpi_setting: FORCE | $(B)/gen
	$(Q)echo '$(MPI_CFLAGS)' | cmp -s - $@ || echo '$(MPI_CFLAGS)' > $@
# the slope program's plugins: next to it in the build folder, in ../lib/slope
# from its bin folder once installed (lua_plugin.c looks in both)
PLUGIN_DIR = $(PREFIX)/lib/slope
LUA_FILES := $(sort $(wildcard lua/*.lua))
EDIT_LIBS := -ledit
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)

.PHONY: all check-deps deps test sanitize fuzz valgrind bench demo clean install uninstall FORCE
all: check-deps $(B)/libslope.a $(B)/$(SONAME_FULL) $(B)/slope.so $(B)/slope $(B)/slope.3

check-deps:
ifneq ($(MISSING),)
	@echo "slope: missing $(MISSING); install with: apt-get install -y $(DEB_PACKAGES)  (or: make deps, as root)"; exit 1
endif

deps:
	apt-get install -y $(DEB_PACKAGES) $(TEST_PACKAGES)

# ---- generated lexer and parser (build folder only) ----------------------------
# one lemon run makes both files; lemon leaves an unchanged header alone, so touch it
$(B)/gen/grammar.c $(B)/gen/grammar.h &: grammar/expr.y | $(B)/gen
	$(call say,LEMON,$<)
	$(Q)cp grammar/expr.y $(B)/gen/grammar.y
	$(Q)lemon -q -T/usr/share/lemon/lempar.c -d$(B)/gen $(B)/gen/grammar.y
	$(Q)sed -i 's|"$(B)/gen/grammar.y"|"grammar/expr.y"|' $(B)/gen/grammar.c
	$(Q)touch $(B)/gen/grammar.c $(B)/gen/grammar.h

$(B)/gen/lexer.c: grammar/lexer.re $(B)/gen/grammar.h | $(B)/gen
	$(call say,RE2C,$<)
	$(Q)re2c -W --no-generation-date -o $@ $<

# generated code gets relaxed warnings; nothing else does
$(B)/gen/%.o: $(B)/gen/%.c
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-variable -Wno-unused-but-set-variable -Wno-sign-compare -c -o $@ $<

$(B)/%.o: src/%.c src/*.h | $(B)/gen/grammar.h
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -MMD -c -o $@ $<

# the core as its objects, for slope's own programs and tests (they reach
# internals); never installed
$(B)/libslope_core.a: $(CORE_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# the static library hosts link: the core joined into one object in which
# only the public slope_ names stay global, like libslope.so's version script,
# so the sx_/tp_ names inside cannot clash with a host's own
$(B)/slope_core.o: $(CORE_OBJ)
	$(call say,LD,$@)
	$(Q)$(LD) -r -o $@ $^ && objcopy --wildcard --keep-global-symbol='slope_*' $@

$(B)/libslope.a: $(B)/slope_core.o
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# lua/*.lua are compiled to Lua bytecode at build time by a small tool linked
# with the same Lua library as slope (so the bytecode always matches it), and
# compiled into the binding as byte arrays: nothing is parsed at start-up.
# (The bytecode must suit the library slope.so meets in a stock lua5.4 too:
# the static and shared libraries are one build of one release.)
# The tool runs on the build machine, so it gets no sanitizer flags.
$(B)/embed_lua: src/tools/embed_lua.c | $(B)/gen
	$(call say,CC,$<)
	$(Q)$(CC) $(WARN) $(OPT) $(LUA_CFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(or $(LUA_BIN_LIBS),-llua5.4) -lm

$(B)/gen/lua_embedded.c: $(LUA_FILES) $(B)/embed_lua | $(B)/gen
	$(call say,EMBED,lua/)
	$(Q)$(B)/embed_lua $@ $(LUA_FILES)

$(B)/slope: $(CLI_OBJ) $(LUA_OBJ) $(B)/libslope_core.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(LUA_OBJ) $(B)/libslope_core.a $(ALL_LDFLAGS) $(LUA_BIN_LIBS) $(EDIT_LIBS) -lm

# the shared library, with a versioned soname
# only the public slope_ names are exported (src/slope.map)
$(B)/$(SONAME_FULL): $(CORE_OBJ) src/slope.map
	$(call say,LINK,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/slope.map $(ALL_LDFLAGS) -o $@ $(CORE_OBJ) -lm
	$(Q)ln -sf $(SONAME_FULL) $(B)/$(SONAME) && ln -sf $(SONAME_FULL) $(B)/libslope.so

# the Lua module: require "slope" from a stock lua5.4 (Lua's symbols come from the host)
$(B)/slope.so: $(LUA_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -o $@ $^ -lm

# PNG, PDF and GIF plots (src/render/): cairo and giflib when the machine has
# them, linked into slope.so and into the plugin the slope program opens;
# lua_render.c reaches them through a weak symbol or the plugin, so without
# them (or in a host linking the binding alone) everything builds and such a
# file is a clear error naming the packages
RENDER_OK := $(shell pkg-config --exists cairo fontconfig 2>/dev/null && printf '\043include <gif_lib.h>\n' | $(CC) -E - >/dev/null 2>&1 && echo y)
ifeq ($(RENDER_OK),y)
RENDER_OBJ := $(B)/render/cairo.o $(B)/render/gif.o
RENDER_LIBS := $(shell pkg-config --libs cairo fontconfig) -lgif
$(B)/render:
	$(Q)mkdir -p $@
$(B)/render/%.o: src/render/%.c src/render/render.h | $(B)/render
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cairo fontconfig) -c -o $@ $<
# the slope program opens them from the plugin slope-render.so when a script
# first draws such a file (lua_plugin.c): cairo's libraries would slow every start
PLUGINS += $(B)/slope-render.so
$(B)/lua_render.o: ALL_CFLAGS += -DSLOPE_RENDER_PLUGIN
$(B)/slope-render.so: $(RENDER_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -o $@ $(RENDER_OBJ) $(RENDER_LIBS)
# slope.so's recipe puts its flags before the objects, where a linker with
# --as-needed drops libraries nothing has asked for yet: the libraries go in
# as files after the objects, through the prerequisites ($^)
RENDER_FILES := $(foreach l,cairo fontconfig gif,$(shell $(CC) -print-file-name=lib$(l).so))
$(B)/slope.so: $(RENDER_OBJ) $(filter /%,$(RENDER_FILES))
$(B)/slope.so: ALL_LDFLAGS += $(filter-out /%,$(RENDER_FILES:lib%.so=-l%))
else
$(info slope: cairo or giflib not found: plots as PNG, PDF and GIF are off (apt-get install libcairo2-dev libgif-dev, then make clean all))
endif
all: $(PLUGINS)
# whether the plugin is built is compiled into lua_render.o: rebuild it when that changes
$(B)/lua_render.o: $(B)/gen/render_setting
$(B)/gen/render_setting: FORCE | $(B)/gen
	$(Q)echo '$(RENDER_OK)' | cmp -s - $@ || echo '$(RENDER_OK)' > $@

# the README's pictures, drawn by the tutorials' examples: 'make docs' runs
# them into build/docs and copies the pictures the README shows to DOCS_IMG
# (commit docs/img/); tests/test_docs.sh checks the README shows these
DOCS_IMG ?= docs/img
DOCS_EXAMPLES := descent_1d surface_3d fit_before_after loss_by_epoch
DOCS_PICTURES := gradient_descent_1d.gif surface_path.png tangent_gradient.png gradient_field.png \
  fit_before_after.png loss_by_epoch.png train_test.png
.PHONY: docs
docs: all
	$(call say,DOCS,$(DOCS_IMG))
	$(Q)rm -rf $(B)/docs && mkdir -p $(B)/docs $(DOCS_IMG)
	$(Q)for e in $(DOCS_EXAMPLES); do $(B)/slope examples/$$e.lua $(B)/docs > /dev/null || exit 1; done
	$(Q)for f in $(DOCS_PICTURES); do cp $(B)/docs/$$f $(DOCS_IMG)/$$f || exit 1; done

# the Lua binding alone, for hosts with their own lua_State: a client of the
# public API, linked with libslope (slope-lua.pc requires slope).  Its files
# are joined into one object that exports luaopen_slope only, so the ls_
# helpers they share cannot clash with a host's names.
$(B)/lua_binding.o: $(LUA_OBJ)
	$(call say,LD,$@)
	$(Q)$(LD) -r -o $@ $^ && objcopy --keep-global-symbol=luaopen_slope $@

$(B)/libslope_lua.a: $(B)/lua_binding.o
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# slope(3), the C reference, rendered from docs/c-api.md by a POSIX awk script
$(B)/slope.3: docs/c-api.md src/tools/md2man.awk src/slope.h | $(B)/gen
	$(call say,MAN,$@)
	$(Q)awk -v version=$(VERSION) -f src/tools/md2man.awk docs/c-api.md > $@.tmp && mv $@.tmp $@

# the .pc files record PREFIX: remake them whenever it changes
$(B)/prefix.stamp: FORCE | $(B)/gen
	@echo '$(PREFIX) $(LIBDIR)' | cmp -s - $@ || echo '$(PREFIX) $(LIBDIR)' > $@
FORCE:

$(B)/slope.pc: $(B)/prefix.stamp src/slope.h
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$(LIBDIR)' '' \
	  'Name: slope' 'Description: symbolic differentiation, compiled gradients and PyTorch-exact optimizers' \
	  'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lslope' 'Libs.private: -lm' > $@

$(B)/slope-lua.pc: $(B)/prefix.stamp src/slope.h
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$(LIBDIR)' '' \
	  'Name: slope-lua' 'Description: the Lua binding of slope (luaopen_slope) for host programs' \
	  'Version: $(VERSION)' 'Requires: lua5.4 slope' 'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lslope_lua' > $@

install: all $(B)/slope.pc $(B)/slope-lua.pc $(B)/libslope_lua.a
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LUA_CMOD) $(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(MAN3DIR)
	install -m 755 $(B)/slope $(DESTDIR)$(BINDIR)/slope
	$(if $(PLUGINS),install -d $(DESTDIR)$(PLUGIN_DIR) && install -m 755 $(PLUGINS) $(DESTDIR)$(PLUGIN_DIR)/)
	install -m 644 src/slope.h $(DESTDIR)$(INCDIR)/slope.h
	install -m 644 $(B)/libslope.a $(DESTDIR)$(LIBDIR)/libslope.a
	install -m 755 $(B)/$(SONAME_FULL) $(DESTDIR)$(LIBDIR)/$(SONAME_FULL)
	ln -sf $(SONAME_FULL) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME_FULL) $(DESTDIR)$(LIBDIR)/libslope.so
	install -m 755 $(B)/slope.so $(DESTDIR)$(LUA_CMOD)/slope.so
	install -m 644 $(B)/slope.pc $(DESTDIR)$(PCDIR)/slope.pc
	install -m 644 $(B)/slope-lua.pc $(DESTDIR)$(PCDIR)/slope-lua.pc
	install -m 644 $(B)/libslope_lua.a $(DESTDIR)$(LIBDIR)/libslope_lua.a
	install -m 644 docs/slope.1 $(DESTDIR)$(MANDIR)/slope.1
	install -m 644 $(B)/slope.3 $(DESTDIR)$(MAN3DIR)/slope.3

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/slope $(DESTDIR)$(INCDIR)/slope.h $(DESTDIR)$(LIBDIR)/libslope.a \
	  $(DESTDIR)$(LIBDIR)/$(SONAME_FULL) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libslope.so \
	  $(DESTDIR)$(LUA_CMOD)/slope.so $(DESTDIR)$(PCDIR)/slope.pc $(DESTDIR)$(MANDIR)/slope.1 $(DESTDIR)$(MAN3DIR)/slope.3 \
	  $(DESTDIR)$(PCDIR)/slope-lua.pc $(DESTDIR)$(LIBDIR)/libslope_lua.a \
	  $(DESTDIR)$(PLUGIN_DIR)/slope-render.so $(DESTDIR)$(PLUGIN_DIR)/slope-mpi.so
	-rmdir $(DESTDIR)$(PLUGIN_DIR) 2>/dev/null

$(B)/gen $(B)/tests $(B)/bench:
	$(Q)mkdir -p $@

# ---- tests -------------------------------------------------------------------
$(B)/tests/%: tests/%.c tests/check.h $(B)/libslope_core.a | $(B)/tests
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(B)/libslope_core.a $(ALL_LDFLAGS) -lm $(TEST_LIBS)

# extra libraries of single test programs
$(B)/tests/test_threads: TEST_LIBS := -pthread
$(B)/tests/test_parallel: TEST_LIBS := -pthread
# test_oom and test_oom_lua make allocations fail one by one
WRAP_ALLOC := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
$(B)/tests/test_oom: TEST_LIBS := $(WRAP_ALLOC)
$(B)/tests/test_oom: tests/fail_alloc.h
$(B)/tests/test_oom_array: TEST_LIBS := $(WRAP_ALLOC)
$(B)/tests/test_oom_array: tests/fail_alloc.h
$(B)/tests/test_oom_shapes: TEST_LIBS := $(WRAP_ALLOC)
$(B)/tests/test_oom_shapes: tests/fail_alloc.h

# test_oom_lua runs the Lua binding in its own lua_State
$(B)/tests/test_oom_lua: tests/test_oom_lua.c tests/check.h tests/fail_alloc.h $(LUA_OBJ) $(B)/libslope_core.a | $(B)/tests
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -Itests -o $@ $< $(LUA_OBJ) $(B)/libslope_core.a $(ALL_LDFLAGS) $(LUA_LIBS) -lm $(WRAP_ALLOC)

# test_collect runs a Lua script too
$(B)/tests/test_collect: tests/test_collect.c tests/check.h $(LUA_OBJ) $(B)/libslope.a | $(B)/tests
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -Itests -o $@ $< $(LUA_OBJ) $(B)/libslope.a $(ALL_LDFLAGS) $(LUA_LIBS) -lm

# shell tests: test_embed.sh installs into a temporary folder and builds the
# embedding examples against what was installed
LUA_TESTS := $(sort $(wildcard tests/test_*.lua))
SH_TESTS := $(sort $(wildcard tests/test_*.sh))
# 'make test' also runs the suite under sanitizers, a short fuzz run of every
# target and valgrind, all adding up into the one closing line
FUZZ_SECONDS ?= 60
export FUZZ_SECONDS
# the fuzz run inside 'make test' is repeatable (a fixed seed, the seed
# corpus only); 'make fuzz' explores with a new seed each time
FUZZ_TEST_SEED ?= 1
ifeq ($(QUICK),1)
HEAVY_TESTS :=
else
HEAVY_TESTS := sh:tests/sanitize.sh sh:tests/fuzz/run.sh sh:tests/valgrind.sh
endif
test: all $(TEST_BIN)
	$(Q)FUZZ_SEED=$(FUZZ_TEST_SEED) sh tests/run.sh $(TEST_BIN) $(LUA_TESTS:%=lua:%) $(SH_TESTS:%=sh:%) $(HEAVY_TESTS)

sanitize:
	$(Q)sh tests/sanitize.sh

fuzz: all
	$(Q)sh tests/fuzz/run.sh

valgrind: all $(TEST_BIN)
	$(Q)sh tests/valgrind.sh

# ---- benchmarks ----------------------------------------------------------------
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
$(B)/bench/%: tests/bench/%.c tests/bench/*.h $(B)/libslope_core.a | $(B)/bench
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/bench -o $@ $< $(B)/libslope_core.a $(ALL_LDFLAGS) -lm

# bench_lua embeds the Lua binding as a host program would, with the Lua the
# slope command links (the static library where there is one): what scripts meet
$(B)/bench/bench_lua: tests/bench/bench_lua.c tests/bench/*.h $(LUA_OBJ) $(B)/libslope_core.a | $(B)/bench
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -Itests/bench -o $@ $< $(LUA_OBJ) $(B)/libslope_core.a $(ALL_LDFLAGS) $(LUA_BIN_LIBS) $(EDIT_LIBS) -lm

# the C benches append their figures here for bench_python.py (PyTorch and numpy
# on the same work, plainly and with jemalloc; never a failure when missing)
bench: export SLOPE_BENCH_FIGURES := $(abspath $(B))/bench/figures.txt
bench: all $(BENCH_BIN)
	$(Q)rm -f $(SLOPE_BENCH_FIGURES)
	$(Q)for b in $(BENCH_BIN); do SLOPE=$(B)/slope $$b || exit 1; done
	$(Q)if [ -x /usr/bin/python3 ]; then /usr/bin/python3 tests/bench/bench_python.py $(SLOPE_BENCH_FIGURES) \
	  || echo "python: tests/bench/bench_python.py failed (not counted)"; \
	else echo "python: /usr/bin/python3 is missing, PyTorch and numpy not measured (apt-get install python3-torch python3-numpy libjemalloc2)"; fi

demo: all
	$(Q)$(B)/slope examples/flagship.lua $(B)

clean:
	rm -rf $(B)

-include $(wildcard $(B)/*.d)
