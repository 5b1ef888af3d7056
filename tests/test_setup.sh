#!/bin/sh
# test_setup.sh -- the README's two set-up commands work as written, both
# for a user with sudo and for root on a machine without sudo (a fresh
# container).  Each command runs with stand-ins for sudo, apt-get and make
# first on PATH, which record how they were called, so nothing is installed.
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; [ -n "$2" ] && printf '     %s\n' "$2"; failed=$((failed + 1)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slope-setup.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# the indented command lines under "## Set up"
commands=$(sed -n '/^## Set up/,/^## /p' README.md | sed -n 's/^    \(.*make [a-z]*\)$/\1/p')
count=$(printf '%s\n' "$commands" | grep -c 'make ')
if [ "$count" = 2 ]; then ok "the README has two set-up commands"
else bad "the README should have two set-up commands, found $count" "$commands"; fi

# stand-ins: each appends its name and arguments to the log
stub() {
  printf '#!/bin/sh\necho "%s $*" >> "%s/log"\n' "$1" "$tmp" > "$2/$1"
  chmod +x "$2/$1"
}
mkdir -p "$tmp/with_sudo" "$tmp/as_root"
for tool in apt-get make; do stub "$tool" "$tmp/with_sudo"; stub "$tool" "$tmp/as_root"; done
stub sudo "$tmp/with_sudo"

printf '%s\n' "$commands" | while IFS= read -r line; do
  target=$(printf '%s' "$line" | sed 's/.*make \([a-z]*\)$/\1/')
  for setting in with_sudo as_root; do
    : > "$tmp/log"
    # only the stand-ins are on PATH: no real sudo, apt-get or make is reached
    if PATH="$tmp/$setting" /bin/sh -c "$line" > "$tmp/out" 2>&1; then
      log=$(cat "$tmp/log")
      case $setting in
        with_sudo) want_update="sudo apt-get update"; want_install="sudo apt-get install -y build-essential" ;;
        as_root) want_update="apt-get update"; want_install="apt-get install -y build-essential" ;;
      esac
      first=$(sed -n 1p "$tmp/log")
      if [ "$first" = "$want_update" ] && grep -q "^$want_install" "$tmp/log" &&
         [ "$(tail -n 1 "$tmp/log")" = "make $target" ]; then
        ok "make $target: $setting runs '$want_update', then installs, then make $target"
      else bad "make $target: $setting" "$log"; fi
    else bad "make $target: $setting fails" "$(cat "$tmp/out")"; fi
  done
done > "$tmp/results"
cat "$tmp/results"
passed=$((passed + $(grep -c '^ok' "$tmp/results")))
failed=$((failed + $(grep -c '^FAIL' "$tmp/results")))
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
