#!/usr/bin/env bash
# Build the Linux one-folder bundle (PyInstaller, packaging/zhanhe_counter.spec) into
# build/bundle/dist/zhanhe-counter, smoke-test it (--demo --smoke offscreen, then zhanhe-admin
# against the shipped data and this machine's fonts), print its size and start time as a BENCH
# line, and compile the NSIS installer script when makensis is installed (scripts/apt/packaging.txt).
# Extra args go to packaging/build.py (--skip-build, --no-nsis, --out DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${ZHANHE_VENV:-$ROOT/.venv}"
if ! "$VENV/bin/python" -c "import zhanhe_counter" 2>/dev/null; then
    # Run on its own: install the client and the Debian packages the bundle and its smoke need.
    # shellcheck source=setup.sh
    source scripts/setup.sh "" base build printing packaging
fi
if ! "$VENV/bin/python" -c "import PyInstaller" 2>/dev/null; then
    echo ">> pip install pyinstaller"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'pyinstaller>=6.10,<7' 2>&1 \
        | grep -v "^WARNING: Location" || true
fi
echo ">> bundle"
exec "$VENV/bin/python" packaging/build.py "$@"
