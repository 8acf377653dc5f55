"""Verifiable credentials: an Open Badges 3.0 `OpenBadgeCredential` (W3C VC data model 2.0)
for each completed course, secured as VC-JWT (VC-JOSE-COSE: the compact JWS of the
credential, `typ: vc+jwt`, EdDSA with Ed25519); revocation through a Bitstring Status List
credential published at `{PUBLIC_URL}/credentials/status/{n}`; and one verifier used by the
public page, the API and `learncity credentials verify` (docs/credentials.md says why VC-JWT).

The issuer id is stable (issue 19, finding 10): `LEARNCITY_ISSUER_ID` when set, else the id
the first credential was issued under (kept in `IssuerIdentifier`), so that a later change of
`LEARNCITY_PUBLIC_URL` leaves every issued credential verifying. Status lists are signed once
a minute per process at most (`status_list_jwt`), and a revocation in the process clears them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from learncity.algorithms.records import (
    STATUS_LIST_SIZE,
    EncodingError,
    b64url_decode,
    b64url_encode,
    hours,
    status_bit,
    status_list_decode,
    status_list_encode,
)
from learncity.core.errors import DomainError, NotFound
from learncity.records.keys import (
    key_get,
    key_id_of_url,
    public_key_of,
    public_url,
    signing_key_current,
)
from learncity.records.models import Credential, IssuerIdentifier, RecordEntry

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
MEDIA_TYPE = "application/vc+jwt"
ENVELOPE_PREFIX = f"data:{MEDIA_TYPE},"
MAX_INPUT = 200_000  # characters: a credential is a few kilobytes
STATUS_LIST_TTL = 60.0  # seconds a signed status list is served from memory (= Cache-Control)


class CredentialError(DomainError):
    code = "credential_error"


def issuer_id() -> str:
    """The issuer's id in the credentials issued now: `LEARNCITY_ISSUER_ID`, else the id the
    first credential was issued under, else (nothing issued yet) one under the public URL."""
    configured = str(getattr(settings, "LEARNCITY_ISSUER_ID", "") or "").strip()
    if configured:
        return configured
    first = IssuerIdentifier.objects.order_by("first_used_at", "id").values_list("value", flat=True)
    return first.first() or f"{public_url()}/credentials/issuer"


def issuer_ids_known() -> set[str]:
    """Every issuer id this city has issued under, and the current one: the verifier accepts
    them all (a credential names the issuer it was issued by, for ever)."""
    return {*IssuerIdentifier.objects.values_list("value", flat=True), issuer_id()}


def _issuer_id_record(now: dt.datetime) -> str:
    """The current issuer id, kept (once) as one this city issued under."""
    value = issuer_id()
    IssuerIdentifier.objects.get_or_create(value=value, defaults={"first_used_at": now})
    return value


def issuer_name() -> str:
    """`LEARNCITY_ISSUER_NAME` when set, else the city's name (`learncity city set`): the
    credentials a citizen shows carry their city's name, not the software's."""
    from django.conf import settings

    from learncity.regions.selectors import city_sender_name

    configured = str(settings.LEARNCITY_ISSUER_NAME or "").strip()
    if configured:
        return configured
    return city_sender_name() or "평생학습도시"


def issuer_profile() -> dict[str, Any]:
    return {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": issuer_name(),
        "url": public_url() + "/",
    }


def status_list_url(number: int) -> str:
    return f"{public_url()}/credentials/status/{number}"


def verification_url(credential_uuid: str) -> str:
    return f"{public_url()}/credentials/verify?id={credential_uuid}"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# ------------------------------------------------------------------ JWS (compact, EdDSA)


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode()


def jws_sign(payload: dict[str, Any], *, now: dt.datetime | None = None) -> tuple[str, str]:
    """The compact JWS of the payload with the current key, and that key's id."""
    info, private = signing_key_current(now=now)
    header = {"alg": "EdDSA", "kid": info.url, "typ": "vc+jwt", "cty": "vc"}
    signing_input = (
        b64url_encode(_canonical_json(header)) + "." + b64url_encode(_canonical_json(payload))
    )
    signature = private.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature), info.key_id


# ------------------------------------------------------------------ issue


def credential_payload(
    entry: RecordEntry,
    *,
    learner_name: str,
    credential_uuid: str,
    status_index: int,
    issued_at: dt.datetime,
    valid_until: dt.datetime | None = None,
    category_label: str = "",
) -> dict[str, Any]:
    """The OpenBadgeCredential of one record entry. The learner is named only by a salted
    SHA-256 of the name (IdentityObject): the holder proves it by showing the name."""
    issuer = issuer_profile()
    salt = secrets.token_hex(8)
    identity = hashlib.sha256((learner_name + salt).encode()).hexdigest()
    number, index = divmod(status_index, STATUS_LIST_SIZE)
    list_url = status_list_url(number + 1)
    scheduled, attended = hours(entry.scheduled_minutes), hours(entry.attended_minutes)
    description = (
        f"{entry.institution_name}에서 운영한 '{entry.title}' 과정을 수료했습니다 "
        f"(출석 {entry.sessions_attended}/{entry.sessions_counted}회, "
        f"학습시간 {attended}시간 / 편성 {scheduled}시간). "
        f"Completed the course '{entry.title}' at {entry.institution_name} "
        f"({entry.sessions_attended} of {entry.sessions_counted} sessions, "
        f"{attended} of {scheduled} hours)."
    )
    achievement: dict[str, Any] = {
        "id": f"{public_url()}/programmes/{entry.programme_id}",
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": entry.title,
        "description": description,
        "criteria": {
            "narrative": (
                f"출석률 {entry.threshold_percent:g}% 이상 · "
                f"at least {entry.threshold_percent:g}% attendance of the held sessions"
            )
        },
        "creator": {
            "id": f"{public_url()}/institutions/{entry.institution_id}",
            "type": ["Profile"],
            "name": entry.institution_name,
        },
        "inLanguage": "ko",
    }
    if category_label:
        achievement["fieldOfStudy"] = category_label
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": f"sha256${identity}",
                "identityType": "name",
                "hashed": True,
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }
    if entry.start_date:
        subject["activityStartDate"] = f"{entry.start_date.isoformat()}T00:00:00+09:00"
    if entry.end_date:
        subject["activityEndDate"] = f"{entry.end_date.isoformat()}T00:00:00+09:00"
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{credential_uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{entry.title} 수료",
        "description": description,
        "issuer": issuer,
        "validFrom": _iso(issued_at),
        "awardedDate": _iso(entry.completed_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if valid_until is not None:
        credential["validUntil"] = _iso(valid_until)
    return credential


def credential_issue(
    *,
    entry: RecordEntry,
    learner_name: str,
    category_label: str = "",
    now: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> Credential:
    """Issue the credential of a record entry (once: an entry has at most one)."""
    now = now or timezone.now()
    with transaction.atomic():
        existing = Credential.objects.filter(entry=entry).first()
        if existing is not None:
            return existing
        info, _ = signing_key_current(now=now)
        _issuer_id_record(now)
        from learncity.records.models import SigningKey

        row = Credential.objects.create(
            learner_id=entry.learner_id,
            entry=entry,
            key=SigningKey.objects.get(key_id=info.key_id),
            jwt="",
            issued_at=now,
            valid_until=valid_until,
        )
        payload = credential_payload(
            entry,
            learner_name=learner_name,
            credential_uuid=str(row.uuid),
            status_index=row.pk,
            issued_at=now,
            valid_until=valid_until,
            category_label=category_label,
        )
        row.jwt, key_id = jws_sign(payload, now=now)
        if key_id != info.key_id:  # rotated in between: name the key that signed
            row.key = SigningKey.objects.get(key_id=key_id)
        row.save(update_fields=["jwt", "key"])
    return row


def credential_revoke(*, credential_uuid: str, reason: str, now: dt.datetime | None = None) -> bool:
    """Revoke a credential (its bit in the status list is set); False if it was before."""
    now = now or timezone.now()
    if not Credential.objects.filter(uuid=credential_uuid).exists():
        raise NotFound(f"no credential {credential_uuid}")
    revoked = bool(
        Credential.objects.filter(uuid=credential_uuid, revoked_at__isnull=True).update(
            revoked_at=now, revocation_reason=reason[:200]
        )
    )
    status_list_cache_clear()
    transaction.on_commit(status_list_cache_clear)  # a request in between kept the old list
    return revoked


# ------------------------------------------------------------------ status list


def status_list_payload(number: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The BitstringStatusListCredential of list `number` (1, 2, ...), as it is now."""
    if number < 1:
        raise NotFound(f"no status list {number}")
    now = now or timezone.now()
    low, high = (number - 1) * STATUS_LIST_SIZE, number * STATUS_LIST_SIZE
    revoked = Credential.objects.filter(
        pk__gte=low, pk__lt=high, revoked_at__isnull=False
    ).values_list("pk", flat=True)
    url = status_list_url(number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": _iso(now),
        "validUntil": _iso(now + dt.timedelta(days=1)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_list_encode(pk - low for pk in revoked),
        },
    }


_status_lists: dict[tuple[int, str, str], tuple[float, str]] = {}
_status_lists_lock = threading.Lock()


def status_list_cache_clear() -> None:
    """Forget the signed status lists of this process (after a revocation)."""
    with _status_lists_lock:
        _status_lists.clear()


def status_list_jwt(number: int, *, now: dt.datetime | None = None) -> str:
    """The status list signed: with `now` given, signed afresh; else the one this process
    signed in the last STATUS_LIST_TTL seconds (the page answers `max-age` the same), so an
    anonymous stream of requests signs at most once a minute per list. Signing reads the key
    only: a missing key is a ConfigurationError, never a new key."""
    if now is not None:
        token, _ = jws_sign(status_list_payload(number, now=now), now=now)
        return token
    cache_key = (number, public_url(), issuer_id())
    with _status_lists_lock:
        cached = _status_lists.get(cache_key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    token, _ = jws_sign(status_list_payload(number))
    with _status_lists_lock:
        _status_lists[cache_key] = (time.monotonic() + STATUS_LIST_TTL, token)
    return token


# ------------------------------------------------------------------ verify


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str  # "verified" or why not
    message: str
    credential: dict[str, Any] | None = None
    key_id: str | None = None
    checks: dict[str, bool] = field(default_factory=dict)

    def out(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "message": self.message,
            "key_id": self.key_id,
            "checks": self.checks,
            "credential": self.credential,
        }


MESSAGES = {
    "verified": gettext_lazy("유효한 증명서입니다"),
    "malformed": gettext_lazy("증명서 형식이 아닙니다"),
    "not_signed": gettext_lazy("서명이 없는 증명서입니다"),
    "unsupported": gettext_lazy("지원하지 않는 서명 방식입니다"),
    "unknown_key": gettext_lazy("발급 기관이 모르는 서명 키입니다"),
    "bad_signature": gettext_lazy("서명이 맞지 않습니다 (위조되었거나 바뀜)"),
    "unknown_issuer": gettext_lazy("이 기관이 발급한 증명서가 아닙니다"),
    "not_a_credential": gettext_lazy("Open Badges 증명서가 아닙니다"),
    "not_yet_valid": gettext_lazy("아직 유효 기간이 시작되지 않았습니다"),
    "expired": gettext_lazy("유효 기간이 지났습니다"),
    "key_retired": gettext_lazy("폐기된 키로 나중에 서명되었습니다"),
    "status_unavailable": gettext_lazy("폐지 여부를 확인할 수 없습니다"),
    "revoked": gettext_lazy("발급 기관이 폐지한 증명서입니다"),
}


def _refuse(reason: str, **kw: Any) -> Verification:
    return Verification(False, reason, str(MESSAGES[reason]), **kw)


def _compact_of(text: str) -> str | Verification:
    """The compact JWS in the input: the JWS itself, or the VC 2.0 envelope
    {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,..."}."""
    text = text.strip()
    if not text or len(text) > MAX_INPUT:
        return _refuse("malformed")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return _refuse("malformed")
        if not isinstance(document, dict):
            return _refuse("malformed")
        kinds = document.get("type")
        kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
        identifier = document.get("id")
        if "EnvelopedVerifiableCredential" in kinds and isinstance(identifier, str):
            if not identifier.startswith(ENVELOPE_PREFIX):
                return _refuse("unsupported")
            return identifier[len(ENVELOPE_PREFIX) :]
        if "proof" in document:
            return _refuse("unsupported")
        return _refuse("not_signed")
    return text


def _jws_open(compact: str) -> tuple[dict[str, Any], dict[str, Any], str] | Verification:
    """Check the JWS: (header, payload, key id) or the refusal."""
    parts = compact.split(".")
    if len(parts) != 3:
        return _refuse("malformed")
    try:
        header_raw, payload_raw, signature = (b64url_decode(part) for part in parts)
        header = json.loads(header_raw.decode("utf-8"))
        payload = json.loads(payload_raw.decode("utf-8"))
    except (EncodingError, UnicodeDecodeError, ValueError):
        return _refuse("malformed")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return _refuse("malformed")
    if header.get("alg") != "EdDSA" or set(header.get("crit", [])):
        return _refuse("unsupported")
    kid = header.get("kid")
    key_id = key_id_of_url(kid) if isinstance(kid, str) else None
    info = key_get(key_id) if key_id else None
    if info is None:
        return _refuse("unknown_key")
    try:
        public_key_of(info).verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        return _refuse("bad_signature", key_id=info.key_id)
    return header, payload, info.key_id


def credential_verify(text: str, *, now: dt.datetime | None = None) -> Verification:
    """Verify a credential as given by its holder: signature (a key the city published),
    issuer, validity period, revocation (the status list). The first failing check is the
    reason."""
    now = now or timezone.now()
    compact = _compact_of(text)
    if isinstance(compact, Verification):
        return compact
    opened = _jws_open(compact)
    if isinstance(opened, Verification):
        return opened
    _, credential, key_id = opened
    checks = {"signature": True}
    issuer = credential.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_ref, str) or issuer_ref not in issuer_ids_known():
        return _refuse("unknown_issuer", credential=credential, key_id=key_id, checks=checks)
    checks["issuer"] = True
    kinds = credential.get("type")
    if not (
        isinstance(kinds, list)
        and "VerifiableCredential" in kinds
        and ("OpenBadgeCredential" in kinds or "AchievementCredential" in kinds)
    ):
        return _refuse("not_a_credential", credential=credential, key_id=key_id, checks=checks)
    valid_from = _parse_time(credential.get("validFrom"))
    if valid_from is None:
        return _refuse("not_a_credential", credential=credential, key_id=key_id, checks=checks)
    if valid_from > now:
        return _refuse("not_yet_valid", credential=credential, key_id=key_id, checks=checks)
    if "validUntil" in credential:
        valid_until = _parse_time(credential.get("validUntil"))
        if valid_until is None or valid_until <= now:
            return _refuse("expired", credential=credential, key_id=key_id, checks=checks)
    info = key_get(key_id)
    if info is not None and info.retired_at is not None and valid_from > info.retired_at:
        return _refuse("key_retired", credential=credential, key_id=key_id, checks=checks)
    checks["period"] = True
    revoked = _revoked(credential.get("credentialStatus"), now)
    if revoked is None:
        return _refuse("status_unavailable", credential=credential, key_id=key_id, checks=checks)
    if revoked:
        checks["status"] = False
        return _refuse("revoked", credential=credential, key_id=key_id, checks=checks)
    checks["status"] = True
    return Verification(True, "verified", str(MESSAGES["verified"]), credential, key_id, checks)


def _revoked(status: Any, now: dt.datetime) -> bool | None:
    """Whether the status list says revoked; None when it cannot be read. Only this city's
    lists are read (no network), from the database as they are now (no signing: verifying
    needs no private key). The list's host is not compared: the entry was signed by this
    city's key (checked before), under whatever public URL the city had then."""
    if status is None:
        return False  # a credential without status cannot be revoked
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            return None
        if entry.get("statusPurpose") != "revocation":
            continue
        url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
        if not isinstance(url, str) or not isinstance(index, str):
            return None
        _, marker, number_text = url.rpartition("/credentials/status/")
        try:
            number, position = int(number_text), int(index)
        except ValueError:
            return None
        if not marker or number < 1 or not 0 <= position < STATUS_LIST_SIZE:
            return None
        subject = status_list_payload(number, now=now).get("credentialSubject")
        if not isinstance(subject, dict):
            return None
        try:
            if status_bit(status_list_decode(str(subject.get("encodedList"))), position):
                return True
        except EncodingError:
            return None
    return False


def envelope(jwt: str) -> dict[str, Any]:
    """The VC 2.0 JSON form of a VC-JWT (the file a learner downloads)."""
    return {
        "@context": VC_CONTEXT,
        "id": ENVELOPE_PREFIX + jwt,
        "type": "EnvelopedVerifiableCredential",
    }


def jwt_payload(jwt: str) -> dict[str, Any]:
    """The credential inside a VC-JWT this city signed (no verification: for display)."""
    data: dict[str, Any] = json.loads(b64url_decode(jwt.split(".")[1]))
    return data
