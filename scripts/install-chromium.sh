#!/usr/bin/env bash
# Installs headless Chromium for the report tests (test/report/), from Debian's `chromium` package.
# Idempotent: does nothing when `chromium` is already on PATH. Needs apt-get, and root or sudo.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium is already installed: $(chromium --version 2>/dev/null || command -v chromium)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; install Chromium by hand (the report tests need \`chromium\` on PATH, or \$CHROMIUM)" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: run as root, or install sudo" >&2
    exit 1
  fi
  sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq chromium fonts-liberation
chromium --version
