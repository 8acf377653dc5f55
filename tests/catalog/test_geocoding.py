"""The geocoder adapters (catalog/geocoding.py) against a real HTTP server started here, on
127.0.0.1 (never the network): VWorld's and Kakao's answers as their documentation shows
them, no result, malformed answers, HTTP errors and a timeout; and the import, which falls
back to the 동 of the address or the name and never fails because of the geocoder."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from learncity.catalog.geocoding import (
    GeocoderError,
    KakaoGeocoder,
    VWorldGeocoder,
    geocoder_from_environment,
)
from learncity.core.errors import ConfigurationError

ILWON = (37.4919, 127.0853)  # a point in 일원동
ADDRESS = "서울특별시 강남구 영동대로 22"


@dataclass
class Service:
    """What the local server answers: `answer(path, query, headers)` -> (status, body bytes);
    the requests it saw; `release` set when a hanging answer may end."""

    answer: Callable[[str, dict[str, list[str]], dict[str, str]], tuple[int, bytes]]
    seen: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def service() -> Iterator[tuple[Service, str]]:
    state = Service(lambda path, query, headers: (500, b""))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.seen.append((parts.path, query, headers))
            status, body = state.answer(parts.path, query, headers)
            if status == 0:  # hang until the test is over: the client's timeout must fire
                state.release.wait(10)
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def vworld_ok(lat: float, lon: float) -> bytes:
    return _json(
        {
            "response": {
                "service": {"name": "address", "version": "2.0", "operation": "getcoord"},
                "status": "OK",
                "input": {"type": "road", "address": ADDRESS},
                "refined": {"text": "서울특별시 강남구 영동대로 22 (일원동)"},
                "result": {"crs": "EPSG:4326", "point": {"x": str(lon), "y": str(lat)}},
            }
        }
    )


def kakao_ok(lat: float, lon: float) -> bytes:
    return _json(
        {
            "meta": {"total_count": 1, "pageable_count": 1, "is_end": True},
            "documents": [
                {
                    "address_name": "서울 강남구 일원동 711",
                    "address_type": "ROAD_ADDR",
                    "x": str(lon),
                    "y": str(lat),
                }
            ],
        }
    )


def env(url: str, name: str = "vworld", timeout: str = "2") -> dict[str, str]:
    return {
        "LEARNCITY_GEOCODER": name,
        "LEARNCITY_GEOCODER_KEY": "test-key",
        "LEARNCITY_GEOCODER_URL": url,
        "LEARNCITY_GEOCODER_TIMEOUT": timeout,
    }


def test_vworld_success_asks_as_documented(service: tuple[Service, str]) -> None:
    state, url = service
    state.answer = lambda path, query, headers: (200, vworld_ok(*ILWON))
    geocoder = geocoder_from_environment(env(url))
    assert isinstance(geocoder, VWorldGeocoder)
    point = geocoder.locate(ADDRESS)
    assert point is not None and (point.latitude, point.longitude) == ILWON
    assert point.provider == "vworld" and "일원동" in point.matched
    path, query, _ = state.seen[0]
    assert path == "/req/address"
    assert query["service"] == ["address"] and query["request"] == ["getcoord"]
    assert query["crs"] == ["epsg:4326"] and query["type"] == ["road"]
    assert query["address"] == [ADDRESS] and query["key"] == ["test-key"]


def test_vworld_tries_a_lot_number_address_after_the_road(service: tuple[Service, str]) -> None:
    state, url = service

    def answer(path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Any:
        if query["type"] == ["road"]:
            return 200, _json({"response": {"status": "NOT_FOUND"}})
        return 200, vworld_ok(*ILWON)

    state.answer = answer
    geocoder = geocoder_from_environment(env(url))
    assert geocoder is not None and geocoder.locate("서울특별시 강남구 일원동 711") is not None
    assert [q["type"] for _, q, _ in state.seen] == [["road"], ["parcel"]]
    state.answer = lambda path, query, headers: (200, _json({"response": {"status": "NOT_FOUND"}}))
    assert geocoder.locate("어디에도 없는 주소") is None


def test_kakao_success_and_no_result(service: tuple[Service, str]) -> None:
    state, url = service
    state.answer = lambda path, query, headers: (200, kakao_ok(*ILWON))
    geocoder = geocoder_from_environment(env(url, "kakao"))
    assert isinstance(geocoder, KakaoGeocoder)
    point = geocoder.locate(ADDRESS)
    assert point is not None and (point.latitude, point.longitude) == ILWON
    path, query, headers = state.seen[0]
    assert path == "/v2/local/search/address.json" and query["query"] == [ADDRESS]
    assert headers["authorization"] == "KakaoAK test-key"
    state.answer = lambda path, query, headers: (200, _json({"meta": {}, "documents": []}))
    assert geocoder.locate(ADDRESS) is None
    assert geocoder.locate("   ") is None  # nothing asked


@pytest.mark.parametrize(
    ("name", "status", "body", "said"),
    [
        ("vworld", 200, b"<html>not json</html>", "not JSON"),
        ("vworld", 200, b'{"response": []}', "no 'response'"),
        ("vworld", 200, b'{"response": {"status": "ERROR", "error": {"text": "key"}}}', "ERROR"),
        ("vworld", 200, b'{"response": {"status": "OK", "result": {}}}', "no point"),
        ("vworld", 200, vworld_ok(51.5, -0.12), "not in Korea"),
        ("kakao", 200, b'{"documents": [{"x": "east", "y": "north"}]}', "not a number"),
        ("kakao", 200, b'{"documents": "none"}', "no 'documents'"),
        ("kakao", 200, b"\xff\xfe\x00", "not JSON"),
        ("kakao", 500, b"", "HTTP 500"),
        ("kakao", 401, b'{"message": "wrong key"}', "HTTP 401"),
    ],
)
def test_malformed_answers_are_a_geocoder_error(
    service: tuple[Service, str], name: str, status: int, body: bytes, said: str
) -> None:
    state, url = service
    state.answer = lambda path, query, headers: (status, body)
    geocoder = geocoder_from_environment(env(url, name))
    assert geocoder is not None
    with pytest.raises(GeocoderError, match=said) as raised:
        geocoder.locate(ADDRESS)
    assert raised.value.code == "geocoder_unavailable"


def test_a_timeout_and_an_unreachable_service(service: tuple[Service, str]) -> None:
    state, url = service
    state.answer = lambda path, query, headers: (0, b"")  # never answers
    geocoder = geocoder_from_environment(env(url, "kakao", timeout="0.3"))
    assert geocoder is not None
    with pytest.raises(GeocoderError, match=r"did not answer within 0\.3 s"):
        geocoder.locate(ADDRESS)
    closed = geocoder_from_environment(env("http://127.0.0.1:9", "vworld", timeout="1"))
    assert closed is not None
    with pytest.raises(GeocoderError, match="could not be reached"):
        closed.locate(ADDRESS)


def test_configuration() -> None:
    assert geocoder_from_environment({}) is None
    assert geocoder_from_environment({"LEARNCITY_GEOCODER": "none"}) is None
    for bad in (
        {"LEARNCITY_GEOCODER": "google", "LEARNCITY_GEOCODER_KEY": "k"},
        {"LEARNCITY_GEOCODER": "vworld"},
        {
            "LEARNCITY_GEOCODER": "kakao",
            "LEARNCITY_GEOCODER_KEY": "k",
            "LEARNCITY_GEOCODER_TIMEOUT": "soon",
        },
        {
            "LEARNCITY_GEOCODER": "kakao",
            "LEARNCITY_GEOCODER_KEY": "k",
            "LEARNCITY_GEOCODER_URL": "file:///etc/passwd",
        },
    ):
        with pytest.raises(ConfigurationError):
            geocoder_from_environment(bad)


# ------------------------------------------------------------------ the import falls back


def _gangnam_rows(source: Path, tmp_path: Path, venue: str) -> Path:
    """The real file's header and its rows held at one venue (a temporary copy)."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    kept = [lines[0], *[line for line in lines[1:] if venue in line][:5]]
    assert len(kept) > 1
    path = tmp_path / "gangnam-part.csv"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("status", "body"),
    [(0, b""), (200, b"{not json"), (200, b'{"response": {"status": "NOT_FOUND"}}'), (503, b"")],
    ids=["timeout", "malformed", "no-result", "unavailable"],
)
def test_an_import_falls_back_when_the_geocoder_fails(
    db: None,
    world: Any,
    shared_data: Path,
    service: tuple[Service, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    body: bytes,
) -> None:
    from learncity.catalog.importer import catalog_import
    from learncity.catalog.location_selectors import venues_for_staff

    state, url = service
    state.answer = lambda path, query, headers: (status, body)
    for key, value in env(url, timeout="0.3").items():
        monkeypatch.setenv(key, value)
    path = _gangnam_rows(
        shared_data / "courses" / "gangnam-2026-04.csv", tmp_path, "수서평생학습센터"
    )
    report = catalog_import(paths=[path], classify=False)
    assert report["errors"] == 0 and report["rows"] == report["unchanged"] + report["updated"]
    assert report["location_notes"]  # what went wrong is said
    assert state.seen, "the geocoder was asked"
    venues = [v for v in venues_for_staff(everywhere=True) if v["name"] == "수서평생학습센터"]
    assert [(v["precision"], v["source"], v["label"]) for v in venues] == [
        ("neighbourhood", "name", "수서동")
    ]


def test_an_import_takes_the_geocoders_point(
    db: None,
    world: Any,
    shared_data: Path,
    service: tuple[Service, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from learncity.catalog.importer import catalog_import
    from learncity.catalog.location_selectors import venues_for_staff

    state, url = service
    state.answer = lambda path, query, headers: (200, kakao_ok(*ILWON))
    for key, value in env(url, "kakao").items():
        monkeypatch.setenv(key, value)
    path = _gangnam_rows(
        shared_data / "courses" / "gangnam-2026-04.csv", tmp_path, "일원평생학습센터"
    )
    catalog_import(paths=[path], classify=False)
    assert len(state.seen) == 1  # one address, asked once
    venue = next(v for v in venues_for_staff(everywhere=True) if v["name"] == "일원평생학습센터")
    assert (venue["precision"], venue["source"]) == ("exact", "geocoder")
    assert (venue["latitude"], venue["longitude"]) == ILWON
