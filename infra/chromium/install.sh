#!/usr/bin/env bash
# Installs Debian's Chromium for the admin web app's browser tests (test/web/*.e2e.test.ts drive
# /usr/bin/chromium with playwright-core, which downloads no browser of its own). Idempotent: does nothing
# when /usr/bin/chromium is there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"
exclusive "$0" "$@"

[ -x /usr/bin/chromium ] || apt_install chromium
[ -x /usr/bin/chromium ] || die "chromium installed, but /usr/bin/chromium is missing"
ready chromium "/usr/bin/chromium ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
