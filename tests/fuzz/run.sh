#!/bin/sh
# run.sh -- build the libFuzzer targets with clang and run each one.
#
#   sh tests/fuzz/run.sh                 every target for FUZZ_SECONDS (default 30)
#   sh tests/fuzz/run.sh parse csv       only those targets (parse compile shaped csv checkpoint)
#   FUZZ_SECONDS=20 sh tests/fuzz/run.sh
#   FUZZ_SEED=1 sh tests/fuzz/run.sh     a repeatable run, as 'make test' does
#   FUZZ_SEED=1 FUZZ_RUNS=1000 sh ...    the same with fewer inputs
#
# Needs clang with its runtime (Debian: clang libclang-rt-14-dev) and the
# generated lexer and parser in build/gen, which 'make' writes.  The library
# sources are compiled here again, instrumented for coverage, into
# build/fuzz; each target starts from its seed corpus tests/fuzz/corpus/NAME
# and keeps what it learns in build/fuzz/corpus/NAME, so later runs go on
# from there.  A finding is written to build/fuzz/crash-* and fails the
# target: reduce it, fix the code, and keep the input as a regression test
# (tests/test_hostile.c or the seed corpus).
# With FUZZ_SEED set (not 0) a run is repeatable: that seed, the seed corpus
# only (what earlier runs learned is left aside) and a fixed number of inputs
# per target instead of a time (about 40 s each on this machine; a run that
# stops on time instead reaches further on a faster machine and may meet an
# input that was never tried here, which is how CI once failed on a finding
# the same seed had not reached locally).  So the gate in 'make test' replays
# inputs that already passed here, while 'make fuzz' explores anew.
# One check per target; ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
SECONDS_EACH=${FUZZ_SECONDS:-30}
SEED=${FUZZ_SEED:-0}
CC=${FUZZ_CC:-clang}
B=build/fuzz
targets=${*:-parse compile shaped csv checkpoint}
pass=0 fail=0

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz: $CC not found; apt-get install clang libclang-rt-14-dev"
  echo "0 passed, 1 failed"; exit 1
fi
if [ ! -f build/gen/lexer.c ] || [ ! -f build/gen/grammar.c ]; then
  echo "fuzz: build/gen/lexer.c and grammar.c are missing; run 'make' first"
  echo "0 passed, 1 failed"; exit 1
fi

mkdir -p "$B/obj"
SAN=-fsanitize=address,undefined
# the flags of the main build, plus coverage instrumentation; warnings are the
# main build's business, so library sources compile quietly here
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L -Isrc -Ibuild/gen"
objs=
build_failed=0
for s in $(ls src/*.c | grep -v -e '/main\.c$' -e '/repl\.c$' -e '/lua_') build/gen/lexer.c build/gen/grammar.c; do
  o=$B/obj/$(basename "$s" .c).o
  objs="$objs $o"
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src build/gen -name '*.h' -newer "$o")" ]; then
    # shellcheck disable=SC2086
    $CC $CFLAGS -w -fsanitize=fuzzer-no-link $SAN -c -o "$o" "$s" || build_failed=1
  fi
done
if [ $build_failed -ne 0 ]; then echo "fuzz: the library did not compile"; echo "0 passed, 1 failed"; exit 1; fi

for t in $targets; do
  src=tests/fuzz/fuzz_$t.c bin=$B/fuzz_$t
  printf '== fuzz_%s (%s s)\n' "$t" "$SECONDS_EACH"
  # shellcheck disable=SC2086
  if ! $CC $CFLAGS -Wall -Wextra -Wpedantic -Wshadow -fsanitize=fuzzer $SAN -o "$bin" "$src" $objs -lm; then
    echo "FAIL fuzz_$t does not build"; fail=$((fail + 1)); continue
  fi
  # what the run learns goes to the first folder: the kept one, or a fresh one
  # for a repeatable run
  learned=$B/corpus/$t
  [ "$SEED" != 0 ] && learned=$B/corpus/$t.seed$SEED && rm -rf "$learned"
  mkdir -p "$learned"
  # parse inputs are short programs; CSV files get room for a few long lines
  case $t in csv) maxlen=16384 ;; *) maxlen=4096 ;; esac
  # the repeatable run's inputs per target (measured: about 2/3 of what 60 s
  # reaches here); the time limit then only guards a very slow machine
  limit="-max_total_time=$SECONDS_EACH"
  if [ "$SEED" != 0 ]; then
    case $t in parse) count=550000 ;; compile) count=250000 ;; csv) count=150000 ;; *) count=65000 ;; esac
    limit="-runs=${FUZZ_RUNS:-$count} -max_total_time=$((SECONDS_EACH * 4))"
  fi
  log=$B/fuzz_$t.log
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$bin" -seed="$SEED" $limit -max_len=$maxlen -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$B/" -print_final_stats=1 "$learned" "tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  [ "$SEED" != 0 ] && rm -rf "$learned"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "ok   fuzz_$t: ${runs:-?} inputs, no finding"; pass=$((pass + 1))
  else
    echo "FAIL fuzz_$t (status $rc); the end of $log:"
    grep -v -e '^#[0-9]' -e '^INFO:' "$log" | tail -n 40 | sed 's/^/     | /'
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
