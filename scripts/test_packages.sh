#!/usr/bin/env bash
# Before `make test` runs pytest: the Debian packages the tests need, installed if missing.
#   chromium  the browser tests (tests/browser/) drive it; without it they fail half-way through the run.
#   gettext   xgettext and msgmerge for the catalogue check (tests/test_translations.py runs makemessages),
#             which is otherwise skipped without a word.
# Installs with apt-get as root, or through sudo; if neither works, says in one line how, and fails.
set -uo pipefail

chromium=${OPORA_CHROMIUM:-/usr/bin/chromium}  # the same variable tests/browser/conftest.py reads

missing() {
  command -v "$chromium" >/dev/null 2>&1 || echo chromium
  command -v xgettext >/dev/null 2>&1 || echo gettext
}

packages=$(missing | tr '\n' ' ')
packages=${packages% }
[ -z "$packages" ] && exit 0

give_up() {
  echo "The tests need Debian's $packages, which could not be installed ($1): run \`apt-get install $packages\` as root and try again." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || give_up "no apt-get here"
if [ "$(id -u)" = 0 ]; then
  as_root=(env)
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo env)  # sudo may ask for the password; env carries DEBIAN_FRONTEND past its env_reset
else
  give_up "not root and no sudo"
fi

echo "Installing $packages for the tests (apt-get)..."
log=$(mktemp "${TMPDIR:-/tmp}/opora-apt.XXXXXX")
# shellcheck disable=SC2086  # $packages is a list of package names
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages; } >"$log" 2>&1; then
  give_up "apt-get failed, see $log"
fi
rm -f "$log"

packages=$(missing | tr '\n' ' ')
packages=${packages% }
[ -z "$packages" ] || give_up "apt-get ran, but $chromium is still not there"
