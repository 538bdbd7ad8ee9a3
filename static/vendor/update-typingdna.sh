#!/usr/bin/env bash
# Copies TypingDNA's JavaScript recorder (v3.1, Apache-2.0, licence header kept) from the npm
# registry into static/vendor/typingdna.js (committed: the pages load it from this server,
# never from typingdna.com). Usage: ./update-typingdna.sh [VERSION]
set -euo pipefail
version="${1:-1.0.1}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "typingdna-recorder@$version" >/dev/null)
tar -xzf "$work"/typingdna-recorder-*.tgz -C "$work"
grep -q 'Licensed under the Apache License, Version 2.0' "$work/package/dist/typingdna.js" \
    || { echo "typingdna-recorder $version: the Apache-2.0 header is missing" >&2; exit 1; }
cp "$work/package/dist/typingdna.js" "$here/typingdna.js"
echo "vendored typingdna-recorder $version ($(grep -o '@version [0-9.]*' "$here/typingdna.js"), $(wc -c <"$here/typingdna.js") bytes)"
