#!/usr/bin/env bash
# The Prometheus server the metrics tests start on 127.0.0.1 (tests/test_metrics_prometheus.py).
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# No recommends: the node exporter and its service units are not needed.
$SUDO apt-get install -y -qq --no-install-recommends prometheus
# Debian's package starts a system service; the tests run their own server.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
