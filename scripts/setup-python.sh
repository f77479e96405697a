#!/usr/bin/env bash
# Gives a Debian bookworm machine the engines the export tests run xent's exported losses on: PyTorch 1.13
# (python3-torch) and the ONNX checker (python3-onnx 1.12), both Debian packages for /usr/bin/python3 (a pyenv
# `python3` cannot see them). Needs root; does nothing when both import.
set -euo pipefail

if /usr/bin/python3 -c 'import torch, onnx' 2> /dev/null; then
  echo "python setup: $(/usr/bin/python3 -c 'import torch, onnx; print("torch", torch.__version__, "onnx", onnx.__version__)')"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-torch python3-onnx > /dev/null
echo "python setup: $(/usr/bin/python3 -c 'import torch, onnx; print("torch", torch.__version__, "onnx", onnx.__version__)')"
