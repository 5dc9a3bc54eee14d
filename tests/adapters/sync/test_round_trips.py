"""Round trips of a sync session's steps, counted at the proxy (issue 20: over a 50 ms link the
number of requests, not the bytes, decided how long a session took)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests import pg
from tests.adapters.sync.chaos_proxy import ChaosProxy
from tests.adapters.sync.helpers import APP_VERSION, make_station
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.services.ports.sync import PullCursor

pg_cluster = pg.pg_cluster
central_url = pg.central_url


def test_a_pull_page_and_the_reads_are_one_request_each(
    central_url: str, pg_cluster: pg.PgCluster, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(3)
    assert station.run().errors == []  # the centre now holds (and routes back) three events
    with ChaosProxy("127.0.0.1", pg_cluster.port) as proxy:
        via = CentralAddress(
            "127.0.0.1",
            proxy.port,
            station.address.dbname,
            station.address.user,
            station.address.password,
        )
        session = PostgresSyncTarget(via).connect()
        try:
            session.hello(APP_VERSION, datetime.now(UTC))
            before = proxy.requests
            page = session.pull_events(PullCursor(), 1000)
            pulled_with = proxy.requests - before
            before = proxy.requests
            session.stored([event.event_id for event in page.rows])
            checked_with = proxy.requests - before
        finally:
            session.close()
    assert len(page.rows) == 3
    # The station's own events come back by id and position only: it holds their payloads.
    assert all(dict(event.payload) == {} for event in page.rows)
    assert (pulled_with, checked_with) == (1, 1)
    with station.engine.connect() as connection:
        confirmed = connection.exec_driver_sql(
            "SELECT count(*) FROM case_event WHERE sync_state = 'confirmed'"
        ).scalar_one()
    assert confirmed == 3
    station.dispose()
