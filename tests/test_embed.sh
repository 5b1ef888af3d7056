#!/bin/sh
# test_embed.sh -- slope as an installed package, the way users get it.
#
# Installs into a temporary DESTDIR with PREFIX=/usr, then builds and runs the
# four embedding examples against the installed header, libraries and
# slope.pc only (never against src/ or build/), loads the installed Lua module
# into a stock lua5.4, renders the man page, builds the rock when luarocks is
# there, builds and runs the host programs of tests/hosts/ (natively, under
# valgrind, the threads under ThreadSanitizer), and uninstalls.  Prints one line per check and ends with
# "N passed, N failed".
#
# The expected numbers are independent of slope:
#   minimize  PyTorch 1.13: Adam(lr=0.05) + CosineAnnealingLR(T_max=2000),
#             2000 steps on (1-x)^2 + 100(y-x^2)^2 from (-1, 1), float64:
#             x = 0.9999984882915411, y = 0.9999969714535818, f = 2.2878959871e-12
#   host_lua  y = 2x + 1 exactly, so least squares gives w = 2, b = 1
#   callback  the regularised logistic loss solved by Newton's method (PyTorch
#             autograd Hessian): w1 = 0.380695, w2 = 0.942883, b = -0.282959,
#             f = 0.5427719707; f(0) = log 2; lr at step 3000 = 0.1*0.998^2999
#   wrap      y = 0.5x - 2 exactly on 1000 points, so least squares gives w = 0.5,
#             b = -2, both through the borrowed arrays and the callback over
#             rows; 20 epochs of 1000/50 batches = 400 steps
set -u
cd "$(dirname "$0")/.." || exit 1

. tests/check.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slope-embed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
root=$tmp/root
lib=$root/usr/lib

# A make started from 'make test' inherits MAKEFLAGS (keep its variables, such
# as WERROR=1, so the install builds what the tests built) but not the
# jobserver's pipes.
MAKEFLAGS=$(printf '%s' "${MAKEFLAGS:-}" | sed 's/--jobserver-[a-z]*=[^ ]*//g')
export MAKEFLAGS
MAKE=${MAKE:-make}
CC=${CC:-cc}
CWARN="-std=c11 -Wall -Wextra -Wpedantic"
san=${SANITIZE:-}
if [ -n "$san" ]; then CWARN="$CWARN -fsanitize=$san"; fi

# ---- install ---------------------------------------------------------------------
if out=$($MAKE -s --no-print-directory install DESTDIR="$root" PREFIX=/usr 2>&1); then
  ok "make install DESTDIR=... PREFIX=/usr"
else
  bad "make install DESTDIR=... PREFIX=/usr" "$out"
  echo "$pass passed, $fail failed"
  exit 1
fi
files="usr/bin/slope usr/include/slope.h usr/lib/libslope.a usr/lib/libslope.so.0.2.0
  usr/lib/libslope.so.0.2 usr/lib/libslope.so usr/lib/lua/5.4/slope.so
  usr/lib/pkgconfig/slope.pc usr/share/man/man1/slope.1 usr/share/man/man3/slope.3
  usr/lib/libslope_lua.a usr/lib/pkgconfig/slope-lua.pc"
missing=
for f in $files; do [ -e "$root/$f" ] || missing="$missing $f"; done
if [ -z "$missing" ]; then ok "installed every file"; else bad "installed every file: missing$missing"; fi
# the program's plugins go to lib/slope, found from its bin folder wherever the tree is
for p in slope-render.so slope-mpi.so; do
  if [ -f build/$p ] && [ ! -f "$root/usr/lib/slope/$p" ]; then bad "installed the plugin usr/lib/slope/$p"; fi
done
if [ -f build/slope-render.so ]; then
  out=$("$root/usr/bin/slope" -e "slope.plot.fn1d{ f = 'x^2', range = {-1, 1}, file = '$root/p.png' }" 2>&1)
  if [ "$(png_size "$root/p.png")" = 720x480 ]; then
    ok "the installed slope (moved under DESTDIR) draws a 720x480 PNG with its installed plugin"
  else bad "the installed slope draws a PNG" "$out"; fi
  rm -f "$root/p.png"
fi
if [ "$(readlink "$lib/libslope.so")" = libslope.so.0.2.0 ] && [ "$(readlink "$lib/libslope.so.0.2")" = libslope.so.0.2.0 ]
then ok "libslope.so and libslope.so.0.2 link to libslope.so.0.2.0"
else bad "libslope.so symlinks" "$(ls -l "$lib")"; fi
check "the installed slope runs (-v)" "$root/usr/bin/slope" -v
if grep -qx 'prefix=/usr' "$lib/pkgconfig/slope.pc" && grep -qx 'libdir=/usr/lib' "$lib/pkgconfig/slope.pc"
then ok "slope.pc has prefix=/usr and libdir=/usr/lib"
else bad "slope.pc records another prefix" "$(cat "$lib/pkgconfig/slope.pc")"; fi

# ---- pkg-config --------------------------------------------------------------------
pc() { PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root pkg-config "$@"; }
header_version=$(sed -n 's/^#define SLOPE_VERSION "\(.*\)"/\1/p' src/slope.h)
if [ "$(pc --modversion slope 2>&1)" = "$header_version" ]; then ok "pkg-config --modversion slope = $header_version"
else bad "pkg-config --modversion slope" "$(pc --modversion slope 2>&1)"; fi
slope_flags=$(pc --cflags --libs slope)
lua_flags=$(pkg-config --cflags --libs lua5.4)

# compile NAME DESCRIPTION ARGS...: build examples/embed/NAME.c into $tmp/NAME,
# warning-free
compile() {
  n=$1 d=$2; shift 2
  # shellcheck disable=SC2086
  if out=$($CC $CWARN -o "$tmp/$n" "examples/embed/$n.c" "$@" 2>&1) && [ -z "$out" ]; then ok "$d"
  else bad "$d" "$out"; fi
}

# ---- examples/embed/minimize.c -----------------------------------------------------
# shellcheck disable=SC2086
compile minimize "minimize.c builds with pkg-config --cflags --libs slope" $slope_flags
if command -v readelf >/dev/null 2>&1; then
  if readelf -d "$tmp/minimize" 2>/dev/null | grep -q 'NEEDED.*\[libslope\.so\.0\.2\]'
  then ok "minimize needs libslope.so.0.2 (the soname)"
  else bad "minimize needs libslope.so.0.2" "$(readelf -d "$tmp/minimize" 2>&1 | grep NEEDED)"; fi
fi
out=$(LD_LIBRARY_PATH=$lib "$tmp/minimize" 2>&1)
has "$out" "x = 0.999998" "minimize: x as PyTorch's Adam + cosine (0.99999849)"
has "$out" "y = 0.999997" "minimize: y as PyTorch's Adam + cosine (0.99999697)"
has "$out" "f = 2.287896e-12" "minimize: f as PyTorch (2.2878960e-12)"
has "$out" "status = max_steps" "minimize: status max_steps"
has "$out" "steps = 2000" "minimize: 2000 steps"
near "$(field "$out" x)" 1 5e-4 "minimize: x at the Rosenbrock minimum 1"
near "$(field "$out" y)" 1 5e-4 "minimize: y at the Rosenbrock minimum 1"
# the static library links on its own (with libm)
if out2=$($CC $CWARN -o "$tmp/minimize_static" examples/embed/minimize.c \
    $(pc --cflags slope) "$lib/libslope.a" -lm 2>&1) && [ "$("$tmp/minimize_static" 2>&1)" = "$out" ]
then ok "minimize.c linked with libslope.a gives the same output"
else bad "minimize.c linked with libslope.a" "$out2"; fi
# the static library keeps its insides to itself, as libslope.so does: every
# global name it defines is a public slope_ name of slope.h
if command -v nm >/dev/null 2>&1; then
  inner=$(nm -g --defined-only "$lib/libslope.a" 2>&1 | awk 'NF == 3 && $3 !~ /^slope_/ { print $3 }')
  public=$(nm -g --defined-only "$lib/libslope.a" 2>&1 | awk 'NF == 3 { print $3 }' | sort)
  undeclared=$(for s in $public; do grep -q "[ *]$s(" "$root/usr/include/slope.h" || echo "$s"; done)
  if [ -z "$inner" ] && [ -n "$public" ]; then ok "libslope.a defines only slope_ names ($(echo "$public" | wc -l) of them)"
  else bad "libslope.a defines internal names" "$inner"; fi
  if [ -z "$undeclared" ]; then ok "every name libslope.a defines is declared in slope.h"
  else bad "libslope.a defines names slope.h does not declare" "$undeclared"; fi
fi

# ---- examples/embed/host_lua.c -----------------------------------------------------
# luaopen_slope is in libslope_lua (slope-lua.pc), the binding for host programs:
# a client of the public API alone, so it holds no core and exports nothing else
if command -v nm >/dev/null 2>&1; then
  defined=$(nm -g --defined-only "$lib/libslope_lua.a" 2>&1 | awk 'NF == 3 { print $3 }')
  if [ "$defined" = luaopen_slope ]; then ok "libslope_lua.a defines luaopen_slope and nothing else"
  else bad "libslope_lua.a defines more than luaopen_slope" "$defined"; fi
fi
# shellcheck disable=SC2086
compile host_lua "host_lua.c builds with pkg-config slope-lua" $(pc --cflags --libs slope-lua) $lua_flags
if command -v readelf >/dev/null 2>&1; then
  if readelf -d "$tmp/host_lua" 2>/dev/null | grep -q 'NEEDED.*\[libslope\.so\.0\.2\]'
  then ok "host_lua takes the core from libslope.so.0.2"
  else bad "host_lua needs libslope.so.0.2" "$(readelf -d "$tmp/host_lua" 2>&1 | grep NEEDED)"; fi
fi
out=$(LD_LIBRARY_PATH=$lib:$lib/lua/5.4 "$tmp/host_lua" 2>&1)
has "$out" "w = 2.000000" "host_lua: w = 2 read back from r.x.w"
has "$out" "b = 1.000000" "host_lua: b = 1 read back from r.x.b"
has "$out" "status = max_steps" "host_lua: r.status read back"
near "$(field "$out" f)" 0 1e-10 "host_lua: f at the exact fit"

# ---- examples/embed/callback.c -----------------------------------------------------
# shellcheck disable=SC2086
compile callback "callback.c builds with pkg-config --cflags --libs slope" $slope_flags -lm
out=$(LD_LIBRARY_PATH=$lib "$tmp/callback" 2>&1)
near "$(field "$out" w1)" 0.380695 2e-3 "callback: w1 near Newton's optimum 0.380695"
near "$(field "$out" w2)" 0.942883 2e-3 "callback: w2 near Newton's optimum 0.942883"
near "$(field "$out" b)" -0.282959 2e-3 "callback: b near Newton's optimum -0.282959"
has "$out" "f = 0.542772" "callback: f at the optimum (0.5427719707)"
has "$out" "status = max_steps" "callback: status max_steps"
if printf '%s\n' "$out" | grep -q '^gradcheck: ok (max error [0-9.e-]* at '; then
  ok "callback: its hand-written gradient passes slope_gradcheck"
else bad "callback: no line 'gradcheck: ok ...'" "$out"; fi
if [ -n "$(field "$out" nfev)" ] && [ "$(field "$out" nfev)" = "$(field "$out" callbacks)" ]; then
  ok "callback: r.nfev = the host's count of calls ($(field "$out" nfev))"
else bad "callback: nfev '$(field "$out" nfev)' is not the host's count '$(field "$out" callbacks)'" "$out"; fi
row0=$(printf '%s\n' "$out" | awk '$1 == "0" { print $2, $3; exit }')
if [ "$row0" = "0.693147 1.000e-01" ]; then ok "callback: trace row 0 has f = log 2 and lr = 0.1"
else bad "callback: trace row 0: got '$row0'" "$out"; fi
lr_last=$(printf '%s\n' "$out" | awk '$1 == "3000" { print $3; exit }')
lr_want=$(awk 'BEGIN { printf "%.3e", 0.1 * 0.998 ^ 2999 }')
if [ -n "$lr_last" ] && [ "$lr_last" = "$lr_want" ]; then ok "callback: trace row 3000 has lr = 0.1*0.998^2999 = $lr_want"
else bad "callback: trace row 3000 lr: got '$lr_last', expected $lr_want" "$out"; fi
nrows=$(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ && NF == 7' | wc -l)
if [ "$nrows" -eq 7 ]; then ok "callback: 7 trace rows (every 500 steps, and row 0)"
else bad "callback: $nrows trace rows, expected 7" "$out"; fi
if [ "$(LD_LIBRARY_PATH=$lib "$tmp/callback" 2>&1)" = "$out" ]; then ok "callback: a second run with the same seed is identical"
else bad "callback: a second run differs"; fi

# ---- examples/embed/wrap.c ---------------------------------------------------------
# shellcheck disable=SC2086
compile wrap "wrap.c builds with pkg-config --cflags --libs slope" $slope_flags
out=$(LD_LIBRARY_PATH=$lib "$tmp/wrap" 2>&1)
for how in data callback; do
  has "$out" "$how: w = 0.500000" "wrap ($how): w = 0.5, the exact fit"
  has "$out" "$how: b = -2.000000" "wrap ($how): b = -2, the exact fit"
  has "$out" "$how: steps = 400" "wrap ($how): 20 epochs of 20 batches"
  has "$out" "$how: epochs = 20" "wrap ($how): 20 epochs"
done

# ---- the Lua module in a stock lua5.4 ------------------------------------------------
if [ -n "$san" ]; then
  note "lua5.4 loading the installed module: a stock lua5.4 cannot load a SANITIZE=$san build"
elif command -v lua5.4 >/dev/null 2>&1; then
  out=$(lua5.4 -e 'package.cpath = "'"$lib"'/lua/5.4/?.so;" .. package.cpath
    local slope = require "slope"
    print("from " .. package.searchpath("slope", package.cpath))
    print("d = " .. tostring(slope.expr "x^2 - 4*x + 1":diff "x"))
    local r = slope.minimize("(x - 3)^2", { x = 0 }, { lr = 0.1, steps = 100 })
    print(("x = %.6f"):format(r.x.x))
    print("status = " .. r.status)' 2>&1)
  has "$out" "from $lib/lua/5.4/slope.so" "lua5.4: require \"slope\" loads the installed module"
  has "$out" "d = 2*x - 4" "lua5.4: d/dx (x^2 - 4*x + 1) = 2*x - 4"
  has "$out" "x = 3.000000" "lua5.4: minimize (x - 3)^2 reaches 3 (3 - 3*0.8^100)"
  has "$out" "status = max_steps" "lua5.4: minimize status"
else
  note "lua5.4 is not installed: the module was not loaded"
fi

# ---- the man page ------------------------------------------------------------------
page=$root/usr/share/man/man1/slope.1
if command -v man >/dev/null 2>&1; then
  text=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$page" 2>"$tmp/man.err")
  if [ ! -s "$tmp/man.err" ] && printf '%s\n' "$text" | grep -q "slope diff expression variable"
  then ok "man -l renders slope.1 without warnings"
  else bad "man -l slope.1" "$(cat "$tmp/man.err")"; fi
elif command -v groff >/dev/null 2>&1; then
  if out=$(groff -man -Tutf8 -ww -z "$page" 2>&1) && [ -z "$out" ]; then ok "groff renders slope.1 without warnings"
  else bad "groff slope.1" "$out"; fi
else
  note "neither man nor groff is installed: slope.1 was not rendered"
fi

# ---- luarocks ------------------------------------------------------------------------
if [ -n "$san" ]; then
  note "luarocks: not with SANITIZE=$san"
elif command -v luarocks >/dev/null 2>&1; then
  # a clean copy of the sources, so the rock builds everything from scratch
  mkdir -p "$tmp/rock"
  cp -R Makefile src grammar lua docs slope-0.2.0-1.rockspec "$tmp/rock/"
  if out=$(cd "$tmp/rock" && env -u MAKEFLAGS luarocks --lua-version 5.4 --tree "$tmp/rocks" \
      make slope-0.2.0-1.rockspec 2>&1); then
    ok "luarocks --lua-version 5.4 make slope-0.2.0-1.rockspec"
    out=$(lua5.4 -e 'package.cpath = "'"$tmp"'/rocks/lib/lua/5.4/?.so;" .. package.cpath
      local d = require "slope".expr "sin(x)^2":diff "x"
      print(("%.12f"):format(d:eval{ x = 0.7 } - math.sin(1.4)))' 2>&1)
    near "$out" 0 1e-12 "the rock's module loads: d/dx sin(x)^2 at 0.7 = sin(1.4)"
  else
    bad "luarocks make slope-0.2.0-1.rockspec" "$out"
  fi
else
  note "luarocks is not installed (apt-get install -y luarocks): the rockspec was not built"
fi

# ---- the host programs (tests/hosts/) --------------------------------------------
# Seven small hosts, each built against the installed package only (pkg-config
# slope or slope-lua; tests/hosts/hcheck.h is the one local header: it
# prints the checks), run, and run again under valgrind; threads.c also under
# ThreadSanitizer.  Each prints "ok - ..." or "not ok - ..." per check, and
# those add into this script's count.  hypers.c prints the tables of
# docs/c-api.md from the registry, which must match the committed ones.
# host_build NAME FLAGS...: tests/hosts/NAME.c into $tmp/h_NAME, warning-free
host_build() {
  n=$1; shift
  # shellcheck disable=SC2086
  if out=$($CC $CWARN -Itests/hosts -o "$tmp/h_$n" "tests/hosts/$n.c" "$@" 2>&1) && [ -z "$out" ]
  then ok "hosts/$n.c builds with pkg-config only"; return 0
  else bad "hosts/$n.c builds with pkg-config only" "$out"; return 1; fi
}
# host_run NAME ARGS...: every "ok - " line passes, every "not ok - " fails
host_run() {
  n=$1; shift
  out=$(LD_LIBRARY_PATH=$lib "$tmp/h_$n" "$@" 2>&1)
  rc=$?
  p=$(printf '%s\n' "$out" | grep -c '^ok - ')
  f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
  pass=$((pass + p)) fail=$((fail + f))
  echo "---- hosts/$n: $p checks passed, $f failed"
  printf '%s\n' "$out" | grep -v -e '^ok - ' -e '^$' | sed 's/^/FAIL hosts\/'"$n"': /'
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then bad "hosts/$n exited with status $rc"; fi
}
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
# host_valgrind NAME ARGS...: clean under memcheck, no definite leaks
host_valgrind() {
  n=$1; shift
  # shellcheck disable=SC2086
  if out=$(LD_LIBRARY_PATH=$lib $VG "$tmp/h_$n" "$@" 2>&1) && ! printf '%s\n' "$out" | grep -q '^not ok'
  then ok "hosts/$n under valgrind: no errors, no definite leaks"
  else bad "hosts/$n under valgrind" "$(printf '%s\n' "$out" | grep -v '^ok - ' | tail -n 30)"; fi
}
lua_pc=$(pc --cflags --libs slope-lua)
# each host with its pkg-config flags; the Lua one with slope-lua, threads with -pthread
for h in parse_print fit clipnoise errors threads forever lua_state; do
  case $h in
    lua_state) flags="$lua_pc $lua_flags" ;;
    threads) flags="$slope_flags -pthread" ;;
    *) flags=$slope_flags ;;
  esac
  # forever: 10000 iterations natively, 300 under valgrind (its cost is per
  # node of the context, so it grows with the run)
  args='' vargs=''
  if [ "$h" = forever ]; then args=10000 vargs=300; fi
  # shellcheck disable=SC2086
  host_build "$h" $flags -lm || continue
  # shellcheck disable=SC2086
  host_run "$h" $args
  if [ -n "$san" ]; then :
  elif command -v valgrind >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    host_valgrind "$h" $vargs
  elif [ "$h" = parse_print ]; then note "valgrind is not installed: the hosts ran without it"; fi
done
# threads.c under ThreadSanitizer (the host and its calls; libslope itself is
# the installed, uninstrumented build)
if [ -n "$san" ]; then
  note "hosts/threads under ThreadSanitizer: not with SANITIZE=$san"
elif printf 'int main(void) { return 0; }\n' > "$tmp/tsan.c" && $CC -fsanitize=thread -o "$tmp/tsan" "$tmp/tsan.c" 2>/dev/null &&
     "$tmp/tsan" 2>/dev/null; then
  # shellcheck disable=SC2086
  if out=$($CC $CWARN -fsanitize=thread -g -Itests/hosts -o "$tmp/h_threads_tsan" tests/hosts/threads.c $slope_flags -pthread -lm 2>&1) &&
     out=$(LD_LIBRARY_PATH=$lib TSAN_OPTIONS=halt_on_error=1:exitcode=66 "$tmp/h_threads_tsan" 2>&1) &&
     ! printf '%s\n' "$out" | grep -q -e '^not ok' -e 'ThreadSanitizer'
  then ok "hosts/threads under ThreadSanitizer: no data race"
  else bad "hosts/threads under ThreadSanitizer" "$(printf '%s\n' "$out" | tail -n 30)"; fi
else
  note "hosts/threads under ThreadSanitizer: $CC cannot build or run -fsanitize=thread programs here"
fi
# the tables of docs/c-api.md are the registry's
# table HEADER: the rows of docs/c-api.md's table under the line HEADER
table() { awk -v h="$1" 'on && !/^\|/ { exit } on && !/^\|---/ { print } $0 == h { on = 1 }' docs/c-api.md; }
# shellcheck disable=SC2086
if host_build hypers $slope_flags -lm; then
  for k in optim schedule; do
    case $k in
      optim) head='| kind | name | default | range | what it does |' ;;
      schedule) head='| kind | argument | required | default | range | what it does |' ;;
    esac
    want=$(LD_LIBRARY_PATH=$lib "$tmp/h_hypers" $k 2>&1)
    got=$(table "$head")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "docs/c-api.md's $k table is the registry's ($(printf '%s\n' "$want" | wc -l) rows)"
    else bad "docs/c-api.md's $k table differs from the registry: put the output of tests/hosts/hypers.c $k under '$head'" \
      "$(printf '%s\n' "$want" > "$tmp/want"; printf '%s\n' "$got" > "$tmp/got"; diff "$tmp/got" "$tmp/want")"; fi
  done
fi

# ---- uninstall -----------------------------------------------------------------------
if out=$($MAKE -s --no-print-directory uninstall DESTDIR="$root" PREFIX=/usr 2>&1); then
  ok "make uninstall DESTDIR=... PREFIX=/usr"
else
  bad "make uninstall" "$out"
fi
left=$(find "$root" ! -type d)
if [ -z "$left" ]; then ok "make uninstall removed every installed file"
else bad "make uninstall left files behind" "$left"; fi

checks_done
