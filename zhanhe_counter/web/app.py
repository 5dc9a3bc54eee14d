"""The ASGI application: routes, headers, and the mapping of refusals to HTTP statuses."""

from __future__ import annotations

import ipaddress
import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.progress import LookupRefused, ProgressService, RefusalKind
from zhanhe_counter.web import pages

log = logging.getLogger(__name__)

#: The page runs no script and loads nothing from elsewhere; the URL carries the check code, so
#: it is never sent on as a referrer, and no proxy or browser keeps a copy.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

_STATUS = {
    RefusalKind.BAD_INPUT: 400,
    RefusalKind.NOT_FOUND: 404,
    RefusalKind.NOT_YET_SYNCED: 404,
    RefusalKind.TOO_MANY: 429,
}


def client_key(host: str) -> str:
    """The address a per-address limit counts: an IPv6 address by its /64, which one phone or
    home gets whole (counting single IPv6 addresses would give a guesser 2^64 fresh buckets)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _html(body: str, status: int = 200, extra: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(extra or {})})


def create_app(service: ProgressService) -> Starlette:
    """The progress page over ``service``."""
    office = service.office

    async def query(request: Request) -> Response:
        number = request.query_params.get("no", "")
        code = request.query_params.get("c", "")
        if "no" not in request.query_params and "c" not in request.query_params:
            return _html(pages.form_page(office))
        client = client_key(request.client.host) if request.client else "unknown"
        try:
            view = await run_in_threadpool(service.lookup, client, number[:64], code[:32])
        except LookupRefused as refused:
            extra = {}
            if refused.kind is RefusalKind.TOO_MANY:
                extra["Retry-After"] = str(max(1, round(refused.retry_after)))
            log.info("progress lookup refused: %s", refused.kind.value)
            page = pages.form_page(office, number=number[:64], code="", error=refused.user_message)
            return _html(page, _STATUS[refused.kind], extra)
        except DomainError as error:  # the centre unreachable, or a damaged record
            log.warning("progress lookup failed: %s", error)
            page = pages.message_page(office, "暂时无法查询", "系统暂时无法查询，请稍后再试。")
            return _html(page, 503, {"Retry-After": "30"})
        return _html(pages.progress_page(view, office))

    async def home(_request: Request) -> Response:
        return RedirectResponse("/q", status_code=302, headers=SECURITY_HEADERS)

    async def health(_request: Request) -> Response:
        # A bare static answer: liveness for the load balancer, and the benchmark's floor.
        return PlainTextResponse("ok", headers=SECURITY_HEADERS)

    return Starlette(
        routes=[
            Route("/", home),
            Route("/q", query),
            Route("/healthz", health),
        ]
    )
