#!/bin/sh
# test_docs.sh -- the README's pictures are the ones 'make docs' draws: the
# images it shows under docs/img/ are exactly the files make docs writes,
# each committed one of the same kind and size as a fresh one; and headless
# Chromium (Debian 'chromium') opens every SVG the picture examples write,
# animated ones too, and its screenshot is not blank.
# Run from the top of the tree: sh tests/test_docs.sh
. tests/check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if out=$(make -s docs DOCS_IMG="$tmp/img" 2>&1); then ok "make docs runs the picture examples"
else bad "make docs runs the picture examples" "$out"; fi

shown=$(sed -n 's/.*](docs\/img\/\([^)]*\)).*/\1/p' README.md | sort)
made=$(ls "$tmp/img" 2>/dev/null | sort)
committed=$(ls docs/img 2>/dev/null | sort)
if [ -n "$shown" ] && [ "$shown" = "$made" ]; then ok "the README shows exactly the pictures make docs draws ($(echo $made | wc -w))"
else bad "the README shows exactly the pictures make docs draws" "README: $shown
make docs: $made"; fi
if [ "$committed" = "$made" ]; then ok "docs/img holds those pictures and no others"
else bad "docs/img holds those pictures and no others" "docs/img: $committed"; fi
for f in $made; do
  # kind, size and frame layout (not the bytes: fonts differ between machines)
  a=$(file -b "$tmp/img/$f" | sed 's/, [0-9]*-bit.*//')
  b=$(file -b "docs/img/$f" 2>/dev/null | sed 's/, [0-9]*-bit.*//')
  if [ "$a" = "$b" ]; then ok "docs/img/$f is what make docs draws ($a)"
  else bad "docs/img/$f is what make docs draws" "fresh: $a
committed: $b"; fi
done

# headless Chromium: each SVG drawn, the screenshot far from a blank page's
if command -v chromium >/dev/null 2>&1; then
  shot() {
    timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=720,560 \
      --screenshot="$2" "file://$1" >/dev/null 2>&1
  }
  printf '<svg xmlns="http://www.w3.org/2000/svg" width="720" height="480"><rect width="720" height="480" fill="white"/></svg>\n' > "$tmp/blank.svg"
  shot "$tmp/blank.svg" "$tmp/blank.png"
  blank=$(wc -c < "$tmp/blank.png" 2>/dev/null || echo 0)
  # every example's SVG: the picture examples' (make docs above) and the others'
  mkdir -p "$tmp/ex"
  for e in examples/*.lua; do
    case " $(sed -n 's/^DOCS_EXAMPLES := //p' Makefile) " in *" $(basename "$e" .lua) "*) continue ;; esac
    build/slope "$e" "$tmp/ex" > /dev/null 2>&1 || bad "$e runs"
  done
  for svg in build/docs/*.svg "$tmp"/ex/*.svg; do
    case $svg in /*) ;; *) svg="$PWD/$svg" ;; esac
    name=$(basename "$svg" .svg)
    rm -f "$tmp/$name.png"
    shot "$svg" "$tmp/$name.png"
    size=$(wc -c < "$tmp/$name.png" 2>/dev/null || echo 0)
    if [ "$blank" -gt 0 ] && [ "$size" -gt $((blank * 4)) ]; then ok "chromium draws $name.svg ($size bytes of PNG, blank $blank)"
    else bad "chromium draws $name.svg" "screenshot $size bytes, a blank page $blank"; fi
  done
  # the animated SVG plays: the point is elsewhere after a second and a half of (virtual) time
  svg="$PWD/build/docs/gradient_descent_1d.svg"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=720,480 \
    --virtual-time-budget=1500 --screenshot="$tmp/later.png" "file://$svg" >/dev/null 2>&1
  shot "$svg" "$tmp/first.png"
  if [ -s "$tmp/later.png" ] && [ -s "$tmp/first.png" ] && ! cmp -s "$tmp/first.png" "$tmp/later.png"
  then ok "chromium plays the animated SVG (the picture changes with time)"
  else bad "chromium plays the animated SVG" "$(ls -l "$tmp/first.png" "$tmp/later.png" 2>&1)"; fi
else
  note "headless chromium: not installed (apt-get install chromium)"
fi
checks_done
