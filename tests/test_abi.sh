#!/bin/sh
# test_abi.sh -- hosts compiled against an older slope.h keep working.
#
# tests/abi/host.c is compiled three ways and its output compared line for
# line (doubles printed exactly, as %a):
#   now      against src/slope.h, linked with build/libslope.so
#   v0.1     against the frozen structs of slope 0.1 (tests/abi/0.1/slope.h),
#            linked with build/libslope.so: must print what 'now' prints
#   v0.1 on a newer library: the same host linked with a libslope whose
#            slope_run_opts, slope_result and slope_step_info have a field
#            more at the end (made here from src/ with sed): the new option's
#            default must be used (the run refuses any other value), the new
#            result field must not be written past the host's struct
# The values are checked against PyTorch's (Adam + CosineAnnealingLR on
# Rosenbrock, as in test_embed.sh) and the bowl's minimum (3, -1).  Then
# structs that were never initialized are refused with a message naming
# the function to call.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1

. tests/check.sh
# hexval TEXT NAME INDEX: the INDEX-th %a number of the line "NAME = ..." as decimal
hexval() { printf '%.17g' "$(field "$1" "$2" | cut -d' ' -f"$3")" 2>/dev/null; }

CC=${CC:-cc}
CWARN="-std=c11 -Wall -Wextra -Wpedantic"
san=${SANITIZE:-}
if [ -n "$san" ]; then CWARN="$CWARN -fsanitize=$san"; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slope-abi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# build NAME INCLUDE-DIR LIBS...: tests/abi/host.c into $tmp/NAME, warning-free
build() {
  n=$1 inc=$2; shift 2
  if out=$($CC $CWARN -I"$inc" -o "$tmp/$n" tests/abi/host.c "$@" -lm 2>&1) && [ -z "$out" ]
  then ok "host.c builds against $inc"; return 0
  else bad "host.c builds against $inc" "$out"; return 1; fi
}
run() { LD_LIBRARY_PATH=build "$tmp/$1" "$2" 2>&1; }

build now src -Lbuild -lslope
build v01 tests/abi/0.1 -Lbuild -lslope
now=$(run now run)
v01=$(run v01 run)

# ---- the values are right -------------------------------------------------------------
has "$now" "rosenbrock.rc = 0" "rosenbrock: slope_run succeeds"
near "$(hexval "$now" rosenbrock.x 1)" 0.9999984882915411 1e-12 "rosenbrock: x as PyTorch's Adam + cosine"
near "$(hexval "$now" rosenbrock.x 2)" 0.9999969714535818 1e-12 "rosenbrock: y as PyTorch's Adam + cosine"
near "$(hexval "$now" rosenbrock.f 1)" 2.2878959871e-12 1e-20 "rosenbrock: f as PyTorch"
has "$now" "rosenbrock.status = max_steps" "rosenbrock: status max_steps"
has "$now" "rosenbrock.steps = 2000" "rosenbrock: 2000 steps"
has "$now" "bowl.rc = 0" "bowl (host callbacks, noise, on_step): slope_run succeeds"
near "$(hexval "$now" bowl.x 1)" 3 1e-2 "bowl: x1 near the minimum 3 (gradient noise)"
near "$(hexval "$now" bowl.x 2)" -1 1e-2 "bowl: x2 near the minimum -1 (gradient noise)"
has "$now" "bowl.on_step = 15 calls, last step 1500, n 2, info size covers ours 1" \
  "bowl: on_step every 100 steps sees a whole slope_step_info"
for r in rosenbrock bowl; do
  has "$now" "$r.junk intact = 1 1" "$r: nothing read or written past the host's structs"
  has "$now" "$r.size kept = 1" "$r: the result keeps the host's size"
done

# ---- a host compiled against slope 0.1 gets the same, bit for bit -----------------------
if [ -n "$v01" ] && [ "$v01" = "$now" ]; then ok "the slope 0.1 host prints what today's host prints"
else bad "the slope 0.1 host differs from today's" "$(printf '%s\n' "$now" > "$tmp/a"; printf '%s\n' "$v01" > "$tmp/b"; diff "$tmp/a" "$tmp/b")"; fi

# ---- ... and on a library with fields added -----------------------------------------------
# slope.h of the next version: one field more at the end of each sized struct;
# run.c gives the new option a default of 1.5 and refuses any other value (so
# reading past a 0.1 host's options, into its 0xA5 bytes, fails the run), and
# fills the new result field (which must not reach a 0.1 host's memory).
mkdir -p "$tmp/next"
cp src/*.h src/run.c "$tmp/next/"
perl -0pi -e 's/(\n  int n;\n)(\} slope_step_info;)/$1  double next_info;\n$2/;
  s/(\n)(\} slope_run_opts;)/$1  double next_knob;\n$2/;
  s/(\n)(\} slope_result;)/$1  double next_out;\n$2/' "$tmp/next/slope.h"
perl -0pi -e 's/(  o\.every = 1;\n)/$1  o.next_knob = 1.5;\n/;
  s/(static int check_opts\([^\n]*\{\n)/$1  if (o->next_knob != 1.5) return sx_error(S, SLOPE_ERRARG, "next_knob is not 1.5");\n/;
  s/(  r->size = sizeof \*r;\n)/$1  r->next_out = 42;\n/;
  s/(R->p->x, R->n)\}/$1, 0.5}/' "$tmp/next/run.c"
n_added=$(cat "$tmp/next/slope.h" "$tmp/next/run.c" | grep -c -e next_knob -e next_out -e next_info -e 'R->n, 0.5}')
if [ "$n_added" -eq 7 ]; then ok "a next version of slope.h and run.c made (3 fields added and used)"
else bad "making the next version: $n_added of 7 edits took" "$(grep -n next_ "$tmp/next/slope.h" "$tmp/next/run.c")"; fi
# the next library of the same soname: today's objects with the next run.o,
# linked as the Makefile links libslope.so; the 0.1 host built above runs on it
# unchanged
soname=$(readelf -d build/libslope.so 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
soname=${soname:-libslope.so.0}
mkdir -p "$tmp/next/objs"
if out=$($CC $CWARN -O2 -g -fPIC -D_POSIX_C_SOURCE=200809L -c -I"$tmp/next" -o "$tmp/next/run.o" "$tmp/next/run.c" 2>&1) &&
   out=$(cd "$tmp/next/objs" && ar x "$OLDPWD/build/libslope_core.a" && rm run.o 2>&1) &&
   out=$($CC $CWARN -shared -Wl,-soname,"$soname" -Wl,--version-script=src/slope.map \
         -o "$tmp/next/$soname" "$tmp/next/run.o" "$tmp/next/objs"/*.o -lm 2>&1)
then
  ok "the next $soname builds"
  next=$(LD_LIBRARY_PATH=$tmp/next "$tmp/v01" run 2>&1)
  if [ "$next" = "$now" ]; then ok "the slope 0.1 host on the next library prints what today's host prints"
  else bad "the slope 0.1 host on the next library differs" "$(printf '%s\n' "$now" > "$tmp/a"; printf '%s\n' "$next" > "$tmp/b"; diff "$tmp/a" "$tmp/b")"; fi
  # a host built against the next slope.h (which knows the new fields) too
  if out=$($CC $CWARN -I"$tmp/next" -o "$tmp/next_host" tests/abi/host.c -L"$tmp/next" -l:"$soname" -lm 2>&1) &&
     LD_LIBRARY_PATH=$tmp/next "$tmp/next_host" run | grep -qx 'rosenbrock.rc = 0'
  then ok "a host of the next slope.h runs on the next library"
  else bad "a host of the next slope.h on the next library" "$out"; fi
else
  bad "building the next library" "$out"
fi

# ---- structs never initialized --------------------------------------------------------
mis=$(run now misuse)
has "$mis" "zeroed_opts.rc = 3" "zeroed options: SLOPE_ERRARG"
has "$mis" "zeroed_opts.error = slope_run_opts.size is 0: initialize it with slope_run_defaults(&opts) before setting fields" \
  "zeroed options: the message says to call slope_run_defaults"
has "$mis" "zeroed_opts.status = 4" "zeroed options: the result says error"
has "$mis" "zeroed_opts.message = slope_run_opts.size is 0: initialize it with slope_run_defaults(&opts) before setting fields" \
  "zeroed options: the result has the message"
has "$mis" "zeroed_result.rc = 3" "zeroed result: SLOPE_ERRARG"
has "$mis" "zeroed_result.error = slope_result.size is 0: initialize it with slope_result_init(&r) before setting fields" \
  "zeroed result: the message says to call slope_result_init"
has "$mis" "zeroed_result.untouched = 1" "zeroed result: nothing written into it"
for w in small_size large_size; do
  if printf '%s\n' "$mis" | grep -q "^$w.error = slope_run_opts.size is [0-9]*, but this libslope takes [0-9]* to [0-9]* bytes: initialize it with slope_run_defaults(&opts)"
  then ok "$w: refused, saying which sizes work and what to call"
  else bad "$w: the message" "$mis"; fi
done
has "$mis" "x unchanged = 1" "refused runs leave the point alone"
# the same refusals; the sizes in the messages are each host's own
mis01=$(run v01 misuse)
sizes_out() { printf '%s\n' "$1" | sed 's/size is [0-9]*,/size is N,/'; }
if [ "$(sizes_out "$mis01")" = "$(sizes_out "$mis")" ]; then ok "the slope 0.1 host is refused the same way"
else bad "the slope 0.1 host's refusals differ" "$mis01"; fi

checks_done
