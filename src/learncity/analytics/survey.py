"""The post-course satisfaction survey (수료 후 만족도 조사).

Flow: when attendance emits a completion (attendance.services._complete_offer publishes
`CompletionEmitted`), analytics.subscribers calls `survey_invite` in the same transaction:
one invitation per completion (a unique
key, so a second completion run invites no one twice) and one message through the outbox
(SMS, else e-mail) with a link `/survey/<token>`. Only the token's SHA-256 digest is kept.
The person answers five items on a 5-point scale and may leave a comment, once
(`survey_respond`); the link expires after SURVEY_DAYS.

What results are grouped by is written on the invitation when it is made (programme,
institution, district, area, the person's groups at completion, the course's first day),
so the results do not move when a person closes their account: `survey_forget_learner`
(on learners' `LearnerErased`, in the erasure's transaction) unlinks the invitations and
drops the comments, the ratings stay as anonymous aggregates.

Comments are masked when they are written and again when they are shown (phone numbers,
e-mail addresses, the respondent's and the instructor's names, and any word followed by an
honorific such as 님, 씨, 선생님), and the respondent is never shown."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from learncity.analytics import models as _models
from learncity.analytics.models import SurveyInvitation, SurveyResponse
from learncity.core.errors import DomainError, NotFound
from learncity.core.vocabulary import word

ITEMS: tuple[str, ...] = _models.ITEMS  # overall, content, instructor, venue, recommend
SURVEY_DAYS = 30
COMMENT_MAX = 1000
SENIOR_AGE = 65
GROUPS = ("senior", "disability", "low_income", "multicultural")
GROUP_LABELS = {
    "senior": pgettext_lazy("survey group", "어르신 (65세 이상)"),
    "disability": pgettext_lazy("survey group", "장애인"),
    "low_income": pgettext_lazy("survey group", "저소득"),
    "multicultural": pgettext_lazy("survey group", "다문화"),
    "none": pgettext_lazy("survey group", "해당 없음"),
}
ITEM_LABELS = {
    "overall": gettext_lazy("전반적으로 만족하십니까?"),
    "content": gettext_lazy("강좌 내용은 유익했습니까?"),
    "instructor": gettext_lazy("강사의 진행에 만족하십니까?"),
    "venue": gettext_lazy("교육 장소와 접근성에 만족하십니까?"),
    "recommend": gettext_lazy("다른 사람에게 추천하시겠습니까?"),
}
GROUP_BY = ("programme", "institution", "category", "group")


class SurveyError(DomainError):
    code = "survey_error"


class SurveyUnknown(NotFound):
    code = "survey_unknown"


class SurveyExpired(SurveyError):
    code = "survey_expired"
    http_status = 410


class SurveyAlreadyAnswered(SurveyError):
    code = "survey_already_answered"
    http_status = 409


class SurveyInvalid(SurveyError):
    code = "survey_invalid"


# ------------------------------------------------------------------ tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_link(token: str) -> str:
    return f"{settings.LEARNCITY_PUBLIC_URL}/survey/{token}"


# ------------------------------------------------------------------ invitations


def _groups(eligibility: dict[str, Any] | None, at: dt.datetime) -> list[str]:
    if not eligibility:
        return []
    groups = []
    birth_year = eligibility.get("birth_year")
    if birth_year and at.year - int(birth_year) >= SENIOR_AGE:
        groups.append("senior")
    groups.extend(flag for flag in GROUPS[1:] if eligibility.get(flag))
    return groups


def _recipient(learner_id: int) -> tuple[str, str]:
    from learncity.learners.selectors import learner_export, learner_get

    person = learner_get(learner_id)
    if person and person.get("phone"):
        return "sms", str(person["phone"])
    exported = learner_export(learner_id) or {}
    email = str((exported.get("profile") or {}).get("email") or "")
    return ("email", email) if email else ("", "")


def survey_invite(
    *,
    completion_id: int,
    application_id: int,
    offer_id: int,
    learner_id: int,
    now: dt.datetime | None = None,
) -> bool:
    """Invite the person of a completion to the survey: one invitation and one message
    (queued in the caller's transaction). False when this completion was invited before.
    Without a phone number or e-mail address the invitation is kept unsent (channel "")
    and does not count as invited."""
    from learncity.catalog.selectors import schedule_record_facts
    from learncity.enrollment.selectors import offer_detail
    from learncity.learners.selectors import learner_eligibility, message_language
    from learncity.notifications.services import queue

    if SurveyInvitation.objects.filter(completion_id=completion_id).exists():
        return False
    now = now or timezone.now()
    offer = offer_detail(offer_id) or {}
    facts = schedule_record_facts(offer["schedule_id"]) if offer.get("schedule_id") else None
    facts = facts or {}
    channel, recipient = _recipient(learner_id)
    token = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():  # a savepoint: a concurrent run's invitation wins
            SurveyInvitation.objects.create(
                completion_id=completion_id,
                application_id=application_id,
                programme_id=facts.get("programme_id") or offer.get("programme_id") or 0,
                institution_id=facts.get("institution_id"),
                district_code=facts.get("district_code") or "",
                category=facts.get("category") or "",
                learner_id=learner_id,
                groups=_groups(learner_eligibility(learner_id), now),
                course_start=facts.get("start_date"),
                channel=channel,
                token_digest=_digest(token),
                hint=token[-4:],
                created_at=now,
                expires_at=now + dt.timedelta(days=SURVEY_DAYS),
            )
    except IntegrityError:
        return False
    if channel:
        # composed in the person's language, whatever the page that ran completion
        with translation.override(message_language(learner_id)):
            subject = "[learncity] " + gettext("수료를 축하합니다")
            body = gettext(
                "%(title)s 수료를 축하합니다. 1분 만족도 조사에 참여해 주세요"
                " (%(days)s일간): %(link)s"
            ) % {"title": facts.get("title") or "", "days": SURVEY_DAYS, "link": survey_link(token)}
        queue(
            kind="survey",
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            dedupe_key=f"completion:{completion_id}:survey",
        )
    return True


def survey_invite_pending(*, now: dt.datetime | None = None, limit: int = 10_000) -> int:
    """Invite every completion not invited yet (completions from before the survey, or a
    run that failed); idempotent. Returns how many were invited."""
    from learncity.attendance.selectors import completion_events

    invited = set(SurveyInvitation.objects.values_list("completion_id", flat=True))
    count = 0
    for event in completion_events(limit=limit):
        if event["id"] in invited:
            continue
        with transaction.atomic():
            count += survey_invite(
                completion_id=event["id"],
                application_id=event["application_id"],
                offer_id=event["offer_id"],
                learner_id=event["learner_id"],
                now=now,
            )
    return count


# ------------------------------------------------------------------ answering


def survey_get(token: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The invitation behind a link, for the survey page: the course title and state
    ("open", "answered", "expired"). SurveyUnknown for a forged or mistyped token."""
    from learncity.catalog.selectors import programme_title

    token = (token or "").strip()
    if not token or len(token) > 100:
        raise SurveyUnknown(gettext("이 설문 링크를 찾을 수 없습니다"))
    found = SurveyInvitation.objects.filter(token_digest=_digest(token)).first()
    if found is None:
        raise SurveyUnknown(gettext("이 설문 링크를 찾을 수 없습니다"))
    now = now or timezone.now()
    state = "answered" if found.responded_at else "expired" if found.expires_at <= now else "open"
    title = programme_title(found.programme_id)  # "" for a programme deleted since
    return {"title": title, "state": state, "expires_at": found.expires_at, "hint": found.hint}


def _rating(name: str, value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdecimal() or not 1 <= int(text) <= 5:
        raise SurveyInvalid(
            gettext("%(question)s 1~5 중 하나를 골라 주세요") % {"question": ITEM_LABELS[name]},
            details={"field": name},
        )
    return int(text)


def survey_respond(
    *, token: str, answers: dict[str, Any], comment: str = "", now: dt.datetime | None = None
) -> None:
    """Record the answers to one invitation, once. Every item 1-5; the comment is optional,
    at most COMMENT_MAX characters, and stored masked. A second answer, an expired link or
    an unknown token is refused and nothing is written."""
    from learncity.learners.selectors import learner_get

    now = now or timezone.now()
    token = (token or "").strip()
    ratings = {name: _rating(name, answers.get(name)) for name in ITEMS}
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise SurveyInvalid(
            gettext("의견은 %(max)s자까지 쓸 수 있습니다") % {"max": COMMENT_MAX},
            details={"field": "comment"},
        )
    if not token or len(token) > 100:
        raise SurveyUnknown(gettext("이 설문 링크를 찾을 수 없습니다"))
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update().filter(token_digest=_digest(token)).first()
        )
        if invitation is None:
            raise SurveyUnknown(gettext("이 설문 링크를 찾을 수 없습니다"))
        if invitation.responded_at is not None:
            raise SurveyAlreadyAnswered(gettext("이미 응답하셨습니다. 참여해 주셔서 감사합니다"))
        if invitation.expires_at <= now:
            raise SurveyExpired(
                gettext("설문 기간이 끝났습니다"),
                details={"expired_at": invitation.expires_at.isoformat()},
            )
        names = _names_for(invitation.programme_id)
        person = learner_get(invitation.learner_id) if invitation.learner_id else None
        if person and person.get("name"):
            names.append(str(person["name"]))
        try:
            with transaction.atomic():  # a savepoint: a concurrent answer hit the unique key
                SurveyResponse.objects.create(
                    invitation=invitation,
                    comment=mask_personal(text, names),
                    submitted_at=now,
                    **ratings,
                )
        except IntegrityError:
            raise SurveyAlreadyAnswered(
                gettext("이미 응답하셨습니다. 참여해 주셔서 감사합니다")
            ) from None
        SurveyInvitation.objects.filter(pk=invitation.pk).update(responded_at=now)


def _names_for(programme_id: int) -> list[str]:
    """The instructor names of a programme (masked in comments)."""
    from learncity.catalog.selectors import programme_rows

    names: list[str] = []
    for row in programme_rows(ids=[programme_id]):
        for part in re.split(r"[,/·&]| 외 ", row.get("instructor") or ""):
            name = re.sub(r"\(.*?\)", "", part).strip()
            if len(name) >= 2:
                names.append(name)
    return names


# ------------------------------------------------------------------ masking

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.(?:[A-Za-z0-9-]+|[가-힣]+))+")
_PHONE = re.compile(
    r"(?<!\d)(?:\+?82[-.\s]?)?0?1[016789][-.\s]?\d{3,4}[-.\s]?\d{4}(?!\d)"
    r"|(?<!\d)0\d{1,2}[-.\s)]\s?\d{3,4}[-.\s]?\d{4}(?!\d)"
    r"|(?<!\d)\d{3,4}[-.\s]\d{4}(?!\d)"
)
_HONORIFIC = re.compile(
    r"(?<![가-힣])([가-힣]{2,4})(?=\s?(?:선생님|강사님|교수님|선생|강사|님|씨|쌤|샘))"
)
# Words that come before an honorific but name no one (선생님, 강사님, 회원님 ...).
_ROLE_WORDS = frozenset(
    [
        "선생",
        "강사",
        "교수",
        "회원",
        "수강생",
        "학생",
        "여러분",
        "고객",
        "부모",
        "어르신",
        "센터장",
        "관장",
        "원장",
        "담당자",
        "직원",
        "주민",
        "시민",
        "학부모",
        "선배",
        "후배",
        "동기",
        "모두",
        "다들",
        "분들",
        "운영자",
        "관계자",
        "봉사자",
    ]
)
MASK = "○○○"


def _honorific(match: re.Match[str]) -> str:
    word = match.group(1)
    return word if word in _ROLE_WORDS else MASK


def mask_personal(text: str, names: Iterable[str] = ()) -> str:
    """Phone numbers, e-mail addresses, the given names (and, for a three-syllable Korean
    name, its given part as in 지성이, 지성 씨) and any 2-4 syllable word before an honorific
    (님, 씨, 선생님, 강사님 …; not role words such as 선생, 회원) replaced by ○○○."""
    masked = _EMAIL.sub("[이메일·e-mail]", text or "")
    masked = _PHONE.sub("[전화번호·phone]", masked)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        masked = masked.replace(name, MASK)
        if re.fullmatch(r"[가-힣]{3}", name):
            given = re.escape(name[1:])
            masked = re.sub(
                rf"(?<![가-힣]){given}(?=[이아야]?(?:님|씨|\s|$|[^가-힣]))", MASK, masked
            )
    return _HONORIFIC.sub(_honorific, masked)


# ------------------------------------------------------------------ erasure


def survey_forget_learner(*, learner_id: int) -> dict[str, int]:
    """At a person's erasure: their invitations lose the link to them and their comments
    are deleted; the ratings and the attributes results are grouped by stay (anonymous
    aggregates). Idempotent."""
    with transaction.atomic():
        ids = list(
            SurveyInvitation.objects.filter(learner_id=learner_id).values_list("id", flat=True)
        )
        comments = (
            SurveyResponse.objects.filter(invitation_id__in=ids)
            .exclude(comment="")
            .update(comment="")
        )
        unlinked = SurveyInvitation.objects.filter(id__in=ids).update(learner_id=None)
    return {"survey_invitations_unlinked": unlinked, "survey_comments_deleted": comments}


# ------------------------------------------------------------------ results


def _scoped(filters: Any) -> QuerySet[SurveyInvitation]:
    """Invitations sent, narrowed by the console's filters (year, term "YYYY-1"/"YYYY-2" as
    the first/second half of the year, month, district, institution) on the course's first
    day (the day of completion when the course has none)."""
    queryset = SurveyInvitation.objects.exclude(channel="")
    if filters is None:
        return queryset
    year = getattr(filters, "year", None)
    month = getattr(filters, "month", None)
    term = getattr(filters, "term", None)
    start: dt.date | None = None
    end: dt.date | None = None
    if term:
        match = re.fullmatch(r"\s*(\d{4})-([12])\s*", str(term))
        if not match:
            raise SurveyInvalid(
                gettext("학기는 YYYY-1 또는 YYYY-2 형식입니다: %(term)s")
                % {"term": repr(str(term)[:20])}
            )
        half = int(match.group(2))
        start = dt.date(int(match.group(1)), 1 if half == 1 else 7, 1)
        end = dt.date(int(match.group(1)) + (half == 2), 7 if half == 1 else 1, 1)
    elif year:
        if month:
            start = dt.date(int(year), int(month), 1)
            end = dt.date(int(year) + (month == 12), 1 if month == 12 else int(month) + 1, 1)
        else:
            start, end = dt.date(int(year), 1, 1), dt.date(int(year) + 1, 1, 1)
    if start is not None and end is not None:
        first_day = Q(course_start__gte=start, course_start__lt=end)
        no_day = Q(
            course_start__isnull=True,
            created_at__date__gte=start,
            created_at__date__lt=end,
        )
        queryset = queryset.filter(first_day | no_day)
    district = getattr(filters, "district_code", None)
    if district:
        queryset = queryset.filter(district_code=district)
    institution = getattr(filters, "institution_id", None)
    if institution:
        queryset = queryset.filter(institution_id=institution)
    return queryset


def _labels(group_by: str, keys: set[Any]) -> dict[Any, str]:
    if group_by == "group":
        return {key: str(GROUP_LABELS.get(key, key)) for key in keys}
    if group_by == "category":
        from learncity.catalog.selectors import category_labels

        labels = category_labels()
        return {key: labels.get(key) or key or word("미분류", "area") for key in keys}
    if group_by == "institution":
        from learncity.catalog.selectors import institution_names

        names = institution_names([k for k in keys if k is not None])
        return {
            key: names.get(key, "") if key is not None else gettext("기관 미상") for key in keys
        }
    from learncity.catalog.selectors import programme_title

    return {key: programme_title(key) or f"#{key}" for key in keys}


def survey_results(group_by: str, filters: Any = None) -> list[dict[str, Any]]:
    """Response rate and mean of each item by programme, institution, category (area) or
    group (a person in two groups counts in both; "none" for no group). Rows: key, label,
    invited, responded, response_rate, n (responses), mean_<item> for each item (None
    without responses), largest groups first."""
    if group_by not in GROUP_BY:
        raise SurveyInvalid(
            gettext("group_by는 %(choices)s 중 하나여야 합니다: %(value)s")
            % {"choices": ", ".join(GROUP_BY), "value": repr(str(group_by)[:30])}
        )
    field = {"programme": "programme_id", "institution": "institution_id"}.get(
        group_by, group_by if group_by == "category" else "groups"
    )
    invited: dict[Any, int] = defaultdict(int)
    sums: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ITEMS, 0))
    responded: dict[Any, int] = defaultdict(int)
    invitations = _scoped(filters)
    rows = invitations.values_list("id", field)
    answers = {
        row[0]: row[1:]
        for row in SurveyResponse.objects.filter(invitation__in=invitations).values_list(
            "invitation_id", *ITEMS
        )
    }
    for invitation_id, value in rows:
        keys = (value or ["none"]) if group_by == "group" else [value]
        for key in keys:
            invited[key] += 1
            if invitation_id in answers:
                responded[key] += 1
                for item, score in zip(ITEMS, answers[invitation_id], strict=True):
                    sums[key][item] += score
    labels = _labels(group_by, set(invited))
    result = []
    for key, count in invited.items():
        n = responded[key]
        row: dict[str, Any] = {
            "key": key,
            "label": labels.get(key, str(key)),
            "invited": count,
            "responded": n,
            "response_rate": n / count if count else None,
            "n": n,
        }
        for item in ITEMS:
            row[f"mean_{item}"] = round(sums[key][item] / n, 3) if n else None
        result.append(row)
    result.sort(key=lambda r: (-r["invited"], str(r["label"])))
    return result


def survey_comments(filters: Any = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest comments, masked, with the programme's title and the day (never who
    wrote them): {comment, programme_id, programme, date}."""
    from learncity.catalog.selectors import programme_title

    limit = max(0, min(int(limit), 500))
    found = (
        SurveyResponse.objects.filter(invitation__in=_scoped(filters))
        .exclude(comment="")
        .order_by("-submitted_at", "-id")
        .values_list("comment", "invitation__programme_id", "submitted_at")[:limit]
    )
    titles: dict[int, str] = {}
    result = []
    for comment, programme_id, submitted in found:
        if programme_id not in titles:
            titles[programme_id] = programme_title(programme_id)
        result.append(
            {
                "comment": mask_personal(comment),
                "programme_id": programme_id,
                "programme": titles[programme_id],
                "date": timezone.localtime(submitted).date(),
            }
        )
    return result


def survey_overview(filters: Any = None) -> dict[str, Any]:
    """Invited, responded, the response rate and the mean of each item over everything in
    the filters (one row: the headline of the console page and the report)."""
    invitations = _scoped(filters)
    invited = invitations.count()
    answers = list(SurveyResponse.objects.filter(invitation__in=invitations).values_list(*ITEMS))
    n = len(answers)
    overview: dict[str, Any] = {
        "invited": invited,
        "responded": n,
        "response_rate": n / invited if invited else None,
    }
    for index, item in enumerate(ITEMS):
        overview[f"mean_{item}"] = round(sum(a[index] for a in answers) / n, 3) if n else None
    return overview
