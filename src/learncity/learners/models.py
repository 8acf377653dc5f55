"""Learners: one account per person, the least personal data the service needs, consent,
households, and staff roles scoped to an institution or a district."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learncity.core.models import TimeStampedModel

SENIOR_AGE = 65  # 노인복지법: 65 and over


class Learner(TimeStampedModel):
    """A citizen's profile. `phone` (digits only, verified) or `identity_token` (an opaque
    token from an identity service, e.g. a hash of a CI value) is unique: one account per
    person. `language` is the language of the person's SMS and e-mail messages: the page's
    at sign-up, changed on the account page (never by switching the page's language)."""

    class Language(models.TextChoices):
        # each language named in itself, whatever the page's language
        KOREAN = "ko", "한국어"
        ENGLISH = "en", "English"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner"
    )
    name = models.CharField(max_length=100)
    birth_year = models.PositiveSmallIntegerField()
    phone = models.CharField(max_length=20, null=True, blank=True, unique=True)
    phone_verified = models.BooleanField(default=False)
    identity_token = models.CharField(max_length=128, null=True, blank=True, unique=True)
    email = models.EmailField(blank=True, default="")
    district_code = models.CharField(max_length=10, blank=True, default="")
    neighbourhood_code = models.CharField(max_length=10, blank=True, default="")
    disability = models.BooleanField(default=False)
    low_income = models.BooleanField(default=False, help_text="includes voucher holders")
    multicultural = models.BooleanField(default=False)
    language = models.CharField(
        max_length=2,
        choices=Language.choices,
        default=Language.KOREAN,
        help_text="the language of the person's SMS and e-mail messages",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=["ko", "en"]), name="learner_language_known"
            ),
        ]

    def age(self, today: dt.date) -> int:
        return today.year - self.birth_year

    def is_senior(self, today: dt.date) -> bool:
        return self.age(today) >= SENIOR_AGE

    def __str__(self) -> str:
        return f"learner {self.pk}"


class Consent(models.Model):
    class Purpose(models.TextChoices):
        SERVICE = "service", "서비스 이용 (필수)"
        NOTIFICATIONS = "notifications", "알림 수신"
        RECORDS = "records", "학습이력 기록"
        STATISTICS = "statistics", "통계 활용 (가명)"
        SENSITIVE = "sensitive", "민감정보(장애 여부) 처리"

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"consent {self.purpose} of learner {self.learner_id}"


class HouseholdLink(models.Model):
    """`proxy` may apply for `member` (a child, an older relative) because `member` (or the
    member's guardian) consented at `consented_at`."""

    proxy = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="proxies")
    relation = models.CharField(max_length=30, blank=True, default="")
    consented_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proxy", "member"], name="household_link_once"),
            models.CheckConstraint(
                condition=~models.Q(proxy=models.F("member")), name="household_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"learner {self.proxy_id} for learner {self.member_id}"


class StaffRole(models.Model):
    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", _("강사")
        INSTITUTION_STAFF = "institution_staff", _("기관 담당자")
        DISTRICT_OFFICER = "district_officer", _("시·군·구 담당자")
        CITY_ADMIN = "city_admin", _("시 관리자")
        AUDITOR = "auditor", _("감사 (읽기 전용)")
        COACH = "coach", _("학습 상담사")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    institution = models.ForeignKey(
        "catalog.Institution", null=True, blank=True, on_delete=models.CASCADE
    )
    district_code = models.CharField(max_length=10, blank=True, default="")
    granted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.role} for user {self.user_id}"


class StaffInvitation(models.Model):
    """A one-time link that lets a person in as staff with one scoped role: sent through the
    outbox to `email`; only the SHA-256 of its token is kept. When `user` is set the link is
    for that existing account only; otherwise whoever opens it chooses a user name and a
    password."""

    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_invitations",
    )
    role = models.CharField(max_length=20, choices=StaffRole.Role.choices)
    institution = models.ForeignKey(
        "catalog.Institution", null=True, blank=True, on_delete=models.CASCADE
    )
    district_code = models.CharField(max_length=10, blank=True, default="")
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"staff invitation {self.pk} ({self.role})"


class StaffAudit(models.Model):
    """Who changed whose staff access, when, and what: a role granted or withdrawn, an
    invitation sent, accepted or revoked, an API token issued or revoked. `actor` is empty
    for the `learncity` command (`actor_label` says "command line")."""

    class Change(models.TextChoices):
        ROLE_GRANTED = "role_granted", _("역할 부여")
        ROLE_WITHDRAWN = "role_withdrawn", _("역할 회수")
        INVITED = "invited", _("초대 보냄")
        INVITATION_ACCEPTED = "invitation_accepted", _("초대 수락")
        INVITATION_REVOKED = "invitation_revoked", _("초대 취소")
        TOKEN_ISSUED = "token_issued", _("API 토큰 발급")
        TOKEN_REVOKED = "token_revoked", _("API 토큰 폐기")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    change = models.CharField(max_length=30, choices=Change.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_label = models.CharField(max_length=254, blank=True, default="")
    role = models.CharField(max_length=20, blank=True, default="")
    institution_id = models.BigIntegerField(null=True, blank=True)
    district_code = models.CharField(max_length=10, blank=True, default="")
    detail = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"staff audit {self.pk}: {self.change}"


API_TOKEN_DAYS = 90  # a new token's life when none is chosen
API_TOKEN_DAYS_MAX = 365


class ApiToken(models.Model):
    """A personal API token (for scripts and partner systems). Only its SHA-256 is kept;
    the token itself is shown once. It authenticates until `expires_at` (at most
    API_TOKEN_DAYS_MAX days after issue) unless revoked; a `read` token may only read
    (GET), a `write` token does whatever its holder may. A password reset revokes every
    token of the account (learners.services.password_reset_complete)."""

    class Scope(models.TextChoices):
        READ = "read", _("읽기만")
        WRITE = "write", _("읽기와 쓰기")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True, default="")
    scope = models.CharField(max_length=5, choices=Scope.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "write"]), name="api_token_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"API token {self.pk} of user {self.user_id}"


class LoginThrottle(models.Model):
    """A counter of attempts in a window, shared by every server worker (the database), one
    row per (kind, client address, key) (learners.services):

    - `sign_in`: failed sign-ins of a user name from an address (key: the name, lower case)
      and of every name from an address (key ""): past the limit that pair, or that whole
      address, is refused until `locked_until`; the name stays open from other addresses;
    - `password_reset`: reset requests of an account (address "", key: the user's id) and
      from an address (key ""): past the limit no link is sent until `locked_until`.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "sign-in failures"
        PASSWORD_RESET = "password_reset", "password-reset requests"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SIGN_IN)
    address = models.CharField(
        max_length=64, blank=True, default="", help_text="the client address; empty: any"
    )
    key = models.CharField(
        max_length=150, blank=True, help_text="the user name (lower case) or id; empty: any"
    )
    failures = models.PositiveSmallIntegerField(default=0, help_text="attempts in the window")
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "address", "key"], name="login_throttle_one_counter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} throttle of {self.key!r} at {self.address!r}"


class PasswordResetLink(models.Model):
    """The one live password-reset link of an account: its random `nonce` is part of the
    link's token (learners.services.reset_link_tokens), so a new link ends the one before.
    Deleted once a new password is set; the link itself is never stored here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_reset_link"
    )
    nonce = models.CharField(max_length=32)
    issued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"password-reset link of user {self.user_id} issued {self.issued_at:%Y-%m-%d %H:%M}"


class PersonalDataAccess(models.Model):
    """One read of another person's personal data by staff (PIPA access records, 접속기록):
    who read (`staff_id`, the user's id, and the staff role that allowed it), whose
    (`learner_id`; empty when a lookup found nobody, or several people the page did not
    show, or a list of people: then `matches` is how many the list showed), what (`what`:
    the desk lookup, a learning record, a personal-data export, a session's roster, an
    offer's applications, the voucher issue's lookup), why (`purpose`, the page or API
    operation and its object, e.g. "roster of session 12"), when (`at`) and from which
    address. One record per page, download or API call, never one per person shown.

    Only ids are kept, never a name or a phone number, and a lookup keeps the kind of query
    (`query`: "phone", "name_birth_year", "name_birth_year_phone_end"), never the value
    typed. The ids are plain numbers, not foreign keys: the record is the controller's and
    stays when a staff account or a learner's account is closed, until it is older than
    LEARNCITY_ACCESS_LOG_DAYS (`learncity access-log prune`)."""

    class What(models.TextChoices):
        DESK_LOOKUP = "desk_lookup", _("창구·전화 접수의 사람 찾기")
        LEARNER_RECORD = "learner_record", _("학습 기록 보기")
        PERSONAL_DATA_EXPORT = "personal_data_export", _("개인정보 내려받기")
        ROSTER = "roster", _("강좌 회차의 출석부 보기")
        APPLICATION_LIST = "application_list", _("신청자 명단 보기")
        VOUCHER_HOLDER = "voucher_holder", _("이용권 지급 대상 찾기")
        ELIGIBILITY = "eligibility", _("감면·우선 자격 확인")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    staff_id = models.BigIntegerField(db_index=True, help_text="the user id of the reader")
    role = models.CharField(
        max_length=100, blank=True, default="", help_text="the staff role(s) that allowed it"
    )
    learner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    what = models.CharField(max_length=30, choices=What.choices)
    query = models.CharField(
        max_length=30, blank=True, default="", help_text="a lookup's kind of query, no value"
    )
    matches = models.PositiveSmallIntegerField(default=0)
    purpose = models.CharField(max_length=200, blank=True, default="")
    address = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    what__in=[
                        "desk_lookup",
                        "learner_record",
                        "personal_data_export",
                        "roster",
                        "application_list",
                        "voucher_holder",
                        "eligibility",
                    ]
                ),
                name="personal_data_access_what_known",
            ),
        ]

    def __str__(self) -> str:
        return f"access {self.pk}: {self.what} by user {self.staff_id}"


class EligibilityClaim(models.Model):
    """What a person says they are (a birth year that makes them a senior, the district
    they live in, a disability, low income, a multicultural family) and whether staff have
    verified it. Only a `verified` claim whose `valid_until` has not passed decides money or
    priority: a fee waiver, a lottery quota or priority, a voucher
    (learners.eligibility.verified_eligibility). The declared value on the learner row stays
    for statistics. `value`: the birth year, the district code, or "yes". A new declared
    value drops the verification. `evidence` says what was seen ("장애인등록증 확인"), never
    a copy of a document or an identification number. A disability claim exists only while
    the person's consent for sensitive information (Consent.Purpose.SENSITIVE) stands."""

    class Kind(models.TextChoices):
        BIRTH_YEAR = "birth_year", _("출생연도 (어르신 감면)")
        DISTRICT = "district", _("사는 곳 (시·군·구)")
        DISABILITY = "disability", _("장애")
        LOW_INCOME = "low_income", _("저소득·바우처 대상")
        MULTICULTURAL = "multicultural", _("다문화 가정")

    class State(models.TextChoices):
        DECLARED = "declared", _("확인 기다림")
        VERIFIED = "verified", _("확인됨")
        REJECTED = "rejected", _("확인되지 않음")

    class Method(models.TextChoices):
        DOCUMENT = "document", _("창구에서 서류 확인")
        RECORD = "record", _("행정 자료 조회")
        SERVICE = "service", _("자격 확인 서비스")

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="eligibility_claims"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=10, default="yes")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DECLARED)
    declared_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True, default="")
    evidence = models.CharField(max_length=200, blank=True, default="")
    reason = models.CharField(max_length=200, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "kind"], name="eligibility_claim_once"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["birth_year", "district", "disability", "low_income", "multicultural"]
                ),
                name="eligibility_claim_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["declared", "verified", "rejected"]),
                name="eligibility_claim_state_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="verified")
                | (models.Q(decided_at__isnull=False) & ~models.Q(method="")),
                name="eligibility_claim_verified_how",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} claim of learner {self.learner_id} ({self.state})"


class EligibilityAudit(models.Model):
    """Every change of an eligibility claim: who (`actor`, empty for the person themselves
    or a command), what (`change`), when, and the state before and after (`before`,
    `after`: state, value, method, valid until; never the evidence of a disability). Ids
    are plain numbers so that the trail stays when the claim changes; a disability claim's
    entries are deleted with the claim when the sensitive-data consent is withdrawn."""

    class Change(models.TextChoices):
        DECLARED = "declared", _("신고")
        VERIFIED = "verified", _("확인함")
        REJECTED = "rejected", _("확인 거절")
        WITHDRAWN = "withdrawn", _("신고 철회")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    learner_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=20)
    change = models.CharField(max_length=10, choices=Change.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"eligibility audit {self.pk}: {self.change} {self.kind}"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove a mobile number before an account claims it
    (sign-up; learners.phone_codes). One live code per number: `number_key` (a keyed hash
    of the number, not the number) is unique, and a new code replaces the old one. Only a
    keyed hash of the code is kept; it ends at `expires_at`, after `failures` reaches
    LEARNCITY_PHONE_CODE_TRIES, or when it is used."""

    number_key = models.CharField(max_length=64, unique=True)
    digest = models.CharField(max_length=64, help_text="keyed hash of the number and the code")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="wrong codes tried")

    def __str__(self) -> str:
        return f"phone code {self.pk}"
