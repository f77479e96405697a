#!/usr/bin/env bash
# Gives a Debian bookworm machine without a GPU a WebGPU adapter for Node and for the browser
# test: Mesa's lavapipe (Vulkan on the CPU) from bookworm-backports, since bookworm's own Mesa
# 22.3 is too old for Dawn, and Debian's chromium. Needs root; does nothing when both are there.
set -euo pipefail

mesa_major() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | cut -d. -f1; }

need_mesa=true
if [ "$(mesa_major || true)" -ge 25 ] 2>/dev/null; then need_mesa=false; fi
need_chromium=true
if [ -x /usr/bin/chromium ]; then need_chromium=false; fi

if ! $need_mesa && ! $need_chromium; then
  echo "webgpu setup: Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and chromium already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if $need_mesa && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/backports.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-get update -qq
if $need_mesa; then
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 > /dev/null
fi
if $need_chromium; then
  apt-get install -y -qq chromium > /dev/null
fi
echo "webgpu setup: Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
