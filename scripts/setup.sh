#!/usr/bin/env bash
# Shared by scripts/demo.sh and scripts/test.sh: Debian packages (when root), the virtualenv,
# and the Python packages. Safe to run again: it only installs what is missing.
#   usage: source scripts/setup.sh <extra> [apt-list ...]   (extra: "" or "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ZHANHE_VENV:-$ROOT/.venv}"
extra="${1:-}"; shift || true
apt_lists=("$@")

install_debian_packages() {
    local wanted=() missing=()
    for list in "${apt_lists[@]}"; do
        [ -f "$ROOT/scripts/apt/$list.txt" ] || continue
        while read -r pkg; do
            pkg="${pkg%%#*}"; pkg="${pkg// /}"
            [ -n "$pkg" ] && wanted+=("$pkg")
        done <"$ROOT/scripts/apt/$list.txt"
    done
    [ ${#wanted[@]} -gt 0 ] || return 0
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "缺少系统软件包（需要 root 安装）: ${missing[*]}" >&2
        echo "missing Debian packages (run as root to install): ${missing[*]}" >&2
        return 0
    fi
    echo ">> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python_packages() {
    local py="${PYTHON:-python3}"
    if [ ! -x "$VENV/bin/python" ]; then
        echo ">> creating virtualenv $VENV"
        "$py" -m venv "$VENV"
    fi
    local spec="$ROOT"
    [ -n "$extra" ] && spec="$ROOT[$extra]"
    # pip is quiet when everything is already installed; editable so the checkout is what runs.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" 2>&1 \
        | grep -v "^WARNING: Location" || true
    "$VENV/bin/python" -c "import zhanhe_counter" # fail here, not later, if the install broke
}

install_debian_packages
install_python_packages
