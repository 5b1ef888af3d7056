#!/bin/sh
# test_interrupt.sh -- Ctrl-C (SIGINT) during a long run and in the REPL.
#
#   - slope -e '<a minimize of 10^12 steps that prints its result>' gets
#     SIGINT once it is running: the run ends with status "stopped", the
#     result so far (steps > 0, x moved, message "interrupted at step N"),
#     the rest of the script still runs and the process exits with 0;
#   - the same with the interrupt landing in a Lua on_step callback and in a
#     Lua schedule function, which the run calls every step;
#   - a plain Lua loop gets the Lua error "interrupted" and exit status 1,
#     not a crash or death by signal;
#   - the REPL, on a pseudo-terminal made by script(1) (util-linux): Ctrl-C
#     stops a minimize and a Lua loop and returns to the prompt, which goes
#     on taking input.  Skipped (and said so) when script(1) is missing.
#
# $SLOPE is the binary (default build/slope; tests/sanitize.sh passes its
# sanitized one).  Prints one line per check, ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
SLOPE=${SLOPE:-build/slope}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/     | /'; fi
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# wait_for FILE TEXT: until FILE contains TEXT (at most 20 s, slow under sanitizers)
wait_for() {
  i=0
  while [ $i -lt 200 ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# interrupt NAME CODE: run CODE with slope -e, SIGINT 0.5 s after it printed
# "started"; leaves the output in $tmp/NAME.out and the exit status in $rc.
interrupt() {
  "$SLOPE" -e "$2" >"$tmp/$1.out" 2>&1 &
  pid=$!
  if ! wait_for "$tmp/$1.out" started; then
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rc=-1; return
  fi
  sleep 0.5
  kill -INT "$pid"
  wait "$pid"
  rc=$?
}

# check_stopped NAME: the run's printed result says it was interrupted with results
check_stopped() {
  out=$(cat "$tmp/$1.out")
  if [ "$rc" -eq 0 ]; then ok "$1: exits with status 0"; else bad "$1: exit status $rc" "$out"; fi
  if printf '%s\n' "$out" | grep -qx 'status stopped'; then ok "$1: status stopped"; else bad "$1: status stopped" "$out"; fi
  steps=$(printf '%s\n' "$out" | sed -n 's/^steps //p')
  msg=$(printf '%s\n' "$out" | sed -n 's/^message //p')
  if [ -n "$steps" ] && [ "$steps" -gt 0 ] && [ "$msg" = "interrupted at step $steps" ]; then
    ok "$1: results so far ($steps steps, '$msg')"
  else bad "$1: steps > 0 and message 'interrupted at step N'" "$out"; fi
  # x moves from 0 towards 3 at lr 1e-9: positive, finite and far from 3
  if printf '%s\n' "$out" | awk '/^x / { x = $2 + 0; ok = (x > 0 && x < 3 && x == x) } END { exit !ok }'; then
    ok "$1: x is the point reached"
  else bad "$1: x in (0, 3)" "$out"; fi
  if printf '%s\n' "$out" | grep -qx 'after'; then ok "$1: the script goes on after the run"; else bad "$1: the script goes on" "$out"; fi
}

run='local r = slope.minimize("(x - 3)^2 + (y + 1)^2", { x = 0, y = 0 }, {
  optimizer = slope.optim.sgd{ lr = 1e-9 }, steps = 1e12, trace = false %s })
print("status " .. r.status) print("steps " .. r.steps) print("message " .. r.message)
print("x " .. r.x.x) print("after")'
start='print("started") io.stdout:flush() '

interrupt plain "$start$(printf "$run" '')"
check_stopped plain
interrupt on_step "$start$(printf "$run" ', on_step = function(s) end')"
check_stopped on_step
interrupt schedule "$start$(printf "$run" ', schedule = function(t, base) return base end')"
check_stopped schedule

interrupt lua_loop "${start}while true do end"
out=$(cat "$tmp/lua_loop.out")
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q 'interrupted'; then
  ok "a Lua loop: error 'interrupted', exit status 1"
else bad "a Lua loop: error 'interrupted', exit status 1 (got $rc)" "$out"; fi

# ---- the REPL on a pseudo-terminal --------------------------------------------------
if ! command -v script >/dev/null 2>&1; then
  echo "skip the REPL: script(1) (util-linux) is not installed"
else
  # ^C (\003) typed on the terminal is SIGINT for the running code; the
  # sleeps let each statement start before the key arrives.  script(1) starts
  # its command through $SHELL -c: 'exec' makes slope the only process on the
  # terminal, or a shell that stays (dash does) takes each ^C as well and
  # dies of it once slope has left.
  {
    sleep 1
    printf 'r = slope.minimize("(x - 3)^2", { x = 0 }, { lr = 1e-9, steps = 1e12, trace = false })\n'
    sleep 1.5; printf '\003'; sleep 0.5
    printf 'print("result", r.status, r.steps > 0)\n'
    sleep 0.5
    printf 'while true do end\n'
    sleep 1; printf '\003'; sleep 0.5
    printf 'print("still", 1 + 1)\n'
    sleep 0.5
    # at the prompt: the half-typed statement is dropped, the REPL stays
    printf 'x = 1 +'; sleep 0.5; printf '\003'; sleep 0.5
    printf 'function f()\n'; sleep 0.5; printf '\003'; sleep 0.5
    printf 'print("dropped", x, f)\n'
    sleep 0.5
    printf '\004'
  } | TERM=dumb HOME="$tmp" timeout 120 script -qfec "exec $SLOPE" /dev/null >"$tmp/repl.out" 2>&1
  rc=$?
  out=$(tr -d '\r' <"$tmp/repl.out")
  if printf '%s\n' "$out" | grep -q "^result	stopped	true"; then
    ok "REPL: Ctrl-C stops a minimize with status stopped and its results"
  else bad "REPL: minimize stopped" "$out"; fi
  if printf '%s\n' "$out" | grep -q "interrupted"; then
    ok "REPL: Ctrl-C interrupts a Lua loop"
  else bad "REPL: a Lua loop interrupted" "$out"; fi
  if printf '%s\n' "$out" | grep -q "^still	2"; then
    ok "REPL: back at the prompt, taking input"
  else bad "REPL: back at the prompt" "$out"; fi
  # the progress bar of the long minimize redraws in place: every drawing
  # fits the 80 columns script(1)'s terminal reports as unknown size
  if awk 'BEGIN { RS = "\r" } /steps\/s/ { n++; sub(/\^C$/, ""); if (length($0) > 79 || $0 !~ /^(\[\.+\] )?  0%  step [0-9]+\/1000000000000  f = [0-9]\./) bad++ }
          END { exit !(n > 0 && bad == 0) }' "$tmp/repl.out"; then
    ok "REPL: the progress bar fits the terminal"
  else bad "REPL: progress bar within 79 columns" "$(tr "\r" "\n" <"$tmp/repl.out" | grep -a "steps/s" | cat -A)"; fi
  if printf '%s\n' "$out" | grep -q "^dropped	nil	nil"; then
    ok "REPL: Ctrl-C at the prompt drops the statement being typed"
  else bad "REPL: Ctrl-C at the prompt drops the statement" "$out"; fi
  if [ "$rc" -eq 0 ]; then ok "REPL: Ctrl-D leaves with status 0"; else bad "REPL: exit status $rc" "$out"; fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
