"""A small city built through the real services beside the world: an institution of its own,
weekly courses expanded into sessions, staff of each role, learners who apply, are marked by
the instructor and complete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from learncity.attendance import services as attendance
from learncity.catalog.models import Institution
from learncity.enrollment import services
from learncity.learners.access import Actor
from learncity.learners.models import Consent, Learner, StaffRole
from tests.attendance.factories import attend, course_on
from tests.catalog.factories import institution, programme, weekly_schedule
from tests.learners.factories import citizen, number, staff

OPEN = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
CLOSE = dt.datetime(2026, 2, 28, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # every course below has ended


class City:
    def __init__(self) -> None:
        self.admin = staff(StaffRole.Role.CITY_ADMIN)
        self.auditor = staff(StaffRole.Role.AUDITOR)
        self.institution = institution("강남구평생학습관")
        self.other_institution = institution("서초구민회관")
        self.instructor = staff(StaffRole.Role.INSTRUCTOR, institution=self.institution)
        self.institution_staff = staff(
            StaffRole.Role.INSTITUTION_STAFF, institution=self.institution
        )
        self.outsider = staff(StaffRole.Role.INSTITUTION_STAFF, institution=self.other_institution)

    def course(
        self,
        title: str = "한글 교실",
        *,
        category: str = "literacy",
        learning_account: bool | None = True,
        credit_bank: bool | None = False,
        institution: Institution | None = None,
        weeks: int = 5,
        start: dt.date = dt.date(2026, 3, 2),  # a Monday
    ) -> dict[str, Any]:
        """A weekly Monday course, 10:00-12:00, `weeks` sessions, enrolment open."""
        made = programme(
            institution or self.institution,
            title,
            category=category,
            learning_account=learning_account,
            credit_bank=credit_bank,
        )
        schedule = weekly_schedule(made, start=start, weeks=weeks)
        done = course_on(schedule.pk, actor=self.admin, capacity=20, opens_at=OPEN, closes_at=CLOSE)
        assert len(done["sessions"]) == weeks
        return {**done, "programme": made}

    def enrol(self, course: dict[str, Any], learner: Learner, actor: Actor) -> int:
        done = services.apply(
            actor=actor,
            offer_id=course["offer"].pk,
            learner_id=learner.pk,
            idempotency_key=f"apply-{learner.pk}-{course['offer'].pk}",
            now=OPEN + dt.timedelta(days=1),
        )
        assert done.status == "confirmed"
        return done.application_id

    def attend(self, course: dict[str, Any], application_id: int, statuses: list[str]) -> None:
        attend(self.instructor, course["sessions"], application_id, statuses)

    def complete(self, course: dict[str, Any]) -> dict[str, int]:
        return attendance.completion_run(offer_id=course["offer"].pk, actor=self.admin, now=AFTER)


def person(name: str = "김민수", birth_year: int = 1958) -> tuple[Learner, Actor]:
    """A citizen with an e-mail address who consented to the service."""
    n = number()
    return citizen(
        name=name,
        birth_year=birth_year,
        email=f"citizen{n}@example.kr",
        consents=(Consent.Purpose.SERVICE,),
    )


def completed(city: City, **kw: Any) -> tuple[Learner, Actor, dict[str, Any]]:
    """A learner who attended 4 of 5 sessions (one late) of a new course, completed."""
    learner, actor = person(**{k: v for k, v in kw.items() if k in {"name", "birth_year"}})
    course = city.course(**{k: v for k, v in kw.items() if k not in {"name", "birth_year"}})
    application = city.enrol(course, learner, actor)
    city.attend(course, application, ["present", "late", "present", "absent", "present"])
    assert city.complete(course)["emitted"] == 1
    return learner, actor, course


def signing_key_in(directory: Path) -> str:
    """A new active signing key whose private half is in `directory` (the test's
    LEARNCITY_CREDENTIAL_KEY_DIR), the other keys left as they are: what `learncity migrate`
    makes for a new database. Its id."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.utils import timezone

    from learncity.algorithms.records import b64url_encode
    from learncity.records.keys import key_id_of
    from learncity.records.models import SigningKey

    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key_id = key_id_of(raw)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{key_id}.pem").write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    SigningKey.objects.create(
        key_id=key_id, public_key=b64url_encode(raw), created_at=timezone.now()
    )
    return key_id
