"""Running the progress page with uvicorn (``zhanhe-admin progress serve``)."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette


def serve(app: Starlette, *, host: str, port: int, proxy_ips: str | None = None) -> None:
    """Serve ``app`` until interrupted.

    uvicorn's access log is off: a request line holds a case number and its check code, which
    the app logs only as an outcome. Behind a reverse proxy, ``proxy_ips`` names the proxies
    whose ``X-Forwarded-For`` is believed, so the per-address limit counts the phone, not the
    proxy.
    """
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=proxy_ips is not None,
        forwarded_allow_ips=proxy_ips,
        server_header=False,
        log_level="warning",
    )
