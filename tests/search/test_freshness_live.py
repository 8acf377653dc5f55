"""On a running server (`learncity serve`, as `make run` starts it) an edit of the catalogue
shows in search within 2 seconds, applied by the workers' background indexer: nobody runs
`learncity search-index` (issue 20)."""

from __future__ import annotations

import json
import time

import pytest

from learncity.catalog.models import Programme
from tests.live_server import Server, serving

FEE = 7_770_001  # a fee no programme asks


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"learncity serve stopped:\n{server.log_tail()}")
        try:
            if server.get("/healthz", timeout=10).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)  # polling the server's state, not waiting a fixed time
    pytest.fail(f"the server did not become ready:\n{server.log_tail()}")


def test_an_edit_shows_in_a_running_server_within_two_seconds(committed, tmp_path):
    programme = Programme.objects.order_by("id").first()
    assert programme is not None
    with serving(tmp_path, workers=2) as server:
        _wait_until_ready(server)
        path = f"/api/v1/programmes?fee_min={FEE}&fee_max={FEE}"
        assert json.loads(server.get(path).body)["total"] == 0
        try:
            Programme.objects.filter(pk=programme.pk).update(fee_krw=FEE)  # committed
            edited = time.monotonic()
            while True:
                answer = server.get(path)
                assert answer.status == 200, answer
                found = json.loads(answer.body)
                if found["total"]:
                    break
                assert time.monotonic() - edited < 10, server.log_tail()
                time.sleep(0.02)  # polling the search, not waiting a fixed time
            seconds = time.monotonic() - edited
            assert [r["id"] for r in found["results"]] == [programme.pk]
            assert seconds < 2.0, seconds
        finally:
            Programme.objects.filter(pk=programme.pk).update(fee_krw=programme.fee_krw)
