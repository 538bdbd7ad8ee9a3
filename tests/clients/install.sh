#!/usr/bin/env bash
# Installs the tools of tests/clients (idempotent): a Python virtual environment with the
# pinned PyPI tools of requirements.txt, and the npm packages of package-lock.json.
# Everything comes from the package registries (Debian apt, PyPI, npm).
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Install unless every pinned requirement is already there, at its version.
if comm -23 <(grep -v '^#' requirements.txt | sort) <(.venv/bin/pip freeze 2>/dev/null | sort) | grep -q .; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi
echo "tests/clients tools: $(.venv/bin/openapi-python-client --version 2>/dev/null | tail -n 1)," \
     "schemathesis $(.venv/bin/st --version 2>/dev/null | awk '{print $NF}')," \
     "openapi-typescript $(node_modules/.bin/openapi-typescript --version 2>/dev/null)"
