#!/usr/bin/env bash
# The Debian packages Opora needs, installed if missing: `system_packages.sh run` before `make run`,
# `system_packages.sh test` (scripts/test_packages.sh) before `make test` runs pytest.
#   run:  libpango-1.0-0, libpangoft2-1.0-0   WeasyPrint lays out the printable PDFs with Pango
#         libharfbuzz-subset0                 WeasyPrint embeds only the letters a PDF uses (font subsetting)
#         fonts-dejavu-core                   DejaVu Sans, the Cyrillic font the PDFs embed (cases/printing.py)
#   test: all of the above, and
#         chromium       the browser tests (tests/browser/) drive it; without it they fail half-way through the run
#         gettext        xgettext and msgmerge for the catalogue check (tests/test_translations.py runs makemessages),
#                        which is otherwise skipped without a word
#         poppler-utils  pdftotext and pdffonts read the PDFs back in the tests (cases/tests/test_route_pdf.py)
# Installs with apt-get as root, or through sudo; if neither works, says in one line how, and fails.
set -uo pipefail

what=${1:-test}
chromium=${OPORA_CHROMIUM:-/usr/bin/chromium}  # the same variable tests/browser/conftest.py reads
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf  # cases/printing.py: FONT_DIR

# The linker's cache, read whole into a variable: piping `ldconfig -p` into `grep -q` under pipefail
# fails now and then with a library that is there (grep stops at the first match, ldconfig dies of
# SIGPIPE, the pipeline reports 141); CI once refused to run the tests for it.
libraries=""
has_library() {
  grep -qF "$1" <<<"$libraries"
}

missing() {
  libraries=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null)
  has_library libpango-1.0.so.0 || echo libpango-1.0-0
  has_library libpangoft2-1.0.so.0 || echo libpangoft2-1.0-0
  has_library libharfbuzz-subset.so.0 || echo libharfbuzz-subset0
  [ -f "$font" ] || echo fonts-dejavu-core
  if [ "$what" = test ]; then
    command -v "$chromium" >/dev/null 2>&1 || echo chromium
    command -v xgettext >/dev/null 2>&1 || echo gettext
    command -v pdftotext >/dev/null 2>&1 || echo poppler-utils
  fi
}

case "$what" in
  run) purpose="Opora" ;;
  test) purpose="The tests" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

packages=$(missing | tr '\n' ' ')
packages=${packages% }
[ -z "$packages" ] && exit 0

give_up() {
  echo "$purpose need Debian's $packages, which could not be installed ($1): run \`apt-get install $packages\` as root and try again." >&2
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

echo "Installing $packages for ${purpose,,} (apt-get)..."
log=$(mktemp "${TMPDIR:-/tmp}/opora-apt.XXXXXX")
# shellcheck disable=SC2086  # $packages is a list of package names
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages; } >"$log" 2>&1; then
  give_up "apt-get failed, see $log"
fi
rm -f "$log"

packages=$(missing | tr '\n' ' ')
packages=${packages% }
[ -z "$packages" ] || give_up "apt-get ran, but they are still not there"
