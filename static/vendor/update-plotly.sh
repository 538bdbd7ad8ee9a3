#!/usr/bin/env bash
# Copies Plotly's prebuilt bundle from the npm registry into static/vendor/plotly.min.js
# (committed, so the server needs neither npm nor a CDN). Usage: ./update-plotly.sh [VERSION]
set -euo pipefail
version="${1:-4.1.2}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-dist-min@$version" >/dev/null)
tar -xzf "$work"/plotly.js-dist-min-*.tgz -C "$work"
cp "$work/package/plotly.min.js" "$here/plotly.min.js"
echo "vendored plotly.js-dist-min $version ($(wc -c <"$here/plotly.min.js") bytes)"
