"""How this PC connects to the central database (中心库连接参数): TLS and timeouts.

Two rules are enforced here, not left to configuration (docs/sync.md, Security; Timeouts and
keepalives):

* any host that is not loopback is reached with ``sslmode=verify-full`` (CA chain *and* host
  name checked); a URL asking for less is refused;
* libpq's connect and TCP timeouts are always set, so a dead township link fails in seconds
  instead of hanging for the kernel's retry period.

Passwords never appear in a URL that is stored or logged: :func:`redacted` removes them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from zhanhe_counter.domain.errors import DomainError

# Fail fast on a dead network: connect, then detect a silent peer within ~10 s (docs/sync.md,
# Timeouts and keepalives).
TIMEOUT_OPTIONS: dict[str, str] = {
    "connect_timeout": "5",
    "tcp_user_timeout": "10000",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "3",
    "keepalives_count": "3",
}
# The server's side of the same rule: its keepalives and TCP user timeout end the backend of a
# station that vanished mid-transaction within ~20 s, so its row locks are not held for the
# kernel's two hours. All are user-settable, so no server configuration is needed.
SESSION_OPTIONS = (
    "-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000 "
    "-c synchronous_commit=on "
    "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=3 -c tcp_keepalives_count=3 "
    "-c tcp_user_timeout=10000"
)
#: Client-side deadline of one sync step (hello, one push batch, one pull page), in seconds. A
#: path that swallows traffic while the kernel still ACKs defeats every TCP timeout; this does not.
OPERATION_TIMEOUT = 45.0
_WEAK_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca"}
_ROLE_PREFIX = "zh_st_"


class InvalidCentralUrl(DomainError):
    """The central database address cannot be used (中心库地址无效)."""


@dataclass(frozen=True, slots=True)
class CentralAddress:
    """Where the central database is, and who logs in (中心库地址)."""

    host: str
    port: int
    dbname: str
    user: str | None = None
    password: str | None = None
    sslmode: str | None = None
    sslrootcert: str | None = None

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    def with_login(self, user: str, password: str | None) -> CentralAddress:
        return replace(self, user=user, password=password)

    def url(self, *, with_password: bool = False) -> str:
        """``postgresql://user@host:port/db?…`` (the password only when asked for)."""
        credentials = ""
        if self.user:
            credentials = quote(self.user, safe="")
            if with_password and self.password:
                credentials += ":" + quote(self.password, safe="")
            credentials += "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = []
        if self.sslmode:
            query.append(f"sslmode={self.sslmode}")
        if self.sslrootcert:
            query.append(f"sslrootcert={quote(self.sslrootcert)}")
        suffix = ("?" + "&".join(query)) if query else ""
        return f"postgresql://{credentials}{host}:{self.port}/{quote(self.dbname)}{suffix}"

    def sqlalchemy_url(self) -> str:
        return self.url(with_password=True).replace("postgresql://", "postgresql+psycopg://", 1)

    def conninfo_kwargs(self, application_name: str) -> dict[str, str]:
        """Keyword arguments for ``psycopg.connect``: TLS policy, timeouts, session limits."""
        kwargs: dict[str, str] = {
            "host": self.host,
            "port": str(self.port),
            "dbname": self.dbname,
            "application_name": application_name[:63],
            "options": SESSION_OPTIONS,
            **TIMEOUT_OPTIONS,
        }
        if self.user:
            kwargs["user"] = self.user
        if self.password:
            kwargs["password"] = self.password
        kwargs["sslmode"] = self.effective_sslmode()
        if self.sslrootcert:
            kwargs["sslrootcert"] = self.sslrootcert
        return kwargs

    def conninfo(self, application_name: str) -> str:
        """A libpq connection string with :meth:`conninfo_kwargs` (password included)."""
        from psycopg.conninfo import make_conninfo  # psycopg only once this PC syncs

        return make_conninfo("", **self.conninfo_kwargs(application_name))

    def effective_sslmode(self) -> str:
        if self.is_loopback:
            return self.sslmode or "prefer"
        return "verify-full"


def is_loopback_host(host: str) -> bool:
    if host in ("localhost", "") or host.startswith("/"):
        return True  # a Unix socket directory never leaves the machine
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_central_url(url: str) -> CentralAddress:
    """Parse ``postgresql://[user[:password]@]host[:port]/dbname[?sslmode=…&sslrootcert=…]``.

    Raises :class:`InvalidCentralUrl` for anything else, and for a non-loopback host whose URL
    asks for a TLS mode weaker than ``verify-full``.
    """
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port or 5432
    except ValueError as error:
        raise InvalidCentralUrl(
            f"unparsable central URL: {redacted(text)}", "中心库地址格式错误。"
        ) from error
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise InvalidCentralUrl(
            f"central URL scheme {parts.scheme!r} is not postgresql",
            "中心库地址须以 postgresql:// 开头，例如 postgresql://center.example.gov.cn/zhanhe",
        )
    host = parts.hostname or ""
    dbname = unquote(parts.path.lstrip("/"))
    if not host or not dbname:
        raise InvalidCentralUrl(
            f"central URL without host or database: {redacted(text)}",
            "中心库地址缺少主机名或数据库名，例如 postgresql://center.example.gov.cn/zhanhe",
        )
    query = dict(parse_qsl(parts.query))
    sslmode = query.get("sslmode")
    address = CentralAddress(
        host=host,
        port=port,
        dbname=dbname,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sslmode=sslmode,
        sslrootcert=query.get("sslrootcert"),
    )
    if not address.is_loopback and sslmode in _WEAK_SSLMODES:
        raise InvalidCentralUrl(
            f"sslmode={sslmode} refused for non-loopback host {host}",
            "连接中心库必须使用 TLS 并校验证书和主机名（sslmode=verify-full），不能降低。",
        )
    return address


def redacted(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe for logs and messages)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def station_role_name(station_id: str) -> str:
    """The PostgreSQL login of a station: ``zh_st_`` + the id in lower case, safe characters."""
    cleaned = re.sub(r"[^a-z0-9]+", "_", station_id.strip().lower()).strip("_")
    if not cleaned:
        raise InvalidCentralUrl(
            f"station id {station_id!r} has no usable characters", "站点编号无效。"
        )
    return (_ROLE_PREFIX + cleaned)[:63]
