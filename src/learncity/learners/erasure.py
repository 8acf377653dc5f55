"""Closing an account at the person's request (개인정보 삭제 요구): the sign-in is disabled,
every directly identifying field is erased, and the attributes the city's statistics count
by are kept on the pseudonymous row (birth year, district and neighbourhood, the group
flags), so that indicators and the counts of applications and completions stay the same."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from learncity.core import events
from learncity.core.errors import NotFound
from learncity.learners.events import LearnerErased
from learncity.learners.models import ApiToken, Consent, HouseholdLink, Learner, StaffAudit

ERASED_NAME = "탈퇴 회원"


def learner_erase(*, learner_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Erase the person's identifying fields and close the account. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        learner = Learner.objects.select_for_update().filter(pk=learner_id).first()
        if learner is None:
            raise NotFound(f"no learner {learner_id}")
        pseudonym = f"erased-{secrets.token_hex(8)}"
        learner.name = ERASED_NAME
        learner.phone = None
        learner.phone_verified = False
        learner.identity_token = None
        learner.email = ""
        learner.language = Learner.Language.KOREAN
        learner.save(
            update_fields=[
                "name",
                "phone",
                "phone_verified",
                "identity_token",
                "email",
                "language",
                "updated_at",
            ]
        )
        user = User.objects.select_for_update().get(pk=learner.user_id)
        if user.is_active or not user.username.startswith("erased-"):
            user.username = pseudonym
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        consents = Consent.objects.filter(learner_id=learner_id, withdrawn_at__isnull=True).update(
            withdrawn_at=now
        )
        links = HouseholdLink.objects.filter(withdrawn_at__isnull=True, proxy_id=learner_id).update(
            withdrawn_at=now, relation=""
        ) + HouseholdLink.objects.filter(withdrawn_at__isnull=True, member_id=learner_id).update(
            withdrawn_at=now, relation=""
        )
        tokens = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
            revoked_at=now, label=""
        )
        # the staff audit log keeps what happened, under the pseudonym
        StaffAudit.objects.filter(subject_id=user.pk).update(subject_label=user.username)
        StaffAudit.objects.filter(actor_id=user.pk).update(actor_label=user.username)
        # the contexts above let go of the person in this transaction (analytics: the survey
        # answers lose their link and comments; the ratings stay, anonymous)
        released: dict[str, int] = {}
        for counts in events.publish(LearnerErased(learner_id=learner_id, at=now)):
            released.update(counts or {})
    return {
        "consents_withdrawn": consents,
        "household_links_withdrawn": links,
        "tokens": tokens,
        **released,
    }


def learner_is_erased(learner_id: int) -> bool:
    return Learner.objects.filter(pk=learner_id, user__is_active=False, name=ERASED_NAME).exists()
