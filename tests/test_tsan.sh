#!/bin/sh
# test_tsan.sh -- tests/test_parallel.c built with ThreadSanitizer (the core
# compiled into it with -fsanitize=thread): the threads of slope_parallel
# share no mutable state, so TSan must report no data race.  Skipped when
# the compiler cannot build with -fsanitize=thread.
. tests/check.sh
CC=${CC:-cc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! echo 'int main(void) { return 0; }' > "$tmp/t.c" || ! $CC -fsanitize=thread -o "$tmp/t" "$tmp/t.c" 2>/dev/null \
   || ! "$tmp/t"; then
  note "ThreadSanitizer: $CC cannot build with -fsanitize=thread"
  checks_done
  exit 0
fi
[ -f build/gen/lexer.c ] || make -s build/gen/lexer.c build/gen/grammar.c >/dev/null
core=$(ls src/*.c | grep -v -e '/main\.c$' -e '/repl\.c$' -e '/lua_' -e '/mpi\.c$')
if out=$($CC -std=c11 -O1 -g -fsanitize=thread -D_POSIX_C_SOURCE=200809L -Isrc -Ibuild/gen -Wno-unused-variable \
        -o "$tmp/test_parallel" tests/test_parallel.c $core build/gen/lexer.c build/gen/grammar.c -lm -pthread 2>&1); then
  ok "test_parallel builds with -fsanitize=thread"
else
  bad "test_parallel with -fsanitize=thread does not build" "$out"
fi
out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66 die_after_fork=0" "$tmp/test_parallel" 2>&1); rc=$?
case $out in
  *"WARNING: ThreadSanitizer"*) bad "ThreadSanitizer reports a data race" "$out" ;;
  *) if [ $rc -eq 0 ]; then ok "no data race under ThreadSanitizer ($(printf '%s\n' "$out" | tail -n 1))"
     else bad "test_parallel under ThreadSanitizer exited with $rc" "$out"; fi ;;
esac
checks_done
