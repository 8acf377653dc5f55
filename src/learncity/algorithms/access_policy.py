"""Who may do what: the one access policy (issue 17). Pure Python, no Django.

`POLICY` is the table: for each action (`<context>.<verb>`), the rule of each role that may
do it; a role without an entry may not (the rule `never`). `may(roles, action, scope)`
answers from it, and `reach(roles, action)` says where an actor may do it (the filters of a
list of many objects). `learncity.learners.access` loads an actor's roles (one query) and
raises the refusals; the pages and API operations declare their actions with
`learners.access.requires`, and tests/access checks every row against every role.

Roles. The staff roles are held with a scope: an instructor or institution staff of one
institution, a district officer of one district (시·군·구), a city administrator and an
auditor of the whole deployment, a learning coach (who enters the staff pages and acts on
nothing yet). A Django superuser holds city administrator (`learners.access.roles_of`).
Two more every request has: `anonymous` (everyone, signed
in or not) and `citizen` (everyone signed in, staff included).

Scope rules (what the object acted on must be for the rule to allow):
- any: anything, anywhere;
- own institution: the object belongs to the role's institution;
- own district: the object lies in the role's district (its district code is the role's);
- own area: the role's district or an area below it: its neighbourhoods (whose codes begin
  with the district's five digits) and, for a city with wards (구를 둔 시), its wards and
  their neighbourhoods (`Grant.areas`, which the console loads);
- own: the object is the person's own (their application, voucher or record, or that of a
  household member they act for), as the caller found it (`Scope.own`);
- never: refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

INSTRUCTOR = "instructor"
INSTITUTION_STAFF = "institution_staff"
DISTRICT_OFFICER = "district_officer"
CITY_ADMIN = "city_admin"
AUDITOR = "auditor"
COACH = "coach"  # a learning coach (학습 상담사): enters the staff pages, acts on nothing yet
CITIZEN = "citizen"
ANONYMOUS = "anonymous"

STAFF_ROLES = (INSTRUCTOR, INSTITUTION_STAFF, DISTRICT_OFFICER, CITY_ADMIN, AUDITOR, COACH)
ROLES = (*STAFF_ROLES, CITIZEN, ANONYMOUS)


class Rule(StrEnum):
    ANY = "any"
    INSTITUTION = "own institution"
    DISTRICT = "own district"
    AREA = "own area"
    OWN = "own"
    NEVER = "never"


ANY = Rule.ANY
INSTITUTION = Rule.INSTITUTION
DISTRICT = Rule.DISTRICT
AREA = Rule.AREA
OWN = Rule.OWN
NEVER = Rule.NEVER

# the rows that several actions share
_MANAGE = {CITY_ADMIN: ANY, DISTRICT_OFFICER: DISTRICT, INSTITUTION_STAFF: INSTITUTION}
_READ = {**_MANAGE, AUDITOR: ANY, INSTRUCTOR: INSTITUTION}
_TAKE = {**_MANAGE, INSTRUCTOR: INSTITUTION}
_OFFICE = {CITY_ADMIN: ANY, DISTRICT_OFFICER: DISTRICT}
_OFFICE_READ = {**_OFFICE, AUDITOR: ANY}
_EVERYONE = {ANONYMOUS: ANY}

POLICY: Mapping[str, Mapping[str, Rule]] = {
    # the pages anyone may use
    "portal.navigate": _EVERYONE,  # a redirect to another page
    "portal.language_set": _EVERYONE,
    "learners.sign_up": _EVERYONE,
    "learners.sign_in": _EVERYONE,
    "learners.sign_out": _EVERYONE,
    "learners.password_reset": _EVERYONE,
    "learners.invitation_accept": _EVERYONE,  # whoever holds a staff invitation's link
    "records.credential_verify": _EVERYONE,
    "analytics.survey_answer": _EVERYONE,  # whoever holds the survey's link
    # one's own account: the language of one's SMS and e-mail messages
    "learners.message_language_set": {CITIZEN: OWN},
    # the staff pages: any staff role enters (what each may do there is below)
    "portal.staff_enter": dict.fromkeys(STAFF_ROLES, ANY),
    # staff accounts, their roles and API tokens (the city office)
    "learners.staff_read": {CITY_ADMIN: ANY, AUDITOR: ANY},  # staff list, invitations, audit
    "learners.staff_manage": {CITY_ADMIN: ANY},  # invite, grant and withdraw roles
    "learners.token_manage": {CITIZEN: OWN, CITY_ADMIN: ANY},  # issue, list, revoke
    "catalog.quarantine_read": {CITY_ADMIN: ANY, AUDITOR: ANY},  # import rows held back
    # the personal-data access log (PIPA access records): who read whose data, when, why
    "learners.access_log_read": {CITY_ADMIN: ANY, AUDITOR: ANY},
    # eligibility claims (issue 19): the person declares; staff verify or reject at a desk
    # (their institution's), a district officer for people of their area, the city anywhere
    "learners.eligibility_declare": {CITIZEN: OWN},
    "learners.eligibility_verify": {
        CITY_ADMIN: ANY,
        DISTRICT_OFFICER: AREA,
        INSTITUTION_STAFF: INSTITUTION,
    },
    # enrolment
    "enrollment.apply": {CITIZEN: OWN},  # online, for oneself or a household member
    "enrollment.desk_apply": _MANAGE,  # at the desk or by telephone, for someone else
    "enrollment.application_change": {CITIZEN: OWN, **_MANAGE},  # cancel, accept, decline, pay
    "enrollment.offer_read": _READ,
    "enrollment.offer_manage": _MANAGE,  # open enrolment on a schedule, cancel on behalf
    "enrollment.lottery_draw": _MANAGE,
    "enrollment.payment_mark": _MANAGE,  # the fee paid at the institution's desk
    # attendance
    "attendance.take": _TAKE,  # the kiosk's check-in, marks by hand
    "attendance.roster_read": _READ,
    "attendance.session_manage": _MANAGE,  # sessions of a schedule, cancelled, holiday
    "attendance.completion_manage": _MANAGE,  # the completion rule, completion on demand
    "attendance.code_hold": {CITIZEN: OWN, **_MANAGE},  # see, re-issue, revoke a check-in code
    "attendance.kiosk_manage": _MANAGE,  # register, list, revoke a venue's paired kiosks
    "attendance.kiosk_pair": _EVERYONE,  # whoever holds a kiosk's pairing link (the tablet)
    # the learning record
    "records.learner_read": {CITIZEN: OWN, CITY_ADMIN: ANY, AUDITOR: ANY},
    "records.credential_revoke": _MANAGE,
    "records.account_erase": {CITIZEN: OWN},
    # vouchers and funded projects
    "vouchers.office_read": _OFFICE_READ,  # programmes, projects, budgets
    "vouchers.programme_manage": _OFFICE,  # create, register institutions, issue, expire
    "vouchers.project_manage": _OFFICE,  # create, record spending
    "vouchers.settle": {CITY_ADMIN: ANY},
    "vouchers.redeem": {CITIZEN: OWN, CITY_ADMIN: ANY, INSTITUTION_STAFF: INSTITUTION},
    "vouchers.refund": {CITY_ADMIN: ANY, INSTITUTION_STAFF: INSTITUTION},
    "vouchers.settlement_read": {**_OFFICE_READ, INSTITUTION_STAFF: INSTITUTION},
    # the catalogue: a venue's point on the map (issue 18)
    "catalog.venue_locate": _MANAGE,
    # the console
    "console.view": {
        CITY_ADMIN: ANY,
        AUDITOR: ANY,
        DISTRICT_OFFICER: AREA,
        INSTITUTION_STAFF: INSTITUTION,
        INSTRUCTOR: INSTITUTION,
    },
    "analytics.delivery_read": _OFFICE_READ,
    "analytics.delivery_enter": _OFFICE,
    "analytics.report_download": {CITY_ADMIN: ANY, AUDITOR: ANY, DISTRICT_OFFICER: AREA},
    "planning.view": _OFFICE_READ,
    # notices (공지사항): the city's by its administrators, an institution's by its staff
    "notices.manage": {CITY_ADMIN: ANY, INSTITUTION_STAFF: INSTITUTION},
}
ACTIONS = tuple(POLICY)


@dataclass(frozen=True)
class Grant:
    """One role a person holds, with its institution or district."""

    role: str
    institution_id: int | None = None
    district_code: str = ""
    # the areas below the district (own area), where a caller loaded them
    areas: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Roles:
    """Everything a person holds: their staff grants; `signed_in` False for anonymous."""

    grants: tuple[Grant, ...] = ()
    signed_in: bool = True

    def held(self) -> Iterator[Grant]:
        yield Grant(ANONYMOUS)
        if self.signed_in:
            yield Grant(CITIZEN)
        yield from self.grants


NOBODY = Roles(signed_in=False)


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What is acted on: its institution, its district (or area) code, and whether it is the
    person's own. The empty scope is the whole deployment (only `any` allows it)."""

    institution_id: int | None = None
    district_code: str = ""
    own: bool = False


WHOLE = Scope()


def in_area(code: str, districts: Iterable[str], areas: frozenset[str]) -> bool:
    """Whether an area code lies in one of the districts: the district itself, a
    neighbourhood sharing its first five digits, or one of `areas` (loaded below them)."""
    if not code:
        return False
    return code in areas or any(d and code[:5] == d[:5] for d in districts)


@dataclass(frozen=True)
class Reach:
    """Where a person may do an action: everywhere, in these institutions, districts or
    areas, and/or on what is their own."""

    everywhere: bool = False
    institutions: frozenset[int] = frozenset()
    districts: frozenset[str] = frozenset()  # own district: the code itself
    area_districts: frozenset[str] = frozenset()  # own area: the district and below
    areas: frozenset[str] = frozenset()
    own: bool = False

    @property
    def anywhere(self) -> bool:
        """Whether the action is allowed on anything that is not the person's own."""
        return self.everywhere or bool(self.institutions or self.districts or self.area_districts)

    @property
    def all_districts(self) -> frozenset[str]:
        return self.districts | self.area_districts

    def covers(self, scope: Scope) -> bool:
        if self.everywhere or (scope.own and self.own):
            return True
        if scope.institution_id is not None and scope.institution_id in self.institutions:
            return True
        code = scope.district_code
        if not code:
            return False
        return code in self.districts or in_area(code, self.area_districts, self.areas)


def rules_of(action: str) -> Mapping[str, Rule]:
    """The action's row; an action missing from the table is a programming error."""
    try:
        return POLICY[action]
    except KeyError:
        raise KeyError(f"no access policy row for the action {action!r}") from None


def reach(roles: Roles, action: str) -> Reach:
    rules = rules_of(action)
    everywhere = own = False
    institutions: set[int] = set()
    districts: set[str] = set()
    area_districts: set[str] = set()
    areas: set[str] = set()
    for grant in roles.held():
        rule = rules.get(grant.role, NEVER)
        if rule is ANY:
            everywhere = True
        elif rule is OWN:
            own = True
        elif rule is INSTITUTION and grant.institution_id is not None:
            institutions.add(grant.institution_id)
        elif rule is DISTRICT and grant.district_code:
            districts.add(grant.district_code)
        elif rule is AREA and grant.district_code:
            area_districts.add(grant.district_code)
            areas |= grant.areas
    return Reach(
        everywhere=everywhere,
        institutions=frozenset(institutions),
        districts=frozenset(districts),
        area_districts=frozenset(area_districts),
        areas=frozenset(areas),
        own=own,
    )


def may(roles: Roles, action: str, scope: Scope = WHOLE) -> bool:
    """Whether someone holding `roles` may do `action` on what `scope` describes."""
    return reach(roles, action).covers(scope)


def holds_role_for(roles: Roles, action: str) -> bool:
    """Whether the person holds a staff role that the action's row names (whatever its
    institution or district): who gets to see the pages of the action at all."""
    rules = rules_of(action)
    return any(rules.get(grant.role, NEVER) is not NEVER for grant in roles.grants)
