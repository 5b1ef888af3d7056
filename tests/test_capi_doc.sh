#!/bin/sh
# test_capi_doc.sh -- docs/c-api.md (the C reference, slope(3)) documents
# exactly the API that src/slope.h declares.
#
#   - every function slope.h declares appears in docs/c-api.md as a heading
#     ("### slope_name") or as "slope_name(" in an indented signature line;
#   - every public type (typedef or struct slope_*) and every SLOPE_ constant
#     (enumerators and macros) appears in it as a word;
#   - docs/c-api.md calls no slope_ function ("slope_name(") and titles no
#     heading with a slope_ name that slope.h does not declare;
#   - build/slope.3, rendered from it, renders with man (or groff) without a
#     warning.
# A failure lists the names concerned, one a line.  CAPI_HEADER and CAPI_DOC
# name other files to check (to try the test itself).  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
h=${CAPI_HEADER:-src/slope.h} doc=${CAPI_DOC:-docs/c-api.md} page=build/slope.3

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed '/^$/d; s/^/     | /'; fi
}

# slope.h without its comments (they mention functions in passing)
code=$(awk '{
  line = $0; out = ""
  while (line != "") {
    if (incomment) {
      i = index(line, "*/"); if (!i) { line = ""; break }
      line = substr(line, i + 2); incomment = 0
    } else {
      i = index(line, "/*"); if (!i) { out = out line; line = ""; break }
      out = out substr(line, 1, i - 1); line = substr(line, i + 2); incomment = 1
    }
  }
  print out
}' "$h")

# functions: "slope_name(" (and luaopen_slope) after a type, not "(*name)" members
functions=$(printf '%s\n' "$code" | grep -oE '[A-Za-z0-9_*]+[ *]+(slope_[a-z0-9_]+|luaopen_slope)\(' |
  grep -oE '(slope_[a-z0-9_]+|luaopen_slope)\(' | tr -d '(' | sort -u)
types=$(printf '%s\n' "$code" | grep -oE '(typedef [^;]*[ *]slope_[a-z0-9_]+;|struct slope_[a-z0-9_]+|\} slope_[a-z0-9_]+;)' |
  grep -oE 'slope_[a-z0-9_]+' | sort -u)
constants=$(printf '%s\n' "$code" | grep -oE '\bSLOPE_[A-Z0-9_]+\b' | grep -vx 'SLOPE_H' | sort -u)
nf=$(printf '%s\n' "$functions" | grep -c .)
if [ "$nf" -ge 100 ]; then ok "slope.h declares $nf functions"
else bad "slope.h declares only $nf functions: the extraction is broken" "$functions"; fi

# the signature lines and headings of the reference
signatures=$(grep -E '^    ' "$doc")
headings=$(grep -E '^#{1,3} ' "$doc")
missing=
for f in $functions; do
  if printf '%s\n' "$signatures" | grep -qF "$f(" || printf '%s\n' "$headings" | grep -qE "[ \`]$f([ \`]|\$)"
  then :; else missing="$missing$f
"; fi
done
if [ -z "$missing" ]; then ok "docs/c-api.md documents every function of slope.h ($nf)"
else bad "docs/c-api.md lacks a heading or signature line for these functions of slope.h" "$missing"; fi

missing=
for t in $types $constants; do
  grep -qE "(^|[^A-Za-z0-9_])$t([^A-Za-z0-9_]|\$)" "$doc" || missing="$missing$t
"
done
nt=$(printf '%s\n' "$types" "$constants" | grep -c .)
if [ -z "$missing" ]; then ok "docs/c-api.md names every public type and constant of slope.h ($nt)"
else bad "docs/c-api.md does not name these types or constants of slope.h" "$missing"; fi

# no function the header does not have: called anywhere, or as a heading
used=$( { grep -oE '\bslope_[a-z0-9_]+\(' "$doc" | tr -d '('
  printf '%s\n' "$headings" | grep -oE '\bslope_[a-z0-9_]+\b'; } | sort -u)
unknown=
for f in $used; do
  printf '%s\n' "$functions" "$types" | grep -qx "$f" || unknown="$unknown$f
"
done
if [ -z "$unknown" ]; then ok "docs/c-api.md names no slope_ function that slope.h does not declare"
else bad "docs/c-api.md names slope_ functions that slope.h does not declare" "$unknown"; fi

# the rendered page
if [ ! -s "$page" ]; then
  bad "$page is missing: run make"
elif command -v man >/dev/null 2>&1; then
  err=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  text=$(LC_ALL=C MANWIDTH=80 man -l "$page" 2>/dev/null)
  if [ -z "$err" ] && printf '%s\n' "$text" | grep -q 'slope_tape_grad(slope_tape \*T'
  then ok "man -l $page renders without warnings"
  else bad "man -l $page" "$err"; fi
elif command -v groff >/dev/null 2>&1; then
  if err=$(groff -man -Tutf8 -ww -z "$page" 2>&1) && [ -z "$err" ]; then ok "groff renders $page without warnings"
  else bad "groff $page" "$err"; fi
else
  echo "skip neither man nor groff is installed: $page was not rendered"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
