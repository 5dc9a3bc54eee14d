#!/usr/bin/env bash
# The hall on one machine: a throwaway PostgreSQL on loopback as the centre, and three demo
# clients — counter (综合窗口), back office (后台审批) and delivery window (统一出件) — each with its
# own data folder and station login, so a newcomer can watch one case travel across the hall
# (docs/hall.md). Everything lives in one temporary folder and is removed when the script ends.
#
#   scripts/hall-demo.sh            start the centre and the three clients; Ctrl-C stops all
#   scripts/hall-demo.sh --no-gui   set everything up, print the commands, wait (no windows)
#
# Needs PostgreSQL's server binaries (Debian: postgresql) and an OS keyring for the station
# passwords (a desktop session has one; the clients refuse a plaintext keyring).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=setup.sh
source scripts/setup.sh "" base build printing sync
gui=1
[ "${1:-}" = "--no-gui" ] && gui=0

bindir="${ZHANHE_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
if [ ! -x "$bindir/pg_ctl" ]; then
    echo "找不到 PostgreSQL 服务器程序（/usr/lib/postgresql/*/bin），请安装 postgresql。" >&2
    exit 2
fi
work="$(mktemp -d -t zhanhe-hall-XXXXXX)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$work"   # initdb refuses root
    as_pg=(runuser -u postgres --)
fi
port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
password="hall-demo-$RANDOM$RANDOM"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "$password" >"$work/pw"
[ "$(id -u)" -eq 0 ] && chown postgres: "$work/pw"
"${as_pg[@]}" "$bindir/initdb" -D "$work/pg" -U postgres --pwfile "$work/pw" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work" start >/dev/null
admin="postgresql://postgres:$password@127.0.0.1:$port/postgres"
"$VENV/bin/python" - "$admin" <<'EOF'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("CREATE DATABASE zhanhe")
EOF
central="postgresql://postgres:$password@127.0.0.1:$port/zhanhe"
"$VENV/bin/zhanhe-admin" central init --url "$central"

# Every department of the sample catalogue has its desk on the back-office PC.
departments="$("$VENV/bin/python" - <<'EOF'
from zhanhe_counter.adapters.catalogue import load_catalogue
from zhanhe_counter.adapters.resources import resources_dir
r = resources_dir()
c = load_catalogue(r / "catalogue/sample-matters.yaml",
                   departments=r / "catalogue/departments.yaml").catalogue
print(",".join(sorted({m.department for m in c.matters.values()})))
EOF
)"

# station id | 8-character code printed in case numbers | roles
stations=(
    "QZX-W03|41041103|counter"
    "QZX-BO|41041121|backoffice=$departments"
    "QZX-DLV|41041131|delivery=QZX"
)
for entry in "${stations[@]}"; do
    IFS="|" read -r station code roles <<<"$entry"
    folder="$work/$station"
    # A demo folder (demo key file, sample staff) with this PC's own identity, then registered.
    "$VENV/bin/python" - "$folder" "$station" "$code" <<'EOF'
import sys
from pathlib import Path
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
folder, station, code = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
folder.mkdir(parents=True)
engine = open_station_database(folder, demo=True)
settings = SqliteReferenceStore(engine)
for key, value in (("station_id", station), ("station_code", code), ("window_id", "QZX-03")):
    settings.set_setting(key, value)
engine.dispose()
EOF
    "$VENV/bin/zhanhe-admin" --data-dir "$folder" station register "$station" \
        --url "$central" --role "$roles" --hall QZX
done

echo
echo "中心库：postgresql://127.0.0.1:$port/zhanhe（演示结束即删除）"
echo "三台客户端的数据目录："
for entry in "${stations[@]}"; do
    IFS="|" read -r station _ roles <<<"$entry"
    echo "  $station  $work/$station"
    echo "      查看：$VENV/bin/zhanhe-admin --data-dir $work/$station cases"
done
echo "在综合窗口收件（例如 ZH-018 当场受理），后台审批窗口几秒内出现 20 分钟答复；"
echo "办结移交后，统一出件窗口按受理编号或读卡找到该件。"
echo

if [ "$gui" -eq 1 ]; then
    for entry in "${stations[@]}"; do
        IFS="|" read -r station _ _ <<<"$entry"
        "$VENV/bin/zhanhe-counter" --demo --data-dir "$work/$station" &
        pids+=("$!")
    done
    echo "关闭三个窗口或按 Ctrl-C 结束演示。"
    wait "${pids[@]}" || true
else
    echo "（--no-gui）按 Ctrl-C 结束演示。"
    while sleep 3600; do :; done
fi
