"""Reads of notices: the current ones for the citizen's pages, and those a member of staff
may manage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from learncity.learners.access import Actor, reach_of
from learncity.notices.models import Notice


@dataclass(frozen=True)
class NoticeRow:
    id: int
    title: str
    body: str
    institution_id: int | None
    institution: str  # the publisher's name; "" for the city
    published_at: Any
    withdrawn_at: Any


_FIELDS = (
    "id",
    "title",
    "body",
    "institution_id",
    "institution__name",
    "published_at",
    "withdrawn_at",
)


def _rows(queryset: Any) -> list[NoticeRow]:
    return [
        NoticeRow(pk, title, body, institution, name or "", published, withdrawn)
        for pk, title, body, institution, name, published, withdrawn in queryset.values_list(
            *_FIELDS
        )
    ]


def notices_current(*, institution_id: int | None = None, limit: int = 5) -> list[NoticeRow]:
    """The notices shown now, newest first: of one institution when given (its programme and
    institution pages), else every one (the home page: the city's and the institutions')."""
    queryset = Notice.objects.filter(withdrawn_at__isnull=True)
    if institution_id is not None:
        queryset = queryset.filter(institution_id=institution_id)
    return _rows(queryset.order_by("-published_at", "-id")[:limit])


def notices_for_staff(actor: Actor, *, limit: int = 200) -> list[NoticeRow]:
    """The notices the person may withdraw (the policy's `notices.manage`), withdrawn ones
    included, newest first."""
    reach = reach_of(actor, "notices.manage")
    queryset = Notice.objects.all()
    if not reach.everywhere:
        queryset = queryset.filter(institution_id__in=reach.institutions)
    return _rows(queryset.order_by("-published_at", "-id")[:limit])
