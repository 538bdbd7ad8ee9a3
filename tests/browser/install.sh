#!/usr/bin/env bash
# Installs what the browser tests need (idempotent): Debian's chromium, node and npm, and the
# npm packages of tests/browser (playwright-core, qrcode-generator) from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
echo "browser tests: $(/usr/bin/chromium --version), node $(node --version), playwright-core $(node -p "require('./node_modules/playwright-core/package.json').version")"
