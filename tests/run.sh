#!/bin/sh
# Run every test program given (C test binaries, "lua:FILE" run by the
# slope binary, or "sh:FILE" run by sh), show their output, and finish with
# one line that adds up every program's closing "N passed, N failed".
# $SLOPE is the binary for "lua:" tests (default build/slope).  A sanitizer
# report fails its program even when every value it checked was right.
SLOPE=${SLOPE:-build/slope}
pass=0 fail=0
for t in "$@"; do
  printf '== %s\n' "$t"
  case $t in
    lua:*) out=$("$SLOPE" "${t#lua:}" 2>&1) ;;
    sh:*) out=$(sh "${t#sh:}" 2>&1) ;;
    *) out=$("$t" 2>&1) ;;
  esac
  rc=$?
  printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
  line=$(printf '%s\n' "$out" | grep '^[0-9]* passed, [0-9]* failed$' | tail -n 1)
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    pass=$((pass + p)); fail=$((fail + f))
    printf '   %s\n' "$line"
  fi
  if printf '%s\n' "$out" | grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:'; then
    echo "   $t: sanitizer report above"; fail=$((fail + 1))
  elif [ $rc -ne 0 ] && { [ -z "$line" ] || [ "${f:-0}" -eq 0 ]; }; then
    echo "   $t exited with status $rc"; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
