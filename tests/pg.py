"""A real, throwaway PostgreSQL for the sync tests (docs/sync.md, Test PostgreSQL).

One cluster per test process: ``initdb`` into a temporary folder, ``postgres`` on a free loopback
port with its socket in that folder, run as the ``postgres`` user when the tests run as root
(``initdb`` refuses root). Host connections need a password (SCRAM), so station logins and the
keyring path are exercised for real. The cluster is stopped when the process ends.

Missing binaries FAIL the tests (they never skip): the sync proof needs a real server.

Fixtures (bind them in a test module with ``central_url = pg.central_url`` or through a conftest):
``pg_cluster`` (the running cluster) and ``central_url`` (a fresh database per test, migrated to
the central head, as an admin URL).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

ADMIN_USER = "postgres"
ADMIN_PASSWORD = "pg-test-admin"  # a throwaway cluster that lives as long as the test process
_TEMPLATE_DB = "central_template"


def _pg_bindir() -> Path:
    override = os.environ.get("ZHANHE_PG_BINDIR")
    candidates = [Path(override)] if override else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    pytest.fail(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "install the Debian package 'postgresql' (scripts/apt/sync.txt)",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_pg_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@dataclass
class PgCluster:
    """A running throwaway PostgreSQL cluster."""

    bindir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def admin_url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{ADMIN_USER}:{ADMIN_PASSWORD}@{self.host}:{self.port}/{dbname}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_pg_user(list(argv)), check=check, capture_output=True, text=True, timeout=120
        )

    def _options(self) -> str:
        # fsync=off keeps tests fast and is still safe against the process crashes the tests
        # inject (-m immediate): the OS keeps what was written. synchronous_commit stays on, as
        # in production: with it off, a commit already acknowledged to a client is lost when
        # the server is killed, which the fault soak then (rightly) reports as lost data.
        return (
            f"-c listen_addresses={self.host} -c port={self.port} "
            f"-c unix_socket_directories={self.root} -c fsync=off -c synchronous_commit=on "
            "-c full_page_writes=off -c max_connections=200"
        )

    def start(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            self._options(),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def restart_immediate(self) -> None:
        """Crash the server (no checkpoint) and start it again: WAL replay on start."""
        self.stop("immediate")
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.root / "log").read_text().splitlines()[-lines:])
        return ""


_lock = threading.Lock()
_cluster: PgCluster | None = None
_template_ready = False


def _start_cluster() -> PgCluster:
    bindir = _pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="zhanhe-pg-"))
    pwfile = root / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    cluster = PgCluster(bindir=bindir, root=root, port=_free_port())
    try:
        cluster._run(
            str(bindir / "initdb"),
            "-D",
            str(cluster.datadir),
            "-U",
            ADMIN_USER,
            "--pwfile",
            str(pwfile),
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        cluster.start()
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {error.stderr}", pytrace=False)
    atexit.register(_stop_cluster, cluster)
    return cluster


def _stop_cluster(cluster: PgCluster) -> None:
    with contextlib.suppress(Exception):
        cluster.stop("immediate")
    shutil.rmtree(cluster.root, ignore_errors=True)


def cluster() -> PgCluster:
    """The process-wide cluster, started on first use."""
    global _cluster
    with _lock:
        if _cluster is None:
            _cluster = _start_cluster()
        return _cluster


def _ensure_template(pg: PgCluster) -> None:
    global _template_ready
    with _lock:
        if _template_ready:
            return
        from zhanhe_counter.adapters.centre.schema import upgrade_central

        with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {_TEMPLATE_DB}")
            conn.execute(f"CREATE DATABASE {_TEMPLATE_DB}")
        upgrade_central(pg.admin_url(_TEMPLATE_DB))
        _template_ready = True


def new_database(pg: PgCluster, *, migrated: bool = True) -> str:
    """A fresh database (central head applied when ``migrated``); returns its name."""
    if migrated:
        _ensure_template(pg)
    name = "t_" + uuid.uuid4().hex[:12]
    template = f" TEMPLATE {_TEMPLATE_DB}" if migrated else ""
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{template}")
    return name


def drop_database(pg: PgCluster, name: str) -> None:
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_cluster() -> PgCluster:
    return cluster()


@pytest.fixture
def central_url(pg_cluster: PgCluster) -> Iterator[str]:
    """Admin URL of a fresh, migrated central database (dropped afterwards)."""
    name = new_database(pg_cluster)
    yield pg_cluster.admin_url(name)
    drop_database(pg_cluster, name)


@pytest.fixture
def empty_central_url(pg_cluster: PgCluster) -> Iterator[str]:
    """Admin URL of a fresh, empty database (for migration tests)."""
    name = new_database(pg_cluster, migrated=False)
    yield pg_cluster.admin_url(name)
    drop_database(pg_cluster, name)
