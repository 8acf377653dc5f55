"""Publishing and withdrawing notices. The policy's `notices.manage`: a city administrator
for the whole city and for any institution, an institution's staff for their institution."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.catalog.selectors import institution_brief
from learncity.core.errors import DomainError, NotFound
from learncity.learners.access import Actor, Scope, allowed
from learncity.notices.models import Notice

TITLE_MAX = 200
BODY_MAX = 5_000


class NoticeError(DomainError):
    code = "notice_error"


class NoticeForbidden(NoticeError):
    code = "forbidden"
    http_status = 403


class InvalidNotice(NoticeError):
    code = "invalid_notice"


def _scope(institution_id: int | None) -> Scope:
    return Scope(institution_id=institution_id) if institution_id is not None else Scope()


def _clean(text: str, limit: int, what: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise InvalidNotice(
            _("%(what)s은(는) %(limit)s자까지 쓸 수 있습니다") % {"what": what, "limit": limit}
        )
    return text


def notice_publish(
    *,
    actor: Actor,
    title: str,
    body: str = "",
    institution_id: int | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """Publish a notice of the city (no institution) or of an institution."""
    if not allowed(actor, "notices.manage", _scope(institution_id)):
        raise NoticeForbidden(
            _("이 공지를 낼 권한이 없습니다")
            if institution_id is not None
            else _("시 전체 공지는 시 관리자만 낼 수 있습니다")
        )
    title = _clean(title, TITLE_MAX, _("제목"))
    body = _clean(body, BODY_MAX, _("내용"))
    if not title:
        raise InvalidNotice(_("제목을 적어 주세요"))
    if institution_id is not None and institution_brief(institution_id) is None:
        raise NotFound(_("그런 기관이 없습니다"))
    with transaction.atomic():
        return Notice.objects.create(
            title=title,
            body=body,
            institution_id=institution_id,
            published_at=now or timezone.now(),
            published_by_id=actor.user_id,
        )


def notice_withdraw(
    *, actor: Actor, notice_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Withdraw a notice: it is no longer shown. Withdrawing it again changes nothing."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise NotFound(_("그런 공지가 없습니다"))
        if not allowed(actor, "notices.manage", _scope(notice.institution_id)):
            raise NoticeForbidden(_("이 공지를 내릴 권한이 없습니다"))
        if notice.withdrawn_at is None:
            notice.withdrawn_at = now or timezone.now()
            notice.withdrawn_by_id = actor.user_id
            notice.save(update_fields=["withdrawn_at", "withdrawn_by_id", "updated_at"])
            return {"notice_id": notice.pk, "withdrawn": True}
    return {"notice_id": notice.pk, "withdrawn": False}
