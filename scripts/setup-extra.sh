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
