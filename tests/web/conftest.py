"""Fixtures of the progress page tests: the real PostgreSQL, a seeded centre, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests import pg
from tests.centre_cases import add_matter, login_in_role
from tests.web.live_server import LiveServer, start_live_server
from zhanhe_counter.adapters.centre.progress_source import PostgresProgressSource
from zhanhe_counter.adapters.clock import SystemClock
from zhanhe_counter.services.progress import LookupLimits, ProgressService
from zhanhe_counter.web.app import create_app

pg_cluster = pg.pg_cluster
central_url = pg.central_url


@dataclass
class Site:
    central_url: str
    progress_url: str
    source: PostgresProgressSource
    service: ProgressService
    server: LiveServer


def make_site(central_url: str, limits: LookupLimits | None = None) -> Iterator[Site]:
    add_matter(central_url)
    login = login_in_role(central_url, "zhanhe_progress")
    source = PostgresProgressSource(login)
    service = ProgressService(source, SystemClock(), limits=limits)
    # Behind the hall's reverse proxy: X-Forwarded-For from loopback names the phone.
    server = start_live_server(
        create_app(service), proxy_headers=True, forwarded_allow_ips="127.0.0.1"
    )
    try:
        yield Site(central_url, login, source, service, server)
    finally:
        server.stop()
        source.close()


@pytest.fixture
def site(central_url: str) -> Iterator[Site]:
    yield from make_site(central_url)
