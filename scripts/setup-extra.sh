#!/usr/bin/env bash
# Test-only tools outside PyPI and Debian's base: the independent ESC/POS decoder (npm `npos`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    else
        echo "缺少 npm（打印测试需要 npm 包 npos）/ npm missing: install nodejs and npm" >&2
        exit 1
    fi
fi
if [ ! -d "$ROOT/tests/tools/node/node_modules/npos" ]; then
    echo ">> npm ci (tests/tools/node)"
    npm ci --prefix "$ROOT/tests/tools/node" --no-audit --no-fund --loglevel=error >/dev/null
fi
# The PC/SC tests run their own pcscd with the vpcd virtual reader on the standard socket
# (pcsc-lite 1.9 ignores PCSCLITE_CSOCK_NAME); a system pcscd that apt-get started must go first.
if [ "$(id -u)" -eq 0 ] && pgrep -x pcscd >/dev/null; then
    echo ">> stopping the system pcscd (the tests start their own)"
    if [ -x /etc/init.d/pcscd ]; then /etc/init.d/pcscd stop >/dev/null 2>&1 || true; fi
    pkill -x pcscd 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -x pcscd >/dev/null || break; sleep 0.5; done
fi
