"""The access policy's table, cell by cell, without a database: for every action and every
role, `may` answers as the table says, for an object in the role's scope and one outside it.
The cases are generated from the table, so a new row is tested the day it is written."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms.access_policy import (
    ACTIONS,
    ANONYMOUS,
    CITIZEN,
    NOBODY,
    POLICY,
    ROLES,
    STAFF_ROLES,
    Grant,
    Roles,
    Rule,
    Scope,
    holds_role_for,
    in_area,
    may,
    reach,
)

INSTITUTION = 7
DISTRICT = "1168000000"  # 강남구
NEIGHBOURHOOD = "1168010100"  # 역삼동, below it
WARD = "4111100000"  # a ward, loaded as an area below the district of a city with wards
OTHER_INSTITUTION = 8
OTHER_DISTRICT = "1165000000"  # 서초구

# what each role is held with; citizens and anonymous visitors hold nothing
GRANTS = {
    "instructor": Grant("instructor", institution_id=INSTITUTION),
    "institution_staff": Grant("institution_staff", institution_id=INSTITUTION),
    "district_officer": Grant("district_officer", district_code=DISTRICT, areas=frozenset({WARD})),
    "city_admin": Grant("city_admin"),
    "auditor": Grant("auditor"),
    "coach": Grant("coach"),
}
# the object in every rule's scope (its own, of the institution, in the district), and
# the one in none but `any`'s
INSIDE = Scope(institution_id=INSTITUTION, district_code=DISTRICT, own=True)
OUTSIDE = Scope(institution_id=OTHER_INSTITUTION, district_code=OTHER_DISTRICT)


def roles_of(role: str) -> Roles:
    if role == ANONYMOUS:
        return NOBODY
    if role == CITIZEN:
        return Roles()
    return Roles(grants=(GRANTS[role],))


def rules_held(action: str, role: str) -> set[Rule]:
    """The rules that apply to someone of `role`: their own, and those of everyone signed
    in (staff are citizens too) or not."""
    held = {ANONYMOUS} if role == ANONYMOUS else {ANONYMOUS, CITIZEN, role}
    return {POLICY[action].get(r, Rule.NEVER) for r in held}


CELLS = [(action, role) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_every_cell_answers_as_the_table_says(action: str, role: str) -> None:
    rules = rules_held(action, role)
    roles = roles_of(role)
    assert may(roles, action, INSIDE) == bool(rules - {Rule.NEVER}), rules
    assert may(roles, action, OUTSIDE) == (Rule.ANY in rules), rules
    # the whole deployment (no object): only `any` reaches it
    assert may(roles, action, Scope()) == (Rule.ANY in rules), rules
    # the list filters say the same as the single answers
    assert reach(roles, action).covers(INSIDE) == may(roles, action, INSIDE)
    # anything but one's own: a rule other than `own` and `never`
    assert reach(roles, action).anywhere == bool(rules - {Rule.NEVER, Rule.OWN})
    assert holds_role_for(roles, action) == (
        role in STAFF_ROLES and POLICY[action].get(role, Rule.NEVER) is not Rule.NEVER
    )


def test_the_table_is_well_formed() -> None:
    assert len(ACTIONS) == len(set(ACTIONS))
    for action, rules in POLICY.items():
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", action), action
        assert rules, f"{action}: a row names at least one role"
        assert set(rules) <= set(ROLES), action
        assert all(isinstance(rule, Rule) for rule in rules.values()), action
        # scopes a role cannot have are never asked of it
        for role, rule in rules.items():
            if rule in (Rule.INSTITUTION,):
                assert role in ("instructor", "institution_staff"), (action, role)
            if rule in (Rule.DISTRICT, Rule.AREA):
                assert role == "district_officer", (action, role)
            if rule is Rule.OWN:
                assert role == CITIZEN, (action, role)


def test_an_action_without_a_row_is_an_error() -> None:
    with pytest.raises(KeyError, match="no access policy row"):
        may(Roles(), "enrollment.something_new", INSIDE)


def test_each_rule_on_its_own() -> None:
    institution = reach(roles_of("institution_staff"), "enrollment.offer_manage")
    assert institution.covers(Scope(institution_id=INSTITUTION))
    assert not institution.covers(Scope(institution_id=OTHER_INSTITUTION, district_code=DISTRICT))
    district = reach(roles_of("district_officer"), "enrollment.offer_manage")
    assert district.covers(Scope(district_code=DISTRICT))
    assert not district.covers(Scope(district_code=NEIGHBOURHOOD))  # own district: the code
    assert not district.covers(Scope(institution_id=INSTITUTION))
    area = reach(roles_of("district_officer"), "console.view")
    assert area.covers(Scope(district_code=DISTRICT))
    assert area.covers(Scope(district_code=NEIGHBOURHOOD))  # own area: and what lies below
    assert area.covers(Scope(district_code=WARD))
    assert not area.covers(Scope(district_code=OTHER_DISTRICT))
    own = reach(Roles(), "enrollment.apply")
    assert own.own and own.covers(Scope(own=True)) and not own.covers(Scope(own=False))
    # a role held without its institution or district reaches nothing
    bare = Roles(grants=(Grant("institution_staff"), Grant("district_officer")))
    assert not reach(bare, "enrollment.offer_manage").anywhere
    assert holds_role_for(bare, "enrollment.offer_manage")


codes = st.text("0123456789", min_size=0, max_size=10)


@given(codes, st.frozensets(codes, max_size=3), st.frozensets(codes, max_size=3))
def test_an_area_lies_in_a_district_by_its_prefix_or_the_areas_loaded(
    code: str, districts: frozenset[str], areas: frozenset[str]
) -> None:
    expected = bool(code) and (code in areas or any(d and code[:5] == d[:5] for d in districts))
    assert in_area(code, districts, areas) == expected
