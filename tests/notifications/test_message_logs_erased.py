"""Issue 19, finding 14: message texts do not outlive their sending. Every sent (or given up)
row keeps no body, whatever its kind, while a pending one keeps it for the retries; and a
person's erasure (closing the account) removes their messages from the development log files
too: their lines of var/sms.log and their e-mails under var/mail, other people's kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage

from learncity.notifications import logs
from learncity.notifications.models import OutboxMessage
from learncity.notifications.services import (
    ERASED_BODY,
    FileSmsAdapter,
    outbox_forget,
    queue,
    send_due,
)
from learncity.records import services as records
from tests.learners.factories import PASSWORD, citizen

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


class Broken:
    def send(self, message: OutboxMessage) -> None:
        raise ConnectionError("gateway down")


@pytest.fixture
def var(settings: Any, tmp_path: Path) -> Path:
    settings.LEARNCITY_VAR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return tmp_path


def mail(to: str, body: str) -> None:
    EmailMessage("[learncity] 수강 확정", body, "city@example.kr", [to]).send()


def sms_lines(var: Path) -> list[dict[str, Any]]:
    text = (var / "sms.log").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def mail_text(var: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((var / "mail").glob("*.log")))


@pytest.mark.parametrize("kind", ["confirmed", "waitlisted", "checkin_code", "survey", "x"])
def test_every_kind_keeps_no_text_once_sent_and_keeps_it_while_pending(
    var: Path, kind: str
) -> None:
    for n, recipient in enumerate(["01011112222", "01033334444"]):
        queue(
            kind=kind,
            channel="sms",
            recipient=recipient,
            subject=f"[learncity] {kind}",
            body=f"본문 {n} http://testserver/checkin/LC{n}",
            dedupe_key=f"{kind}:{n}",
        )
    first, second = OutboxMessage.objects.order_by("id")
    assert send_due(channel_adapters={"sms": Broken()}, limit=1)["retried"] == 1
    first.refresh_from_db()
    assert (first.status, first.body) == ("pending", "본문 0 http://testserver/checkin/LC0")
    assert send_due(channel_adapters={"sms": FileSmsAdapter()}) == {
        "sent": 1,
        "retried": 0,
        "failed": 0,
    }
    second.refresh_from_db()
    assert (second.status, second.body, second.kind, second.channel) == (
        "sent",
        ERASED_BODY,
        kind,
        "sms",
    )
    assert (second.recipient, second.subject) == ("01033334444", f"[learncity] {kind}")


def test_a_persons_erasure_removes_their_lines_from_the_sms_and_mail_logs(
    var: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    for n, recipient in enumerate(["010-1111-2222", "010-3333-4444", "010-1111-2222"]):
        queue(
            kind="confirmed",
            channel="sms",
            recipient=recipient,
            body=f"확정 {recipient} LC{n}",
            dedupe_key=f"c:{n}",
        )
    assert send_due(channel_adapters={"sms": FileSmsAdapter()})["sent"] == 3
    # an older line written with the digits only is the same person
    logs.sms_log_append(var / "sms.log", json.dumps({"to": "01011112222", "body": "옛 LC9"}))
    mail("gone@example.org", "your code LC-GONE")
    mail("Stays@Example.org", "your code LC-STAYS")
    mail("gone@example.org", "again LC-GONE-2")
    assert "LC-GONE" in mail_text(var)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counts = outbox_forget(recipients=["010-1111-2222", "GONE@example.org", ""])
    assert counts == {"messages_unsent": 0, "messages_erased": 2}
    assert len(callbacks) == 1
    assert [line["to"] for line in sms_lines(var)] == ["010-3333-4444"]
    assert "1111" not in (var / "sms.log").read_text(encoding="utf-8")
    left = mail_text(var)
    assert "LC-GONE" not in left and "gone@example.org" not in left
    assert "LC-STAYS" in left and "Stays@Example.org" in left
    # a second erasure finds nothing more, and the logs stay as they are
    assert logs.sms_log_forget(path=var / "sms.log", recipients=["010-1111-2222"]) == 0
    assert logs.mail_log_forget(directory=var / "mail", recipients=["gone@example.org"]) == 0


def test_a_mail_file_left_empty_is_deleted(var: Path) -> None:
    mail("only@example.org", "LC-ONLY")
    assert len(list((var / "mail").glob("*.log"))) == 1
    assert logs.mail_log_forget(directory=var / "mail", recipients=["only@example.org"]) == 1
    assert list((var / "mail").glob("*.log")) == []


def test_the_logs_are_not_touched_before_the_erasure_commits(
    var: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    queue(kind="confirmed", channel="sms", recipient="01055556666", body="LC5", dedupe_key="c5")
    send_due(channel_adapters={"sms": FileSmsAdapter()})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox_forget(recipients=["01055556666"])
    assert [line["to"] for line in sms_lines(var)] == ["01055556666"]  # rolled back: kept
    callbacks[0]()
    assert sms_lines(var) == []


def test_closing_an_account_erases_the_persons_sms_log_lines(
    var: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    learner, actor = citizen()
    other, _ = citizen()
    for person in (learner, other):
        queue(
            kind="checkin_code",
            channel="sms",
            recipient=str(person.phone),
            body=f"출석 코드 http://testserver/checkin/LC{person.pk}",
            dedupe_key=f"code:{person.pk}",
        )
    assert send_due(channel_adapters={"sms": FileSmsAdapter()})["sent"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        records.account_erase(user_id=actor.user_id, confirmation="탈퇴", password=PASSWORD)
    assert [line["to"] for line in sms_lines(var)] == [other.phone]
    text = (var / "sms.log").read_text(encoding="utf-8")
    assert f"LC{learner.pk}" not in text.replace(f"LC{other.pk}", "")
    assert not OutboxMessage.objects.filter(recipient=learner.phone).exists()
