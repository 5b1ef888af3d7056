#!/bin/sh
# sanitize.sh -- the C and Lua test suites again, built with AddressSanitizer
# (LeakSanitizer included) and UndefinedBehaviorSanitizer in a build folder of
# their own (build-asan, or $B), so a use after free, an overflow, a leak or
# undefined behaviour fails the test that triggered it even when every value
# it checked was right.
#
# The compiler is clang when it can link a sanitized program (Debian: clang
# and libclang-rt-14-dev), else gcc (its libasan8 and libubsan1 come with
# gcc-12); $SANITIZE_CC picks one.  Nothing is installed here.
#
# Runs build-asan/tests/test_*, every tests/test_*.lua under the sanitized
# slope binary, and tests/test_interrupt.sh against it.  Prints each test's
# own summary and ends with one line "N passed, N failed" adding them up.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${B:-build-asan}

# A compiler that can build and run a sanitized program.
works() {
  dir=$(mktemp -d) || return 1
  printf 'int main(void) { return 0; }\n' > "$dir/t.c"
  "$1" -fsanitize=address,undefined -o "$dir/t" "$dir/t.c" >/dev/null 2>&1 && "$dir/t"
  ok=$?
  rm -rf "$dir"
  return $ok
}
cc=${SANITIZE_CC:-}
if [ -z "$cc" ]; then
  for c in clang gcc; do
    if command -v "$c" >/dev/null 2>&1 && works "$c"; then cc=$c; break; fi
  done
fi
if [ -z "$cc" ]; then
  echo "sanitize: no compiler links -fsanitize=address,undefined;" \
       "apt-get install clang libclang-rt-14-dev (or gcc)"
  echo "0 passed, 1 failed"
  exit 1
fi

jobs=$(nproc 2>/dev/null || echo 2)
tests=$(for t in tests/test_*.c; do n=${t#tests/}; printf '%s/tests/%s ' "$B" "${n%.c}"; done)
echo "== make B=$B SANITIZE=address,undefined CC=$cc"
# shellcheck disable=SC2086
mkdir -p "$B"
if ! make -j"$jobs" B="$B" SANITIZE=address,undefined CC="$cc" all $tests >"$B/make.log" 2>&1; then
  tail -n 30 "$B/make.log"
  echo "0 passed, 1 failed"
  exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=print_suppressions=0

pass=0 fail=0
run_one() {
  label=$1; shift
  printf '== %s\n' "$label"
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
  line=$(printf '%s\n' "$out" | grep '^[0-9]* passed, [0-9]* failed$' | tail -n 1)
  f=0
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    pass=$((pass + p)); fail=$((fail + f))
    printf '   %s\n' "$line"
  fi
  # a sanitizer report fails the test even when its own checks all passed
  if printf '%s\n' "$out" | grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:'; then
    echo "   $label: sanitizer report above"; fail=$((fail + 1))
  elif [ $rc -ne 0 ] && { [ -z "$line" ] || [ "$f" -eq 0 ]; }; then
    echo "   $label exited with status $rc"; fail=$((fail + 1))
  fi
}

for t in $tests; do run_one "$t" "$t"; done
for t in tests/test_*.lua; do run_one "lua:$t" "$B/slope" "$t"; done
if [ -f tests/test_interrupt.sh ]; then
  run_one "sh:tests/test_interrupt.sh" env SLOPE="$B/slope" sh tests/test_interrupt.sh
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
