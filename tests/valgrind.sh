#!/bin/sh
# valgrind.sh -- every example, every C test program and every Lua test
# under valgrind (memcheck): no invalid reads or writes, no use of
# uninitialised values, no definite leaks.
#
#   sh tests/valgrind.sh          (make valgrind builds first, then runs this)
#
# Each examples/*.lua runs with a fresh temporary folder as its output
# folder (its first argument), from the repository root.  C tests run with
# SLOPE_TEST_QUICK=1, which shrinks the few inputs sized for speed (the
# 100 MB hostile lines become 8 MB); everything else runs as in 'make test'.
# Takes about 2-3 minutes here; $VALGRIND_JOBS programs run at a time
# (default: the number of processors); $VALGRIND_FLAGS adds options (e.g. --track-origins=yes).
#
# One check per program: clean under valgrind and, for tests, its own
# "N passed, N failed" line says 0 failed.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
B=${B:-build}
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind: not installed; apt-get install valgrind"
  echo "0 passed, 1 failed"; exit 1
fi
if [ ! -x "$B/slope" ]; then
  echo "valgrind: $B/slope is missing; run 'make' (or 'make valgrind') first"
  echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite ${VALGRIND_FLAGS:-}"
export SLOPE_TEST_QUICK=1

# run_one K LABEL COMMAND...: writes $tmp/K.res with "ok LABEL" or "FAIL LABEL" and details
run_one() {
  res=$tmp/$1.res label=$2
  shift 2
  # shellcheck disable=SC2086
  out=$($VG "$@" 2>&1)
  rc=$?
  line=$(printf '%s\n' "$out" | grep '^[0-9]* passed, [0-9]* failed$' | tail -n 1)
  if [ $rc -eq 0 ] && { [ -z "$line" ] || [ "${line#* passed, }" = "0 failed" ]; }; then
    echo "ok   $label${line:+ ($line)}" >"$res"
  else
    why="status $rc"
    [ $rc -eq 99 ] && why="valgrind errors"
    { echo "FAIL $label: $why"; printf '%s\n' "$out" | grep -v '^ok ' | tail -n 40 | sed 's/^/     | /'; } >"$res"
  fi
}

jobs=${VALGRIND_JOBS:-$(nproc 2>/dev/null || echo 1)}
running=0 n=0
spawn() {
  n=$((n + 1))
  run_one "$n" "$@" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
}

for e in examples/*.lua; do
  d=$tmp/out.$(basename "$e" .lua)
  mkdir -p "$d"
  spawn "$e" "$B/slope" "$e" "$d"
done
for t in "$B"/tests/test_*; do
  [ -x "$t" ] && spawn "$t" "$t"
done
for t in tests/test_*.lua; do
  spawn "lua:$t" "$B/slope" "$t"
done
wait

pass=0 fail=0
i=1
while [ $i -le $n ]; do
  if [ -f "$tmp/$i.res" ]; then
    cat "$tmp/$i.res"
    if head -n 1 "$tmp/$i.res" | grep -q '^ok '; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  fi
  i=$((i + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
