# md2man.awk -- docs/c-api.md to the man page slope(3), at build time with
# POSIX awk (no pandoc: nothing new to install).
#
#   awk -v version=0.1.0 -f src/tools/md2man.awk docs/c-api.md > build/slope.3
#
# The markdown is kept to the subset below; anything else is an ordinary
# paragraph line.
#   # name(3) -- what it is     the title: .TH and the NAME section
#   ## Heading                  .SH HEADING
#   ### Heading                 .SS Heading
#   four-space indented lines   a code block (.nf, no filling)
#   | a | b |  rows             a table: one .TP entry per row, the first cell
#                               (two of four or more) as its tag, the others
#                               as "header: cell"
#   - item                      a bullet
#   `code`, **bold**            bold
# Text is escaped for roff: backslashes, and a leading dot or quote.

# roff-safe text: backslash, hyphen-minus, leading control characters
function esc(s) {
  gsub(/\\/, "\\e", s)
  gsub(/-/, "\\-", s)
  if (s ~ /^[.']/) s = "\\&" s
  return s
}

# inline markup of escaped text: `code` and **bold** as bold
function inline(s,    out, i) {
  s = esc(s)
  while (match(s, /\*\*[^*]+\*\*/)) s = substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 2, RLENGTH - 4) "\\fR" substr(s, RSTART + RLENGTH)
  while (match(s, /`[^`]+`/)) s = substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 1, RLENGTH - 2) "\\fR" substr(s, RSTART + RLENGTH)
  return s
}

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

# end whatever block is open before the next one starts
function close_block() {
  if (mode == "code") print ".fi\n.RE"
  mode = ""
}

# the cells of a table row into cell[1..n]
function cells(line,    n, i) {
  line = trim(line)
  sub(/^\|/, "", line)
  sub(/\|$/, "", line)
  n = split(line, cell, "|")
  for (i = 1; i <= n; i++) cell[i] = trim(cell[i])
  return n
}

BEGIN { mode = ""; blank = 1 }

NR == 1 && /^# / {
  t = substr($0, 3)
  name = t; sub(/\(.*/, "", name)
  what = t; sub(/^[^-]*-- */, "", what)
  printf ".TH %s 3 \"\" \"slope %s\" \"slope C API\"\n", toupper(name), version
  print ".nh\n.ad l"   # no hyphenation of identifiers, ragged right
  print ".SH NAME"
  print esc(name) " \\- " esc(what)
  next
}

# a code block: indented by four spaces after a blank line, or continuing one
/^    / && (mode == "code" || blank) {
  if (mode != "code") { close_block(); print ".PP\n.RS 4\n.nf"; mode = "code" }
  if (pending_blank) print ""
  pending_blank = 0
  line = substr($0, 5)
  print esc(line)
  blank = 0
  next
}

/^[ \t]*$/ {
  if (mode == "code") { pending_blank = 1 }
  else if (mode != "") close_block()
  blank = 1
  next
}

{
  if (mode == "code") {
    close_block()
  }
  pending_blank = 0
}

/^## / { close_block(); print ".SH " esc(toupper(substr($0, 4))); blank = 0; next }
/^### / { close_block(); print ".SS " inline(substr($0, 5)); blank = 0; next }

/^\|/ {
  n = cells($0)
  if (mode != "table") { close_block(); mode = "table"; nhead = n; for (i = 1; i <= n; i++) head[i] = cell[i]; next }
  if ($0 ~ /^\|[-| :]+\|$/) next
  # two cells: tag and text; more: the first two as the tag ("adam lr"),
  # the rest labelled with their headers
  first = n > 3 ? 3 : 2
  print ".TP\n" inline(first == 3 ? cell[1] " " cell[2] : cell[1])
  body = ""
  for (i = first; i <= n; i++)
    if (cell[i] != "") body = body (body == "" ? "" : "; ") (n > 2 ? head[i] ": " : "") cell[i]
  print inline(body)
  blank = 0
  next
}

/^- / {
  if (mode != "list") { close_block(); mode = "list" }
  print ".IP \\(bu 2\n" inline(substr($0, 3))
  blank = 0
  next
}

{
  if (mode == "list" && /^  /) { print inline(trim($0)); next }
  if (mode != "para") { close_block(); print ".PP"; mode = "para" }
  print inline(trim($0))
  blank = 0
}

END { close_block() }
