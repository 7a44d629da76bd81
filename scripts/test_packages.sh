#!/usr/bin/env bash
# Before `make test` runs pytest: the Debian packages the tests need (the application's and the tests'
# own: chromium, gettext, poppler-utils), installed if missing. The list and the reasons are in
# scripts/system_packages.sh.
exec bash "$(dirname "$0")/system_packages.sh" test
