# shellcheck shell=bash
# Puts a Node >= 22.14 and the pinned pnpm first on PATH, installing them into ./.toolchain from
# the npm registry when this machine lacks them. Source it (it changes your shell's PATH):
#
#   source scripts/toolchain.sh
#
# Idempotent and quick once installed. Safe to source from bash or zsh; it never exits your shell.
# MCP_STACK_NODE_VERSION / MCP_STACK_PNPM_VERSION override the pinned versions.
#
# npm and pnpm keep this machine's own configuration. npm finds its global npmrc next to the Node
# that runs it (PREFIX/etc/npmrc) and `npm install --prefix DIR` looks in DIR/etc/npmrc, so once
# another Node is on PATH the machine's global npmrc (a registry CA file, a proxy, a mirror) would
# be lost: the one in effect before is exported as npm_config_globalconfig, which npm and pnpm
# both read. The user npmrc and the proxy variables apply as usual. A failed install prints npm's
# own error and what to try.

__mcp_stack_npm_install() {
  # $1: folder, $2: package@version. Quiet when it works; npm's output and a hint when it does not.
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/mcp-stack-toolchain.XXXXXX")" || return 1
  # one quick retry, not npm's default of two with backoff up to a minute each
  if npm install --no-save --no-audit --no-fund \
    --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 \
    --prefix "$1" "$2" >"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  echo "toolchain: could not install $2 from the npm registry ($(npm config get registry 2>/dev/null)). npm said:" >&2
  tail -n 25 "$log" | sed 's/^/  | /' >&2
  cat >&2 <<HINT
toolchain: what to check:
  - can npm reach its registry?  npm view $2 version
  - a proxy or private CA: npm reads HTTPS_PROXY / https-proxy and cafile from your npmrc
    (global: ${npm_config_globalconfig:-none}, user: $(npm config get userconfig 2>/dev/null))
  - or install Node >= 22.14 and pnpm ${pnpm_version:-} yourself, put them on PATH, and source this again
HINT
  rm -f "$log"
  return 1
}

__mcp_stack_toolchain() {
  local root node_version pnpm_version dir major minor current headers
  root="$(cd "$(dirname "${BASH_SOURCE[0]:-${(%):-%x}}")/.." && pwd)" || return 1
  node_version="${MCP_STACK_NODE_VERSION:-24}"
  # keep in step with "packageManager" in package.json
  pnpm_version="${MCP_STACK_PNPM_VERSION:-$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$root/package.json")}"
  dir="$root/.toolchain"

  if ! command -v npm >/dev/null 2>&1; then
    echo "toolchain: npm is not on PATH; install Node.js (any version, with npm) first" >&2
    return 1
  fi
  # the machine's global npmrc, read before any other Node is on PATH (see the top of this file)
  if [ -z "${npm_config_globalconfig:-}" ]; then
    npm_config_globalconfig="$(npm config get globalconfig 2>/dev/null)"
    export npm_config_globalconfig
  fi
  current="$(node --version 2>/dev/null || true)"
  current="${current#v}"
  major="${current%%.*}"
  minor="${current#*.}"; minor="${minor%%.*}"
  if [ -z "$current" ] || [ "$major" -lt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 14 ]; }; then
    if ! "$dir/node/node_modules/node/bin/node" --version >/dev/null 2>&1; then
      echo "toolchain: Node ${current:-none} is older than 22.14; installing node@$node_version into .toolchain/node" >&2
      __mcp_stack_npm_install "$dir/node" "node@$node_version" || return 1
    fi
    PATH="$dir/node/node_modules/node/bin:$PATH"
    # the platform package beside it holds the headers native addons compile against
    for headers in "$dir"/node/node_modules/node/node_modules/node-*-*/; do
      [ -d "$headers/include/node" ] && npm_config_nodedir="${headers%/}"
    done
  fi

  if [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
    if [ ! -x "$dir/pnpm/node_modules/.bin/pnpm" ] || [ "$("$dir/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$pnpm_version" ]; then
      echo "toolchain: installing pnpm@$pnpm_version into .toolchain/pnpm" >&2
      __mcp_stack_npm_install "$dir/pnpm" "pnpm@$pnpm_version" || return 1
    fi
    PATH="$dir/pnpm/node_modules/.bin:$PATH"
  fi
  export PATH
  # native addons (better-sqlite3) build against the headers of the Node that runs them, not a
  # system nodedir left in a user npmrc for an older Node
  if [ -z "${npm_config_nodedir:-}" ] || [ ! -f "$npm_config_nodedir/include/node/node_version.h" ] \
    || ! grep -q "define NODE_MAJOR_VERSION $(node -p 'process.versions.node.split(".")[0]')\$" "$npm_config_nodedir/include/node/node_version.h"; then
    npm_config_nodedir="$(node -p 'require("path").resolve(process.execPath, "../..")')"
  fi
  export npm_config_nodedir
  # no telemetry, and no "update available" offers from pnpm: the version is pinned on purpose
  export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 npm_config_update_notifier=false
  echo "toolchain: node $(node --version) ($(command -v node)), pnpm $(pnpm --version) ($(command -v pnpm))" >&2
}
__mcp_stack_toolchain
