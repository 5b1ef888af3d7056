#!/bin/sh
# test_checkpoint.sh -- a run killed with SIGKILL resumes bit for bit.
#
# A mini-batch Adam run with shuffling, a cosine schedule and annealing noise
# (every kind of state a checkpoint carries) is run three ways by build/slope:
# uninterrupted (about 2 s); writing a checkpoint every 1000 steps and killed
# with kill -9 halfway; resumed from whatever checkpoint the kill left.
# The resumed run's final point and its trace rows (every 1000th step, from
# the checkpoint's step on) must print exactly (%.17g) as the uninterrupted
# run's.  Then the Lua options' errors, and opt:save/slope.load in a
# hand-written loop.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
SLOPE=${SLOPE:-build/slope}
STEPS=${STEPS:-150000}

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/     | /'; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slope_ck.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

cat > "$tmp/run.lua" <<'EOF'
-- run.lua MODE PATH STEPS: MODE is full, checkpoint or resume
local mode, path, steps = arg[1], arg[2], tonumber(arg[3])
local ds = slope.data.regression{ n = 20000, w = {1, -2, 3}, b = 0.5, noise = 0.5, seed = 1 }
local f = slope.expr "mean((w1*x1 + w2*x2 + w3*x3 + b - y)^2)"
local opts = {
  optimizer = slope.optim.adam{ lr = 0.01 },
  steps = steps, data = ds, batch = 1000, shuffle = true, seed = 7,
  schedule = slope.schedule.cosine{ T_max = steps },
  noise = slope.noise.gaussian{ std = 1e-3, schedule = slope.schedule.inverse{ rate = 0.01 } },
  trace = 1000,
}
if mode == "checkpoint" then opts.checkpoint = { path = path, every = 1000 } end
if mode == "resume" then opts.resume = path end
local r = slope.minimize(f, { w1 = 0, w2 = 0, w3 = 0, b = 0 }, opts)
for k = 0, #r.trace do
  local t = r.trace[k]
  print(string.format("row %d %.17g %.17g %.17g %.17g %.17g %.17g %.17g", t.step, t.f, t.lr,
                      t.grad_norm, t.x.w1, t.x.w2, t.x.w3, t.x.b))
end
print(string.format("x %.17g %.17g %.17g %.17g", r.x.w1, r.x.w2, r.x.w3, r.x.b))
print("steps " .. r.steps)
EOF

if ! [ -x "$SLOPE" ]; then
  bad "$SLOPE is not built (run make)"
  echo "$pass passed, $fail failed"
  exit 1
fi

# ---- the uninterrupted reference -----------------------------------------------
t0=$(date +%s%N)
full=$("$SLOPE" "$tmp/run.lua" full "$tmp/none.ck" "$STEPS" 2>&1)
t1=$(date +%s%N)
if printf '%s\n' "$full" | grep -qx "steps $STEPS"; then ok "uninterrupted run of $STEPS steps"
else bad "uninterrupted run" "$full"; fi

# ---- checkpointing, killed -------------------------------------------------------
ck="$tmp/run.ck"
"$SLOPE" "$tmp/run.lua" checkpoint "$ck" "$STEPS" > "$tmp/killed.out" 2>&1 &
pid=$!
# kill it about halfway, as long as the uninterrupted run took
sleep "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 2e9 }')"
if kill -9 "$pid" 2>/dev/null; then
  wait "$pid" 2>/dev/null
  ok "killed the checkpointing run with SIGKILL"
else
  wait "$pid" 2>/dev/null
  bad "the checkpointing run ended before it could be killed (raise STEPS)" "$(cat "$tmp/killed.out")"
fi
if [ -f "$ck" ]; then ok "a checkpoint survived the kill"; else bad "no checkpoint written"; fi

# ---- resumed ---------------------------------------------------------------------
resumed=$("$SLOPE" "$tmp/run.lua" resume "$ck" "$STEPS" 2>&1)
status=$?
if [ $status -eq 0 ]; then ok "resumed from the checkpoint"; else bad "resume failed" "$resumed"; fi
k=$(printf '%s\n' "$resumed" | sed -n '1s/^row \([0-9]*\) .*/\1/p')
if [ -n "$k" ] && [ "$k" -gt 0 ] && [ "$k" -lt "$STEPS" ] && [ $((k % 1000)) -eq 0 ]; then
  ok "resumed at step $k, a multiple of 1000 inside the run"
else
  bad "resumed at step '${k:-?}'" "$resumed"
fi
want=$(printf '%s\n' "$full" | grep '^x ')
got=$(printf '%s\n' "$resumed" | grep '^x ')
if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "final point equals the uninterrupted run's: $got"
else bad "final point differs" "uninterrupted: $want
resumed:       $got"; fi
# trace rows from the checkpoint's step on
want=$(printf '%s\n' "$full" | awk -v k="${k:-0}" '$1 == "row" && $2 >= k')
got=$(printf '%s\n' "$resumed" | grep '^row ')
if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "every trace row after the resume point is equal ($(printf '%s\n' "$got" | wc -l) rows)"
else bad "trace rows differ" "$(printf '%s\n' "$want" > "$tmp/a"; printf '%s\n' "$got" > "$tmp/b"; diff "$tmp/a" "$tmp/b" | head -6)"; fi

# ---- the Lua options' errors ------------------------------------------------------------
# err DESCRIPTION EXPECTED-TEXT OPTIONS: slope.minimize with OPTIONS must fail naming EXPECTED-TEXT
err() {
  out=$("$SLOPE" -e "slope.minimize('(x-1)^2', { x = 0 }, { lr = 0.1, steps = 10, $3 })" 2>&1)
  if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -qF -- "$2"; then ok "$1"; else bad "$1: expected '$2'" "$out"; fi
}
err "unknown key in checkpoint" "checkpoint: unknown option 'evry'" "checkpoint = { path = '$tmp/e.ck', evry = 5 }"
err "checkpoint without every" "checkpoint.every must be a whole number >= 1" "checkpoint = { path = '$tmp/e.ck' }"
err "checkpoint without path" "checkpoint.path must be a file name" "checkpoint = { every = 5 }"
err "checkpoint not a table" "checkpoint must be a table" "checkpoint = '$tmp/e.ck'"
err "resume not a string" "resume must be the path of a checkpoint file" "resume = 5"
err "resume of a missing file" "cannot read checkpoint '$tmp/missing.ck'" "resume = '$tmp/missing.ck'"
err "resume with another problem" "is for 4 parameters (w1, w2, w3, b); this problem has 1 (x)" "resume = '$ck'"
# and options that work: 25 steps checkpointed every 10, resumed from step 20 to 30
out=$("$SLOPE" -e "
  local f, start = '(x-1)^4 + x', { x = 0 }
  slope.minimize(f, start, { lr = 0.1, steps = 25, checkpoint = { path = '$tmp/s.ck', every = 10 } })
  local a = slope.minimize(f, start, { lr = 0.1, steps = 30 })
  local b = slope.minimize(f, start, { lr = 0.1, steps = 30, resume = '$tmp/s.ck' })
  print(a.x.x == b.x.x, a.x.x ~= 0, b.steps, b.trace[0].step, #b.trace)" 2>&1)
if [ "$out" = "true	true	30	20	10" ]; then ok "checkpoint and resume from Lua"; else bad "checkpoint and resume from Lua" "$out"; fi

# opt:save(path, p) and slope.load(path, p) in a hand-written loop
out=$("$SLOPE" -e "
  local ds = slope.data.regression{ n = 50, w = {1, -2}, b = 0.5, seed = 1 }
  local function prob()
    return slope.problem('mean((w1*x1 + w2*x2 + b - y)^2)', { w1 = 0, w2 = 0, b = 0 },
                         { data = ds, batch = 8, shuffle = true, seed = 3 })
  end
  local p, q = prob(), prob()
  local opt = slope.optim.lbfgs{ history_size = 4, max_iter = 3, line_search = 'strong_wolfe' }
  for k = 1, 10 do opt:step(p) end
  opt:save('$tmp/loop.ck', p)
  local o2 = slope.load('$tmp/loop.ck', q)
  local same = true
  for k = 1, 10 do same = same and opt:step(p) == o2:step(q) end
  print(same, p.x.w1 == q.x.w1 and p.x.w2 == q.x.w2 and p.x.b == q.x.b, o2.line_search, o2.history_size == 4)" 2>&1)
if [ "$out" = "true	true	strong_wolfe	true" ]; then ok "opt:save and slope.load continue a hand-written loop exactly"
else bad "opt:save and slope.load" "$out"; fi
out=$("$SLOPE" -e "slope.load('$tmp/loop.ck', slope.problem('x^2', { x = 1 }))" 2>&1)
if printf '%s\n' "$out" | grep -qF "is for 3 parameters (w1, w2, b); this problem has 1 (x)"; then ok "slope.load into another problem"
else bad "slope.load into another problem" "$out"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
