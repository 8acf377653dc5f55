"""Staff in, properly (issue 18, item 2): the `learncity staff` and `learncity tokens`
commands, one-time staff invitations, the audit log of every change of staff access, API
tokens, and a Django superuser treated as a city administrator."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
import typer
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from learncity import cli_staff
from learncity.learners import staff_services
from learncity.learners.access import Actor, allowed, roles_of
from learncity.learners.models import ApiToken, StaffAudit, StaffInvitation, StaffRole
from learncity.notifications.models import OutboxMessage

PASSWORD = "x-Staff-Cli-Pass-2026"
LINK = re.compile(r"http://[^\s]+/accounts/(?:reset|invitation)/\S+")


def _app() -> typer.Typer:
    app = typer.Typer()
    cli_staff.register(app)
    return app


def cli(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(_app(), list(args), input=stdin)


def _district_name(code: str) -> str:
    from learncity.regions.selectors import region_ref_get

    ref = region_ref_get(code=code)
    assert ref is not None, "the world holds the real regions"
    return ref.full_name


def test_the_main_command_lists_the_staff_and_token_commands() -> None:
    from learncity.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    assert "staff" in result.output and "tokens" in result.output
    staff = CliRunner().invoke(app, ["staff", "--help"])
    assert all(word in staff.output for word in ("add", "list", "remove"))


def test_staff_add_list_remove(db: None, world: Mapping[str, Any]) -> None:
    district = world["district"]
    added = cli(
        "staff", "add", "cli-officer", "--role", "district_officer",
        "--district", _district_name(district), "--password-stdin", "--json",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    result = json.loads(added.output)
    assert result["created"] and result["district_code"] == district
    assert result["set_password_link"] == ""  # the password was given
    user = User.objects.get(username="cli-officer")
    assert user.check_password(PASSWORD)
    assert StaffRole.objects.filter(user=user, role="district_officer", district_code=district)

    # a second role by the institution's number, for an existing account
    teacher = cli(
        "staff", "add", "cli-officer", "--role", "instructor",
        "--institution", str(world["institution"]),
    )  # fmt: skip
    assert teacher.exit_code == 0, teacher.output

    listed = json.loads(cli("staff", "list", "--json").output)
    mine = next(p for p in listed["staff"] if p["username"] == "cli-officer")
    assert sorted(r["role"] for r in mine["roles"]) == ["district_officer", "instructor"]
    plain = cli("staff", "list").output
    assert "cli-officer" in plain and "world-city_admin: city_admin" in plain

    removed = cli("staff", "remove", "cli-officer", "--role", "instructor")
    assert removed.exit_code == 0, removed.output
    assert not StaffRole.objects.filter(user=user, role="instructor").exists()
    again = cli("staff", "remove", "cli-officer", "--role", "instructor")
    assert again.exit_code == 2 and "holds no instructor" in again.output

    changes = list(
        StaffAudit.objects.filter(subject=user).order_by("id").values_list("change", "actor_label")
    )
    assert changes == [
        ("role_granted", "command line"),
        ("role_granted", "command line"),
        ("role_withdrawn", "command line"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "wizard"), "역할은 다음 중 하나"),
        (("--role", "district_officer", "--district", "없는구"), "그런 시·군·구가 없습니다"),
        (("--role", "district_officer", "--district", "9999999999"), "그런 시·군·구가 없습니다"),
        (("--role", "instructor", "--institution", "없는 기관"), "그런 기관이 없습니다"),
        (("--role", "instructor", "--institution", "999999999"), "그런 기관이 없습니다"),
        (("--role", "instructor"), "기관 하나가 필요합니다"),
        (("--role", "district_officer"), "시·군·구 하나가 필요합니다"),
        (("--role", "city_admin", "--institution", "1"), "받지 않습니다"),
        (("--role", "instructor", "--institution", "'; DROP TABLE x; --"), "그런 기관이 없습니다"),
    ],
)
def test_staff_add_refuses_what_it_cannot_place(
    db: None, world: Mapping[str, Any], args: tuple[str, ...], message: str
) -> None:
    result = cli("staff", "add", "cli-nobody", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not User.objects.filter(username="cli-nobody").exists()  # nothing half made


def test_a_duplicate_role_is_refused_and_not_written_twice(
    db: None, world: Mapping[str, Any]
) -> None:
    first = cli("staff", "add", "world-auditor", "--role", "auditor")
    assert first.exit_code == 2 and "이미 이 역할" in first.output
    assert StaffRole.objects.filter(user=world["users"]["auditor"], role="auditor").count() == 1
    # --password-stdin never overwrites an existing account's password
    result = cli("staff", "add", "world-auditor", "--role", "coach", "--password-stdin",
                 stdin="Another-Pass-2026\n")  # fmt: skip
    assert result.exit_code == 2 and "new account only" in result.output


def test_without_a_password_a_one_time_link_sets_it(db: None, world: Mapping[str, Any]) -> None:
    added = cli("staff", "add", "first-admin", "--role", "city_admin")
    assert added.exit_code == 0, added.output
    link = LINK.search(added.output)
    assert link, added.output
    user = User.objects.get(username="first-admin")
    assert not user.has_usable_password()
    path = link.group(0).split("127.0.0.1:8000", 1)[1]
    client = Client()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_path = form.redirect_chain[-1][0]
    done = client.post(set_path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302, done.content[:300]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # the link worked once
    reused = Client().get(path, follow=True)
    assert b"new_password1" not in reused.content


def test_tokens_issue_list_revoke_by_command(db: None, world: Mapping[str, Any]) -> None:
    issued = cli("tokens", "issue", "world-citizen", "--name", "partner", "--json")
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.output)["token"]
    api = Client(HTTP_HOST="127.0.0.1")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/v1/applications", **bearer).status_code == 200
    listed = cli("tokens", "list", "--user", "world-citizen").output
    assert "partner" in listed and token not in listed  # shown once, never listed
    number = json.loads(issued.output)["id"]
    assert cli("tokens", "revoke", str(number)).exit_code == 0
    assert api.get("/api/v1/applications", **bearer).status_code == 401
    assert cli("tokens", "revoke", str(number)).exit_code == 2  # not twice
    assert cli("tokens", "issue", "nobody-at-all").exit_code == 2
    audit = StaffAudit.objects.filter(subject=world["users"]["citizen"]).values_list(
        "change", flat=True
    )
    assert set(audit) >= {"token_issued", "token_revoked"}
    assert ApiToken.objects.get(pk=number).digest != token


# ------------------------------------------------------------------ invitations


def _invite(world: Mapping[str, Any], **kwargs: Any) -> tuple[StaffInvitation, str]:
    scope = staff_services.role_scope(role="institution_staff", institution=world["institution"])
    return staff_services.staff_invite(
        actor=world["city_admin"], email="new.staff@example.org", scope=scope, **kwargs
    )


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_an_invitation_goes_through_the_outbox_and_works_once(
    db: None, world: Mapping[str, Any]
) -> None:
    invitation, link = _invite(world)
    message = OutboxMessage.objects.get(kind="staff_invitation", recipient="new.staff@example.org")
    assert link in message.body
    assert StaffInvitation.objects.get(pk=invitation.pk).digest not in message.body
    client = Client()
    page = client.get(_path(link))
    assert page.status_code == 200 and "기관 담당자" in page.content.decode()
    accepted = client.post(
        _path(link), {"username": "new-staff", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/staff/home"
    user = User.objects.get(username="new-staff")
    assert StaffRole.objects.filter(
        user=user, role="institution_staff", institution_id=world["institution"]
    ).exists()
    assert client.get("/staff/home").status_code == 200  # signed in as the new staff member
    again = Client().post(
        _path(link), {"username": "someone-else", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert again.status_code == 410 and "이미 사용한" in again.content.decode()
    assert not User.objects.filter(username="someone-else").exists()
    changes = set(
        StaffAudit.objects.filter(detail=f"invitation {invitation.pk}").values_list(
            "change", flat=True
        )
    )
    assert changes == {"invited", "invitation_accepted"}


def test_an_expired_invitation_is_refused(db: None, world: Mapping[str, Any]) -> None:
    invitation, link = _invite(world)
    with pytest.raises(staff_services.InvitationExpired):
        staff_services.invitation_accept(
            token=link.rsplit("/", 1)[1],
            signed_in_user_id=None,
            username="late-staff",
            password=PASSWORD,
            now=timezone.now() + staff_services.INVITATION_LIFETIME + dt.timedelta(minutes=1),
        )
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    page = Client().post(
        _path(link), {"username": "late-staff", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert page.status_code == 410 and "기한이 지났습니다" in page.content.decode()
    assert not User.objects.filter(username="late-staff").exists()


@pytest.mark.parametrize("token", ["", "x" * 300, "not-a-token", "../../etc/passwd", "%00"])
def test_a_made_up_invitation_is_not_found(db: None, token: str) -> None:
    with pytest.raises(staff_services.InvitationNotFound):
        staff_services.invitation_state(token)


def test_an_invitation_for_an_account_is_for_that_account_only(
    db: None, world: Mapping[str, Any]
) -> None:
    _invitation, link = _invite(world, username="world-citizen")
    stranger = Client()
    stranger.force_login(world["users"]["instructor"])
    refused = stranger.post(_path(link))
    assert refused.status_code == 403 and "다른 계정" in refused.content.decode()
    anonymous = Client().post(_path(link))
    assert anonymous.status_code == 403
    holder = Client()
    holder.force_login(world["users"]["citizen"])
    assert holder.post(_path(link)).status_code == 302
    assert StaffRole.objects.filter(user=world["users"]["citizen"], role="institution_staff")
    # a revoked invitation cannot be used
    other, other_link = _invite(world)
    staff_services.invitation_revoke(actor=world["city_admin"], invitation_id=other.pk)
    assert Client().get(_path(other_link)).status_code == 404


def test_only_a_city_administrator_invites_or_grants(db: None, world: Mapping[str, Any]) -> None:
    scope = staff_services.RoleScope("auditor")
    for who in ("auditor", "officer", "institution_staff", "instructor", "citizen"):
        with pytest.raises(staff_services.Forbidden):
            staff_services.staff_invite(actor=world[who], email="x@example.org", scope=scope)
        with pytest.raises(staff_services.Forbidden):
            staff_services.role_grant(
                actor=world[who], user_id=world["users"]["citizen"].pk, scope=scope
            )
    assert not StaffInvitation.objects.filter(email="x@example.org").exists()


def test_the_last_city_administrator_keeps_the_role(db: None, world: Mapping[str, Any]) -> None:
    StaffRole.objects.filter(role="city_admin").exclude(user=world["users"]["city_admin"]).delete()
    only = world["roles"]["city_admin"]
    with pytest.raises(staff_services.StaffError, match="마지막 시 관리자"):
        staff_services.role_withdraw(actor=world["city_admin"], role_id=only.pk)


# ------------------------------------------------------------------ superusers and coaches


def test_a_superuser_is_a_city_administrator(db: None, world: Mapping[str, Any]) -> None:
    root = User.objects.create_superuser("root-admin", "root@example.org", PASSWORD)
    roles = roles_of(Actor(root.pk))
    assert [g.role for g in roles.grants] == ["city_admin"]
    assert allowed(roles, "learners.staff_manage")
    client = Client()
    client.force_login(root)
    for path in ("/staff/offers", "/staff/home", "/staff/people", "/console/"):
        assert client.get(path).status_code == 200, path
    listed = json.loads(cli("staff", "list", "--json").output)
    assert any(p["username"] == "root-admin" and p["superuser"] for p in listed["staff"])


def test_a_coach_enters_the_staff_pages_and_manages_nothing(
    db: None, world: Mapping[str, Any]
) -> None:
    user = User.objects.create_user("a-coach", password=PASSWORD)
    staff_services.role_grant(
        actor=world["city_admin"],
        user_id=user.pk,
        scope=staff_services.role_scope(role="coach", district=world["district"]),
    )
    coach = Actor(user.pk)
    assert allowed(coach, "portal.staff_enter")
    assert not allowed(coach, "enrollment.offer_manage")
    assert not allowed(coach, "learners.staff_manage")


@pytest.mark.parametrize(
    ("username", "password", "words"),
    [
        ("newcomer-staff", "Newcomer-2026!", "유사합니다"),  # too like the user name
        ("short-pass", "abc", "짧습니다"),
        ("a b", PASSWORD, "사용자 이름은"),
        ("<script>", PASSWORD, "사용자 이름은"),
        ("world-citizen", PASSWORD, "이미 있는 사용자 이름"),
    ],
)
def test_an_invitation_refuses_a_weak_password_or_a_bad_name(
    db: None, world: Mapping[str, Any], username: str, password: str, words: str
) -> None:
    _invitation, link = _invite(world)
    page = Client().post(
        _path(link), {"username": username, "password1": password, "password2": password}
    )
    assert page.status_code == 422 and words in page.content.decode(), page.content[-2000:]
    # the link still works after a refusal
    assert Client().get(_path(link)).status_code == 200


def test_the_page_builds_the_invitation_link_from_its_own_address(
    db: None, world: Mapping[str, Any]
) -> None:
    admin = Client(HTTP_HOST="localhost:8123")
    admin.force_login(world["users"]["city_admin"])
    page = admin.post(
        "/staff/people",
        {"action": "invite", "email": "far@example.org", "role": "auditor"},
    )
    assert "http://localhost:8123/accounts/invitation/" in page.content.decode()
    body = OutboxMessage.objects.get(recipient="far@example.org").body
    assert "http://localhost:8123/accounts/invitation/" in body


def test_erasing_an_account_leaves_only_a_pseudonym_in_the_audit_log(db: None) -> None:
    from learncity.learners.erasure import learner_erase
    from tests.learners.factories import citizen

    person, _actor = citizen()
    name = person.user.username
    staff_services.token_issue(actor=Actor(person.user_id), user_id=person.user_id, label="x")
    learner_erase(learner_id=person.pk)
    labels = set(
        StaffAudit.objects.filter(subject_id=person.user_id).values_list(
            "subject_label", "actor_label"
        )
    )
    assert labels and all(name not in label for pair in labels for label in pair)
    assert all(label.startswith("erased-") for pair in labels for label in pair)
