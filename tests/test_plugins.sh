#!/bin/sh
# test_plugins.sh -- the slope program's plugins (lua_plugin.c): a plain
# start maps neither cairo nor Open MPI; the first PNG opens slope-render.so
# from beside the program and writes the picture; a slope copied away from
# its plugins still draws SVG and names the missing plugin for a PNG, writing
# nothing.  (A missing slope-mpi.so under mpirun: tests/test_mpi.sh; the
# installed tree's lib/slope: tests/test_embed.sh.)
. tests/check.sh
S=${SLOPE:-build/slope}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the shared libraries mapped into the process that runs the code after the drawing
maps='for l in io.lines("/proc/self/maps") do
  local lib = l:match("/(lib[%w_-]+)%.so") if lib == "libcairo" or lib == "libmpi" then print(lib) end end'

out=$($S -e "$maps" 2>&1)
if [ -z "$out" ]; then ok "a plain start maps neither cairo nor Open MPI"
else bad "a plain start maps cairo or Open MPI" "$out"; fi

if [ ! -f build/slope-render.so ]; then
  note "picture plugin: this slope was built without cairo and giflib"
  checks_done; exit $?
fi

out=$(cd "$tmp" && "$OLDPWD/$S" -e "slope.plot.fn1d{ f = 'x^2', range = {-1, 1}, file = 'b.png' } $maps" 2>&1)
has "$out" "libcairo" "the first PNG opens the picture plugin (cairo is mapped after it)"
size=$(png_size "$tmp/b.png")
[ "$size" = 720x480 ] && ok "with slope-render.so beside it: a 720x480 PNG" || bad "a PNG: got '$size'" "$out"

mkdir "$tmp/lone" && cp "$S" "$tmp/lone/slope"
out=$(cd "$tmp" && lone/slope -e "print(slope.plot.fn1d{ f = 'x^2', range = {-1, 1}, file = 'a.svg' } ~= nil)
  slope.plot.fn1d{ f = 'x^2', range = {-1, 1}, file = 'a.png' }" 2>&1); rc=$?
has "$out" "true" "without slope-render.so: SVG is drawn"
case $out in
  *"PNG, PDF and GIF files need slope's picture plugin, and slope-render.so is neither next to the program"*"make install"*)
    if [ $rc -ne 0 ] && [ ! -e "$tmp/a.png" ]; then ok "without slope-render.so: a PNG is an error naming the plugin, no file"
    else bad "without slope-render.so: status $rc, or a PNG was written" "$out"; fi ;;
  *) bad "without slope-render.so: a PNG" "$out" ;;
esac
checks_done
