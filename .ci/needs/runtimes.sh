#!/usr/bin/env bash
# Runtimes that tests/test_doctor*.py and tests/runtimes/ drive for real (authlens doctor/env):
# curl, wget, Java (JDK with keytool), Go, PHP with curl, Ruby from Debian; Node 20, 22 and 24
# (old and new minors, to prove the version-aware advice) from the `node` npm package, which
# ships the binaries. Idempotent: a second run installs nothing. Node goes to .cache/node/
# under the repository (ignored by git), or $AUTHLENS_NODE_CACHE.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

packages=(curl wget ca-certificates default-jdk-headless golang-go php-cli php-curl ruby)
# npm may come from elsewhere (NodeSource's nodejs conflicts with Debian's npm): only if absent.
command -v npm >/dev/null || packages+=(npm)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
fi

# The Node versions the tests pin (keep in step with tests/runtimes/nodes.py).
cache="${AUTHLENS_NODE_CACHE:-$PWD/.cache/node}"
for version in 20.20.2 22.20.0 22.21.1 24.4.1 24.5.0; do
    binary="$cache/$version/node_modules/node/bin/node"
    if [ -x "$binary" ] && [ "$("$binary" --version)" = "v$version" ]; then
        continue
    fi
    mkdir -p "$cache/$version"
    npm install --silent --no-audit --no-fund --prefix "$cache/$version" "node@$version"
    [ "$("$binary" --version)" = "v$version" ]
done
