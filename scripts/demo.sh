#!/usr/bin/env bash
# Install the client and start it in demo mode: embedded SQLite in a temporary folder,
# simulated card reader and printers, sample catalogue and staff. Extra args go to the client.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=setup.sh
source scripts/setup.sh "" base build printing
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" = "" ]; then
    echo "没有图形显示（DISPLAY 未设置），在虚拟屏幕 Xvfb 上启动。" >&2
    exec xvfb-run -a "$VENV/bin/zhanhe-counter" --demo "$@"
fi
exec "$VENV/bin/zhanhe-counter" --demo "$@"
