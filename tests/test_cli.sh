#!/bin/sh
# test_cli.sh -- the slope command as a user types it: each case runs the
# binary and compares its output (and exit status) with what it must print.
pass=0 fail=0
S=build/slope
check() {   # check NAME EXPECTED-STATUS EXPECTED-OUTPUT-SUBSTRING command...
  name=$1 want_rc=$2 want=$3; shift 3
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want_rc" ] && printf '%s' "$out" | grep -qF -- "$want"; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name: status $rc (want $want_rc), output:"; printf '%s\n' "$out" | sed 's/^/     | /'
  fi
}
check "slope diff" 0 "x^2*cos(x) + 2*x*sin(x)" $S diff 'x^2*sin(x)' x
check "slope diff of a residual" 0 "2*x*(w*x + b - y)" $S diff '(w*x + b - y)^2' w
check "slope diff with a syntax error" 1 "1:5: expected an expression after '*'" $S diff 'x^2*' x
check "slope diff needs two arguments" 1 "usage: slope diff" $S diff 'x^2'
out=$($S diff '2×x' x 2>&1)
if [ "$out" = "$(printf "slope: 1:2: unexpected character '×' (write '*' instead)\n2×x\n ^")" ]; then
  pass=$((pass + 1)); echo "ok   slope diff: an error is the message and the caret, no traceback"
else fail=$((fail + 1)); echo "FAIL slope diff error without traceback:"; printf '%s\n' "$out" | sed 's/^/     | /'; fi
check "-e prints the derivative" 0 "2*x - 4" $S -e 'print(slope.expr "x^2 - 4*x + 1":diff "x")'
check "-v names the version" 0 "slope 0.2.0" $S -v
check "--help shows usage" 0 "usage: slope" $S --help
check "an unknown option is reported" 1 "unknown option '--frobnicate'" $S --frobnicate
check "-e without code" 1 "'-e' needs an argument" $S -e
check "a missing script" 1 "cannot open nosuchfile.lua" $S nosuchfile.lua
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'print(arg[0], arg[1], ...)\n' > "$tmp/args.lua"
check "script arguments as in lua" 0 "args.lua	one	one	two" $S "$tmp/args.lua" one two
check "piped input runs as a script" 0 "42" sh -c "echo 'print(6*7)' | $S"
check "a runtime error exits 1 with the message" 1 "boom" $S -e 'error("boom")'
# the REPL shows results as lua does (tab-separated on one line), Exprs as
# infix and tables readably, takes UTF-8 as typed and completes names with
# Tab (slope.testf -> slope.testfn); it needs a terminal,
# which script(1) makes ('exec': no shell between it and slope)
if command -v script >/dev/null 2>&1; then
  out=$(printf '%s\n' 'r = slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 3 })' \
          'r.status, r.x.x, 42' 'slope.expr "x^2 - 4*x + 1":diff "x", { 1, 2 }' '= { a = { 1, 2 }, b = 3 }' \
          'slope.optim.adma' 'print("é σ", #"é σ")' "print(type(slope.testf$(printf '\t')), 'completed')" |
        TERM=dumb LC_ALL=C.UTF-8 HOME="$tmp" timeout 60 script -qfec "exec $S" /dev/null 2>&1 | tr -d '\r')
  for want in "max_steps	0.512	42" "2*x - 4	{ 1, 2 }" "{ a = { 1, 2 }, b = 3 }" \
              "slope.optim has no 'adma'; did you mean 'adam'?" "é σ	5" "table	completed"; do
    if printf '%s\n' "$out" | grep -qF -- "$want"; then pass=$((pass + 1)); echo "ok   REPL shows: $want"
    else fail=$((fail + 1)); echo "FAIL REPL shows: $want"; printf '%s\n' "$out" | sed 's/^/     | /'; fi
  done
  # a plot at the prompt: a terminal plot is drawn once (its returned text
  # is not echoed), a plot into a file shows a one-line summary, not the SVG
  out=$(printf '%s\n' 'slope.plot.curve{ series = { 3, 1, 2 }, term = true, width = 20, height = 5 }' \
          "slope.plot.curve{ series = { 3, 1, 2 }, file = '$tmp/p.svg' }" 'svg = slope.plot.curve{ series = { 1, 2 } }' \
          'slope.plot.curve{ series = { 1, 2 } }' '#svg > 1000, svg:sub(2, 4)' |
        TERM=dumb LC_ALL=C.UTF-8 HOME="$tmp" timeout 60 script -qfec "exec $S" /dev/null 2>&1 | tr -d '\r')
  axes=$(printf '%s\n' "$out" | grep -c '└')
  if [ "$axes" -eq 1 ] && printf '%s\n' "$out" | grep -qF "<plot: $tmp/p.svg>" && [ -s "$tmp/p.svg" ] &&
     ! printf '%s\n' "$out" | grep -qF '<svg' && printf '%s\n' "$out" | grep -qF 'true	svg' &&
     printf '%s\n' "$out" | grep -qF '<plot: ' && printf '%s\n' "$out" | grep -qF 'bytes of SVG; file = "name.svg" writes it>'; then
    pass=$((pass + 1)); echo "ok   REPL: a plot's text is not echoed (terminal plot once, file plot as <plot: file>)"
  else fail=$((fail + 1)); echo "FAIL REPL: a plot's text is not echoed ($axes terminal plots)"; printf '%s\n' "$out" | sed 's/^/     | /'; fi
  # a terminal plot colours its lines when standard output is a terminal (into
  # a pipe it stays plain: tests/test_plot.lua)
  plot="slope.plot.curve{ series = { 3, 1, 2 }, term = true, width = 20, height = 5 }"
  out=$(TERM=xterm-256color timeout 30 script -qfec "exec $S -e '$plot'" /dev/null 2>&1)
  esc=$(printf '\033')
  if printf '%s' "$out" | grep -q "$esc\[3[0-9]m" && printf '%s' "$out" | grep -q "$esc\[0m"; then
    pass=$((pass + 1)); echo "ok   a terminal plot on a terminal is coloured"
  else fail=$((fail + 1)); echo "FAIL a terminal plot on a terminal is coloured:"; printf '%s\n' "$out" | cat -A | sed 's/^/     | /'; fi
else
  echo "skip the REPL display: script(1) (util-linux) is not installed"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
