"""Geocoders: an address in, a point (WGS84 latitude, longitude) out, from a public service.

A city chooses one by environment (nothing is called when none is chosen; tests never reach
the network, they start a local HTTP server):

    LEARNCITY_GEOCODER          "" (none, the default), "vworld" or "kakao"
    LEARNCITY_GEOCODER_KEY      the service's key (VWorld's 인증키, Kakao's REST API key)
    LEARNCITY_GEOCODER_URL      the service's address, to use a proxy or a test server
    LEARNCITY_GEOCODER_TIMEOUT  seconds per request (default 3)

* VWorld (공간정보 오픈플랫폼, the national platform of the Ministry of Land) — the 주소→좌표
  geocoder API 2.0: `GET /req/address?service=address&request=getcoord&version=2.0&
  crs=epsg:4326&type=road|parcel&refine=true&simple=false&format=json&address=…&key=…`,
  answering `{"response": {"status": "OK" | "NOT_FOUND" | "ERROR",
  "result": {"crs": "EPSG:4326", "point": {"x": lon, "y": lat}}}}`; a road address is tried
  as "road", then as "parcel" (a lot-number address).
* Kakao local search — `GET /v2/local/search/address.json?query=…` with the header
  `Authorization: KakaoAK <key>`, answering `{"meta": {...}, "documents": [{"address_name":
  …, "x": lon, "y": lat}, …]}`; the first document is taken.

`locate` returns None when the service found nothing and raises `GeocoderError` when it
could not answer (unreachable, timeout, an error status, a malformed or out-of-Korea answer):
the importer then falls back to the 동 of the address or the name (catalog/locations.py) and
never fails because of the geocoder.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from learncity.algorithms.venue_location import MAX_TEXT, is_point
from learncity.core.errors import ConfigurationError, LearncityError

DEFAULT_TIMEOUT_S = 3.0
MAX_ANSWER_BYTES = 1_000_000


class GeocoderError(LearncityError):
    code = "geocoder_unavailable"
    http_status = 503


@dataclass(frozen=True)
class GeocodedPoint:
    latitude: float
    longitude: float
    provider: str
    matched: str = ""  # the address as the service understood it, when it says


class Geocoder(Protocol):
    @property
    def name(self) -> str: ...

    def locate(self, address: str) -> GeocodedPoint | None: ...


@dataclass(frozen=True)
class _Http:
    base_url: str
    key: str
    timeout_s: float = DEFAULT_TIMEOUT_S

    def get_json(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        url = self.base_url.rstrip("/") + path + "?" + urllib.parse.urlencode(query)
        # the URL is the operator's configured http(s) service (checked when configured)
        request = urllib.request.Request(  # noqa: S310
            url, headers={"Accept": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 - the operator's configured service
                body = response.read(MAX_ANSWER_BYTES + 1)
        except TimeoutError as error:
            raise GeocoderError(
                f"the geocoder did not answer within {self.timeout_s:g} s"
            ) from error
        except urllib.error.HTTPError as error:
            raise GeocoderError(f"the geocoder answered HTTP {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise GeocoderError(f"the geocoder could not be reached: {error}") from error
        if len(body) > MAX_ANSWER_BYTES:
            raise GeocoderError("the geocoder's answer is too large")
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise GeocoderError("the geocoder's answer is not JSON") from error


def _point(x: Any, y: Any, provider: str, matched: str = "") -> GeocodedPoint:
    try:
        lon, lat = float(x), float(y)
    except (TypeError, ValueError) as error:
        raise GeocoderError(f"the geocoder's point is not a number: {x!r}, {y!r}") from error
    if not is_point(lat, lon):
        raise GeocoderError(f"the geocoder's point ({lat}, {lon}) is not in Korea")
    return GeocodedPoint(lat, lon, provider, matched[:MAX_TEXT])


@dataclass(frozen=True)
class VWorldGeocoder:
    http: _Http
    name: str = "vworld"

    def locate(self, address: str) -> GeocodedPoint | None:
        text = address.strip()[:MAX_TEXT]
        if not text:
            return None
        for kind in ("road", "parcel"):
            answer = self.http.get_json(
                "/req/address",
                {
                    "service": "address",
                    "request": "getcoord",
                    "version": "2.0",
                    "crs": "epsg:4326",
                    "type": kind,
                    "refine": "true",
                    "simple": "false",
                    "format": "json",
                    "address": text,
                    "key": self.http.key,
                },
                {},
            )
            response = answer.get("response") if isinstance(answer, dict) else None
            if not isinstance(response, dict):
                raise GeocoderError("the geocoder's answer has no 'response'")
            status = response.get("status")
            if status == "NOT_FOUND":
                continue
            if status != "OK":
                error = response.get("error")
                text_of = error.get("text", "") if isinstance(error, dict) else ""
                raise GeocoderError(f"the geocoder answered {status!r} {text_of}".strip())
            point = (response.get("result") or {}).get("point")
            if not isinstance(point, dict):
                raise GeocoderError("the geocoder's answer has no point")
            refined = response.get("refined")
            matched = refined.get("text", "") if isinstance(refined, dict) else ""
            return _point(point.get("x"), point.get("y"), self.name, str(matched))
        return None


@dataclass(frozen=True)
class KakaoGeocoder:
    http: _Http
    name: str = "kakao"

    def locate(self, address: str) -> GeocodedPoint | None:
        text = address.strip()[:MAX_TEXT]
        if not text:
            return None
        answer = self.http.get_json(
            "/v2/local/search/address.json",
            {"query": text},
            {"Authorization": f"KakaoAK {self.http.key}"},
        )
        documents = answer.get("documents") if isinstance(answer, dict) else None
        if not isinstance(documents, list):
            raise GeocoderError("the geocoder's answer has no 'documents'")
        if not documents:
            return None
        first = documents[0]
        if not isinstance(first, dict):
            raise GeocoderError("the geocoder's document is not an object")
        return _point(first.get("x"), first.get("y"), self.name, str(first.get("address_name", "")))


_SERVICES = {"vworld": "https://api.vworld.kr", "kakao": "https://dapi.kakao.com"}


def geocoder_from_environment(environ: Mapping[str, str] | None = None) -> Geocoder | None:
    """The geocoder the environment chooses, or None. A choice that cannot work (an unknown
    service, no key, a bad timeout) is a configuration error, said at once."""
    env = os.environ if environ is None else environ
    name = env.get("LEARNCITY_GEOCODER", "").strip().lower()
    if name in {"", "none", "off"}:
        return None
    if name not in _SERVICES:
        raise ConfigurationError(
            f"LEARNCITY_GEOCODER must be one of {', '.join(sorted(_SERVICES))} or empty, "
            f"not {name[:40]!r}"
        )
    key = env.get("LEARNCITY_GEOCODER_KEY", "").strip()
    if not key:
        raise ConfigurationError(f"LEARNCITY_GEOCODER={name} needs LEARNCITY_GEOCODER_KEY")
    raw_timeout = env.get("LEARNCITY_GEOCODER_TIMEOUT", "").strip()
    try:
        timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT_S
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 60:
        raise ConfigurationError("LEARNCITY_GEOCODER_TIMEOUT must be 0 < seconds <= 60")
    url = env.get("LEARNCITY_GEOCODER_URL", "").strip() or _SERVICES[name]
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError("LEARNCITY_GEOCODER_URL must start with http:// or https://")
    http = _Http(url, key, timeout)
    return VWorldGeocoder(http) if name == "vworld" else KakaoGeocoder(http)
