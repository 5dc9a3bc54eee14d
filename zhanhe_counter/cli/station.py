"""``zhanhe-admin station``: register this PC as a station of the centre.

``station register STATION_ID --url URL [--role ROLE[,ROLE…]] [--hall HALL]`` creates (or re-keys)
the station's PostgreSQL login with a new random password, stores that password in this PC's OS
keyring, and records the station id and the central address (without password) in the station
database. The admin login in the URL is used once and never stored. The roles (``counter``,
``backoffice=DEPARTMENT``, ``delivery=HALL``, ``supervisor=HALL|district``, combinable; see
``services/station_roles.py``) are held by the centre and decide which cases reach this PC; a new
station without ``--role`` is a counter. ``zhanhe-admin central station-roles`` changes them later.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``station register``."""
    parser = sub.add_parser("station", help="站点：注册本机到中心库")
    station_sub = parser.add_subparsers(dest="station_command", metavar="子命令", required=True)
    reg = station_sub.add_parser(
        "register", help="创建本站的中心库登录账号，并把密码保存到本机系统密钥库"
    )
    reg.add_argument("station_id", help="站点编号，例如 410411-03-W02")
    reg.add_argument(
        "--url",
        required=True,
        help="中心库管理账号地址，例如 postgresql://owner@center.example.gov.cn/zhanhe",
    )
    reg.add_argument("--name", help="站点名称（可选）")
    reg.add_argument(
        "--role",
        help="站点角色，英文逗号分隔，例如 counter,backoffice=湛河区市场监督管理局,delivery=QZX,"
        "supervisor=district（新站点默认 counter）",
    )
    reg.add_argument("--hall", help="本站所在服务场所编号，例如 QZX（办件按它分派到统一出件窗口）")
    reg.add_argument(
        "--code",
        help="要求使用的站点代码（8位，默认由中心分配）；已被其他站点使用或已停用的代码会被拒绝",
    )
    reg.add_argument(
        "--replaces", help="本机替换的旧站点编号：旧站点停用，其站点代码永久作废，本机使用新代码"
    )
    reg.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    reg.set_defaults(handler=run_register)


def run_register(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.schema import register_station
    from zhanhe_counter.adapters.paths import local_db_path, resolve_data_dir
    from zhanhe_counter.adapters.secrets import KeyringSecretStore, backend_name
    from zhanhe_counter.adapters.storage.database_key import (
        is_demo_folder,
        open_station_database,
    )
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
    from zhanhe_counter.adapters.sync.station_config import credential_name, save_config
    from zhanhe_counter.services.station_roles import format_roles, parse_roles

    roles = parse_roles(args.role) if args.role else None  # bad roles fail before any change

    # Check the keyring first: a login whose password cannot be kept would be useless.
    secrets = KeyringSecretStore()
    data_dir = resolve_data_dir(args.data_dir, os.environ)
    path = local_db_path(data_dir)
    # A demo folder keeps its demo key file (it can be a training station of the centre).
    engine = open_station_database(data_dir, secrets_store=secrets)
    try:
        registration = register_station(
            args.url,
            args.station_id,
            name=args.name,
            roles=roles,
            hall=args.hall,
            training=is_demo_folder(data_dir),
            station_code=args.code,
            replaces=args.replaces,
        )
        secrets.set(credential_name(registration.address), registration.password)
        save_config(engine, registration.station_id, registration.address)
        if registration.station_code:  # the centre's code numbers this PC's cases from now on
            SqliteReferenceStore(engine).set_setting("station_code", registration.station_code)
    finally:
        engine.dispose()
    data = {
        "station_id": registration.station_id,
        "role": registration.role_name,
        "created": registration.created,
        "central_url": registration.address.url(with_password=False),
        "roles": [str(r) for r in registration.roles],
        "hall": registration.hall,
        "training": registration.training,
        "station_code": registration.station_code,
        "keyring": backend_name(),
        "database": str(path),
    }
    if args.json:
        print_json(data)
    else:
        verb = "已创建" if registration.created else "已更新（旧密码作废）"
        print(
            f"站点 {registration.station_id} 的中心库账号 {registration.role_name} {verb}；"
            f"密码已保存到系统密钥库（{data['keyring']}）。"
        )
        print(
            f"角色：{format_roles(registration.roles)}；服务场所：{registration.hall or '未指定'}"
        )
        if registration.station_code:
            print(f"站点代码（办件编号用）：{registration.station_code}")
    return EXIT_OK
