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

# The newest Python the machine has: schemathesis under CPython 3.11 now and then stops with
# "SystemError: AST constructor recursion depth mismatch" (a bug of 3.11's ast module, hit by
# hypothesis while it describes a filter) — a failure of the tool, not of the server.
python=python3
for candidate in python3.13 python3.12 "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3 \
                 "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3; do
    if "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
wanted=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -x .venv/bin/python ] &&
   [ "$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$wanted" ]; then
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# Install unless every pinned requirement is already there, at its version.
if comm -23 <(grep -v '^#' requirements.txt | sort) <(.venv/bin/pip freeze 2>/dev/null | sort) | grep -q .; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi
echo "tests/clients tools: Python $(.venv/bin/python --version | cut -d' ' -f2), $(.venv/bin/openapi-python-client --version 2>/dev/null | tail -n 1)," \
     "schemathesis $(.venv/bin/st --version 2>/dev/null | awk '{print $NF}')," \
     "openapi-typescript $(node_modules/.bin/openapi-typescript --version 2>/dev/null)"
