"""A small city built through the real services: an institution, weekly courses expanded
into sessions, learners who apply, are marked by the instructor and complete; the city's
signing keys in a temporary folder."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.contrib.auth.models import User

from learncity.attendance import services as attendance_services
from learncity.catalog.models import Institution, Programme, Schedule
from learncity.enrollment import services
from learncity.learners.access import Actor
from learncity.learners.models import Consent, Learner, StaffRole

OPEN = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
CLOSE = dt.datetime(2026, 2, 28, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # every course below has ended

_numbers = itertools.count(1)


@pytest.fixture
def keys(settings: Any, tmp_path: Any) -> Any:
    settings.LEARNCITY_CREDENTIAL_KEY_DIR = str(tmp_path / "keys")
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = ""
    settings.LEARNCITY_PUBLIC_URL = "https://learn.example.kr"
    return tmp_path / "keys"


def staff(role: str, **scope: Any) -> Actor:
    user = User.objects.create_user(f"{role}{next(_numbers)}", password="x-Staff-Pass-2026")
    StaffRole.objects.create(user=user, role=role, **scope)
    return Actor(user.pk)


def person(name: str = "김민수", birth_year: int = 1958) -> tuple[Learner, Actor]:
    number = next(_numbers)
    user = User.objects.create_user(f"citizen{number}", password="x-Learner-2026")
    learner = Learner.objects.create(
        user=user,
        name=name,
        birth_year=birth_year,
        phone=f"0108{number:07d}",
        email=f"citizen{number}@example.kr",
    )
    Consent.objects.create(learner=learner, purpose=Consent.Purpose.SERVICE)
    return learner, Actor(user.pk)


class City:
    def __init__(self) -> None:
        self.admin = staff(StaffRole.Role.CITY_ADMIN)
        self.auditor = staff(StaffRole.Role.AUDITOR)
        self.institution = Institution.objects.create(name="강남구평생학습관")
        self.other_institution = Institution.objects.create(name="서초구민회관")
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
        programme = Programme.objects.create(
            institution=institution or self.institution,
            title=title,
            display_title=title,
            category=category,
            learning_account=learning_account,
            credit_bank=credit_bank,
        )
        schedule = Schedule.objects.create(
            programme=programme,
            start_date=start,
            end_date=start + dt.timedelta(weeks=weeks - 1),
            weekdays=[1],
            start_time=dt.time(10, 0),
            end_time=dt.time(12, 0),
            capacity=20,
        )
        offer = services.offer_create(
            actor=self.admin, schedule_id=schedule.pk, capacity=20, opens_at=OPEN, closes_at=CLOSE
        )
        attendance_services.schedule_sessions_expand(actor=self.admin, schedule_id=schedule.pk)
        from learncity.catalog.session_selectors import sessions_of_schedule

        sessions = sessions_of_schedule(schedule.pk)
        assert len(sessions) == weeks
        return {"programme": programme, "offer": offer, "sessions": sessions}

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
        for session, status in zip(course["sessions"], statuses, strict=False):
            attendance_services.attendance_mark(
                actor=self.instructor,
                session_id=session.id,
                application_id=application_id,
                status=status,
                now=session.ends_at,
            )

    def complete(self, course: dict[str, Any]) -> dict[str, int]:
        return attendance_services.completion_run(
            offer_id=course["offer"].pk, actor=self.admin, now=AFTER
        )


@pytest.fixture
def city(db: None, keys: Any) -> City:
    return City()


def completed(city: City, **kw: Any) -> tuple[Learner, Actor, dict[str, Any]]:
    """A learner who attended 4 of 5 sessions (one late) of a new course, completed."""
    learner, actor = person(**{k: v for k, v in kw.items() if k in {"name", "birth_year"}})
    course = city.course(**{k: v for k, v in kw.items() if k not in {"name", "birth_year"}})
    application = city.enrol(course, learner, actor)
    city.attend(course, application, ["present", "late", "present", "absent", "present"])
    assert city.complete(course)["emitted"] == 1
    return learner, actor, course
