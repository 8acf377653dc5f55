"""Reads of learners."""

from __future__ import annotations

from learncity.learners.models import Learner


def learner_id_of_user(user_id: int) -> int | None:
    found: int | None = Learner.objects.filter(user_id=user_id).values_list("pk", flat=True).first()
    return found


def username_taken(username: str) -> bool:
    from django.contrib.auth.models import User

    return User.objects.filter(username=username).exists()
