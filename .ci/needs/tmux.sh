#!/usr/bin/env bash
# tmux: tests/test_screens.py drives the terminal views in it and compares captured screens.
set -euo pipefail
command -v tmux >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tmux
