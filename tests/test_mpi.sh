#!/bin/sh
# test_mpi.sh -- the same scripts under mpirun on one host (--oversubscribe):
# a 4-rank sweep writes the same trials.jsonl as a one-process sweep (order,
# timings and worker numbers aside) while one trial raises an error, and
# every rank returns the same result; 2- and 4-rank distributed runs (full
# batch and shuffled mini-batches) match the one-process run to 1e-12 with
# the same parameters on every rank; a script error on the ranks ends the
# job instead of hanging it.  Also: a slope built without MPI, or one whose
# MPI plugin (slope-mpi.so) is missing, refuses an mpirun launch and says
# what to do.  Skipped where there is no mpirun or
# slope was built without MPI.
. tests/check.sh
S=${SLOPE:-build/slope}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# ---- a slope without MPI, started as if by mpirun --------------------------------
if [ -f build/main.o ] && [ -f build/repl.o ]; then
  lua_a=$(pkg-config --variable=libdir lua5.4)/liblua5.4.a
  [ -f "$lua_a" ] && lua_libs="-rdynamic $lua_a -ldl" || lua_libs=$(pkg-config --libs lua5.4)
  lua_objs=$(ls src/lua_*.c | sed 's|^src/\(.*\)\.c$|build/\1.o|')
  if cc -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc $(pkg-config --cflags lua5.4) -c -o "$tmp/mpi.o" src/mpi.c &&
     cc -o "$tmp/slope-nompi" build/main.o build/repl.o "$tmp/mpi.o" $lua_objs build/gen/lua_embedded.o \
        build/libslope_core.a -pthread $lua_libs -ledit -lm 2>"$tmp/err"; then
    out=$(OMPI_COMM_WORLD_SIZE=4 "$tmp/slope-nompi" -e 'print("ran")' 2>&1); rc=$?
    case $out in
      *"started as one of 4 MPI ranks (mpirun or srun), but this slope was built without MPI"*"Install Open MPI"*)
        [ $rc -eq 1 ] && ok "without MPI: an mpirun launch is refused, saying what to do" || bad "without MPI: status $rc" "$out" ;;
      *) bad "without MPI: an mpirun launch" "$out" ;;
    esac
    has "$(OMPI_COMM_WORLD_SIZE=1 "$tmp/slope-nompi" -e 'print("ran")' 2>&1)" "ran" "without MPI: one rank runs as usual"
    case $("$tmp/slope-nompi" -v) in *", without MPI)") ok "without MPI: -v says so" ;; *) bad "without MPI: -v" ;; esac
  else bad "a slope without MPI does not link" "$(cat "$tmp/err")"; fi
fi

# ---- a slope with MPI whose plugin is missing (copied alone) ----------------------------
if $S -v | grep -q "with MPI"; then
  mkdir "$tmp/lone" && cp "$S" "$tmp/lone/slope"
  out=$(OMPI_COMM_WORLD_SIZE=4 "$tmp/lone/slope" -e 'print("ran")' 2>&1); rc=$?
  case $out in
    *"started as one of 4 MPI ranks (mpirun or srun), but its MPI part is missing"*"slope-mpi.so is neither next to the program"*)
      [ $rc -eq 1 ] && ok "no slope-mpi.so: an mpirun launch is refused, naming the plugin" || bad "no plugin: status $rc" "$out" ;;
    *) bad "no slope-mpi.so: an mpirun launch" "$out" ;;
  esac
  has "$("$tmp/lone/slope" -e 'print("ran")' 2>&1)" "ran" "no slope-mpi.so: a plain start runs as usual"
fi

if ! command -v mpirun >/dev/null 2>&1 || ! $S -v | grep -q "with MPI"; then
  note "mpirun tests: no mpirun, or $S was built without MPI"
  checks_done
  exit $?
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
MPIRUN="timeout 300 mpirun --oversubscribe"

# ---- a sweep over 4 ranks ---------------------------------------------------------------
cat > "$tmp/sweep.lua" <<'LUA'
local out = ...
local res = slope.sweep{ grid = { lr = { 0.05, 0.1, 0.2 }, steps = { 5, 20 } }, seeds = { 1, 2 }, out = out,
  progress = false, workers = 2,
  run = function(cfg, seed)
    if seed == 2 and cfg.lr == 0.1 and cfg.steps == 5 then error("this trial fails on purpose") end
    local r = slope.minimize("(x - 3)^2 + 0.5*(y - x)^2", { x = seed, y = 0 }, { lr = cfg.lr, steps = cfg.steps })
    return { f = r.f, x = r.x.x }
  end }
local s = 0
for _, t in ipairs(res) do s = s + (t.metrics.f or 0) + t.trial * (t.status == "ok" and 1 or 1000) end
print(("result: %d trials, digest %.17g, best trial %d"):format(#res, s, res:best("f").trial))
LUA
strip() { sed -e 's/,"wall_s":[^,]*,"worker":[0-9]*}$/}/' "$1" | sort; }
one=$($S "$tmp/sweep.lua" "$tmp/one" 2>&1)
four=$($MPIRUN -n 4 $S "$tmp/sweep.lua" "$tmp/four" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "mpirun -n 4: the sweep ends (one trial raising an error)" || bad "mpirun -n 4 sweep: status $rc" "$four"
if [ "$(strip "$tmp/four/trials.jsonl")" = "$(strip "$tmp/one/trials.jsonl")" ] && [ "$(wc -l < "$tmp/four/trials.jsonl")" -eq 12 ]; then
  ok "4 ranks: the same trials.jsonl as one process"
else bad "4 ranks: trials.jsonl differs" "$(strip "$tmp/four/trials.jsonl"; echo ---; strip "$tmp/one/trials.jsonl")"; fi
grep -q '"status":"failed"' "$tmp/four/trials.jsonl" && ok "the failing trial is recorded as failed" || bad "no failed trial" "$(cat "$tmp/four/trials.jsonl")"
n=$(printf '%s\n' "$four" | grep -c "^$(printf '%s\n' "$one" | grep '^result:')\$")
[ "$n" -eq 4 ] && ok "every rank returns the same result as one process" || bad "ranks' results" "$one
---
$four"
cmp -s "$tmp/four/summary.csv" "$tmp/four/summary.csv" && [ "$(cut -d, -f1-6 "$tmp/four/summary.csv")" = "$(cut -d, -f1-6 "$tmp/one/summary.csv")" ] \
  && ok "4 ranks: the same summary.csv" || bad "summary.csv differs" "$(cat "$tmp/four/summary.csv" "$tmp/one/summary.csv")"
again=$($MPIRUN -n 2 $S "$tmp/sweep.lua" "$tmp/four" 2>&1)
[ "$(wc -l < "$tmp/four/trials.jsonl")" -eq 12 ] && ok "a finished sweep under mpirun runs nothing again" || bad "rerun" "$again"

# ---- distributed runs ------------------------------------------------------------------------
cat > "$tmp/dist.lua" <<'LUA'
local d = slope.data.regression{ n = 30001, w = { 1.5, -2 }, b = 0.3, noise = 0.5, seed = 5 }
local f = "mean((w1*x1 + w2*x2 + b - y)^2) + 0.001*w1^2"
local r = slope.minimize(f, { w1 = 0, w2 = 0, b = 0 }, { data = d, steps = 40, distributed = true,
  optimizer = slope.optim.adam{ lr = 0.1 } })
print(("full %.17g %.17g %.17g %.17g"):format(r.f, r.x.w1, r.x.w2, r.x.b))
r = slope.minimize(f, { w1 = 0, w2 = 0, b = 0 }, { data = d, epochs = 3, batch = 1000, shuffle = true, seed = 3,
  distributed = true, optimizer = slope.optim.sgd{ lr = 0.05, momentum = 0.9 } })
print(("batch %.17g %.17g %.17g %.17g"):format(r.f, r.x.w1, r.x.w2, r.x.b))
LUA
ref=$($S "$tmp/dist.lua" 2>&1)
for n in 2 4; do
  out=$($MPIRUN -n $n $S "$tmp/dist.lua" 2>&1)
  for kind in full batch; do
    lines=$(printf '%s\n' "$out" | grep "^$kind " | sort -u)
    count=$(printf '%s\n' "$out" | grep -c "^$kind ")
    if [ "$count" -eq $n ] && [ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ]; then ok "$n ranks, $kind: every rank has the same parameters"
    else bad "$n ranks, $kind: ranks differ" "$out"; fi
    want=$(printf '%s\n' "$ref" | grep "^$kind ")
    if printf '%s\n%s\n' "$want" "$(printf '%s\n' "$lines" | head -n 1)" | awk '
         NR == 1 { for (i = 2; i <= NF; i++) a[i] = $i; next }
         { for (i = 2; i <= NF; i++) { d = a[i] - $i; if (d < 0) d = -d; s = a[i] < 0 ? -a[i] : a[i]; if (s < 1) s = 1;
             if (d > 1e-12 * s) bad = 1 } }
         END { exit bad }'; then ok "$n ranks, $kind: the one-process run to 1e-12"
    else bad "$n ranks, $kind: differs from one process" "$want
$lines"; fi
  done
done

# ---- an error on the ranks ends the job ---------------------------------------------------------
out=$($MPIRUN -n 2 $S -e 'error("stop here")' 2>&1); rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && printf '%s' "$out" | grep -q "stop here"; then ok "a script error ends the job (status $rc), no hang"
else bad "script error under mpirun: status $rc" "$out"; fi
checks_done
