#!/bin/sh
# test_sweep.sh -- a sweep as a job array runs it: 'slope --trial N' (and
# SLOPE_TRIAL=N) runs trial N alone into OUT/trials/N.json, 'slope merge OUT'
# joins them, and the joined trials.jsonl holds the same records as the
# sweep run in worker processes (timings and worker numbers aside).
. tests/check.sh
S=${SLOPE:-build/slope}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/sweep.lua" <<LUA
local out = ...
local res = slope.sweep{ grid = { lr = { 0.05, 0.2 } }, seeds = { 1, 2, 3 }, out = out, progress = false,
  run = function(cfg, seed)
    if seed == 3 and cfg.lr == 0.2 then error("no lr 0.2 with seed 3") end
    local r = slope.minimize("(x - 3)^2 + (y + 1)^2", { x = seed, y = 0 }, { lr = cfg.lr, steps = 20 })
    return { f = r.f, x = r.x.x }
  end }
print(#res, res[1].status)
LUA
# the records without wall_s and worker, one per line, sorted by trial
strip() { sed -e 's/,"wall_s":[^,]*,"worker":[0-9]*}$/}/' "$1" | sort; }

check "the sweep in worker processes" $S "$tmp/sweep.lua" "$tmp/forked"
for n in 1 2 3; do check "slope --trial $n" $S --trial $n "$tmp/sweep.lua" "$tmp/array"; done
for n in 4 5 6; do check "SLOPE_TRIAL=$n" env SLOPE_TRIAL=$n $S "$tmp/sweep.lua" "$tmp/array"; done
out=$(ls "$tmp/array/trials" | sort -n | tr '\n' ' ')
if [ "$out" = "1.json 2.json 3.json 4.json 5.json 6.json " ]; then ok "one file per trial"; else bad "trial files" "$out"; fi
out=$($S --trial 1 "$tmp/sweep.lua" "$tmp/one")
has "$out" "1	ok" "--trial: the sweep returns that trial alone"
out=$($S merge "$tmp/array" 2>&1)
has "$out" "slope.SweepResult(6 trials, 1 failed, in $tmp/array): $tmp/array/trials.jsonl and summary.csv written" "slope merge says what it joined"
if [ "$(strip "$tmp/array/trials.jsonl")" = "$(strip "$tmp/forked/trials.jsonl")" ] && [ -s "$tmp/array/trials.jsonl" ]; then
  ok "merged trials.jsonl = the forked sweep's"
else bad "merged trials.jsonl differs" "$(strip "$tmp/array/trials.jsonl"; echo ---; strip "$tmp/forked/trials.jsonl")"; fi
if [ "$(cut -d, -f1-6 "$tmp/array/summary.csv")" = "$(cut -d, -f1-6 "$tmp/forked/summary.csv")" ]; then
  ok "merged summary.csv = the forked sweep's"
else bad "summary.csv differs" "$(cat "$tmp/array/summary.csv" "$tmp/forked/summary.csv")"; fi
out=$($S --trial 7 "$tmp/sweep.lua" "$tmp/array" 2>&1)
case $out in *"SLOPE_TRIAL=7: this sweep has trials 1 to 6"*) ok "--trial past the last trial";; *) bad "--trial 7" "$out";; esac
out=$($S --trial x "$tmp/sweep.lua" 2>&1)
case $out in *"'--trial' needs a trial number >= 1"*) ok "--trial x";; *) bad "--trial x" "$out";; esac
out=$($S merge "$tmp/nothing" 2>&1)
case $out in *"no trials in '$tmp/nothing'"*) ok "merge of an empty folder";; *) bad "merge nothing" "$out";; esac
out=$($S merge 2>&1)
case $out in *"usage: slope merge OUT"*) ok "merge without a folder";; *) bad "merge usage" "$out";; esac

# ---- a sweep interrupted (Ctrl-C) after two trials, then run again -------------------------
cat > "$tmp/slow.lua" <<'LUA'
local out, calls = ...
local res = slope.sweep{ seeds = { 1, 2, 3, 4, 5, 6, 7, 8 }, workers = 1, out = out, progress = false,
  run = function(_, seed)
    local f = io.open(calls, "a"); f:write(seed, "\n"); f:close()
    local t0 = os.clock()
    while os.clock() - t0 < 0.15 do end
    return { s = 2 * seed }
  end }
local sum = 0
for _, t in ipairs(res) do sum = sum + t.metrics.s end
print(#res, sum)
LUA
$S "$tmp/slow.lua" "$tmp/slow" "$tmp/calls1" > /dev/null 2>&1 &
pid=$!
i=0
while [ "$(cat "$tmp/slow/trials.jsonl" 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $pid 2>/dev/null
wait $pid 2>/dev/null
done_before=$(wc -l < "$tmp/slow/trials.jsonl")
if [ "$done_before" -ge 2 ] && [ "$done_before" -lt 8 ]; then ok "interrupted after $done_before of 8 trials"
else bad "the interruption came at $done_before of 8 trials"; fi
out=$($S "$tmp/slow.lua" "$tmp/slow" "$tmp/calls2" 2>&1)
has "$out" "8	72" "the resumed sweep has every trial (sum of 2 x seed = 72)"
ran=$(wc -l < "$tmp/calls2")
[ "$ran" -eq $((8 - done_before)) ] && ok "it ran only the $ran trials not recorded" || bad "it ran $ran trials after $done_before were recorded"
[ "$(wc -l < "$tmp/slow/trials.jsonl")" -eq 8 ] && ok "trials.jsonl: 8 lines" || bad "trials.jsonl" "$(cat "$tmp/slow/trials.jsonl")"
checks_done
