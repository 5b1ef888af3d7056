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
# slope binary, and tests/test_interrupt.sh against it, through tests/run.sh
# (which fails a program on any sanitizer report), so it ends with one line
# "N passed, N failed" adding them up.
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
mkdir -p "$B"
# shellcheck disable=SC2086
if ! make -j"$jobs" B="$B" SANITIZE=address,undefined CC="$cc" all $tests >"$B/make.log" 2>&1; then
  tail -n 30 "$B/make.log"
  echo "0 passed, 1 failed"
  exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=print_suppressions=0

# native code is compiled with the same sanitizers (jit.c), so by the same compiler
export CC="$cc"
lua=$(for t in tests/test_*.lua; do printf 'lua:%s ' "$t"; done)
# shellcheck disable=SC2086
SLOPE=$B/slope exec sh tests/run.sh $tests $lua sh:tests/test_interrupt.sh
