# check.sh -- the checks shared by the shell tests (sourced: '. tests/check.sh'
# from the top of the tree).  Each prints one line, "ok   ...", "FAIL ..."
# (with the evidence indented below) or "skip ..."; 'checks_done' prints the
# closing "N passed, N failed" that tests/run.sh adds up, and fails when any
# check did.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/     | /'; fi
}
note() { echo "skip $1"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
  d=$1; shift
  if out=$("$@" 2>&1); then ok "$d"; else bad "$d" "$out"; fi
}
# has TEXT LINE DESCRIPTION: passes when TEXT has the exact line LINE
has() {
  if printf '%s\n' "$1" | grep -qxF -- "$2"; then ok "$3"; else bad "$3: no line '$2'" "$1"; fi
}
# near VALUE EXPECTED TOL DESCRIPTION
near() {
  if awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'
  then ok "$4 ($1)"; else bad "$4: got '$1', expected $2 +- $3"; fi
}
# field TEXT NAME: the value of the line "NAME = value"
field() { printf '%s\n' "$1" | sed -n "s/^$2 = //p" | head -n 1; }
# png_size FILE: "WIDTHxHEIGHT" of a PNG file (its signature and IHDR), else nothing
png_size() {
  b=$(od -An -tu1 -N24 "$1" 2>/dev/null | tr -s ' \n' ' ')
  # shellcheck disable=SC2086
  set -- $b
  [ "$#" -eq 24 ] && [ "$1 $2 $3 $4 $5 $6 $7 $8" = "137 80 78 71 13 10 26 10" ] || return 0
  shift 16
  echo "$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))x$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))"
}
checks_done() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
