#!/bin/sh
# test_plot_repl.sh -- at the prompt a PNG, PDF or GIF plot shows as a
# one-line summary naming its file (the plot returns the file's name), never
# a page of SVG text.  Run from the top of the tree: sh tests/test_plot_repl.sh
. tests/check.sh
S=${SLOPE:-build/slope}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$S" -e 'assert(require("slope.plot.raster").available())' >/dev/null 2>&1; then
  note "REPL plots as PNG: this slope has no cairo"
elif ! command -v script >/dev/null 2>&1; then
  note "REPL plots as PNG: no 'script' to give the REPL a terminal"
else
  out=$(printf '%s\n' "slope.plot.curve{ series = { 3, 1, 2 }, file = '$tmp/p.png' }" \
          "slope.plot.fn1d{ f = 'x^2', range = { -1, 1 }, file = '$tmp/p.pdf' }" |
        TERM=dumb LC_ALL=C.UTF-8 HOME="$tmp" timeout 60 script -qfec "exec $S" /dev/null 2>&1 | tr -d '\r')
  for f in p.png p.pdf; do
    if printf '%s\n' "$out" | grep -qF "<plot: $tmp/$f>" && [ -s "$tmp/$f" ]; then ok "REPL: a $f plot shows as <plot: file>"
    else bad "REPL: a $f plot shows as <plot: file>" "$out"; fi
  done
  if printf '%s\n' "$out" | grep -q '<svg'; then bad "REPL: no SVG text echoed" "$out"; else ok "REPL: no SVG text echoed"; fi
fi
checks_done
