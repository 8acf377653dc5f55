"""Issue 19, finding 4: a password-reset link is not kept in clear once sent: the outbox
row's body is erased after a successful send (or when the outbox gives up), and the SMS
log holds the link cut to its host. Other messages are logged as written (finding 14: every
sent row keeps no text, tests/notifications/test_message_logs_erased.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from learncity.notifications.models import OutboxMessage
from learncity.notifications.services import (
    ERASED_BODY,
    MAX_ATTEMPTS,
    FileSmsAdapter,
    masked,
    queue,
    send_due,
)
from tests.learners.factories import citizen

pytestmark = pytest.mark.django_db

TOKEN_LINK = re.compile(r"/accounts/reset/\S+")


class Broken:
    def send(self, message: OutboxMessage) -> None:
        raise ConnectionError("gateway down")


def test_masked_cuts_every_link_to_its_host() -> None:
    text = "재설정:\nhttps://learn.example.kr/accounts/reset/MQ/abc-123 또는 http://h:8000/x?y=1"
    assert masked(text) == "재설정:\nhttps://learn.example.kr/… 또는 http://h:8000/…"


def test_a_sent_reset_link_is_erased_from_the_outbox_and_never_logged(tmp_path: Path) -> None:
    learner, _ = citizen()
    Client().post(
        "/accounts/password-reset", {"identifier": learner.phone}, REMOTE_ADDR="192.0.2.8"
    )
    with_link = OutboxMessage.objects.get(kind="password_reset", recipient=learner.phone)
    assert TOKEN_LINK.search(with_link.body)  # pending: the link waits to be sent
    queue(
        kind="confirmed",
        channel="sms",
        recipient=learner.phone,
        body="수강이 확정되었습니다 http://testserver/checkin/LC1",
        dedupe_key=f"confirmed:test:{learner.pk}",
    )
    log = tmp_path / "sms.log"
    counts = send_due(channel_adapters={"sms": FileSmsAdapter(log)})
    assert counts == {"sent": 2, "retried": 0, "failed": 0}

    sent = OutboxMessage.objects.get(pk=with_link.pk)
    assert sent.status == OutboxMessage.Status.SENT and sent.body == ERASED_BODY
    # nothing else of the row changed
    assert (sent.recipient, sent.subject, sent.channel, sent.attempts) == (
        with_link.recipient,
        with_link.subject,
        "sms",
        1,
    )
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [with_link.pk, with_link.pk + 1]
    assert not TOKEN_LINK.search(lines[0]["body"])
    assert "http://testserver/…" in lines[0]["body"]
    # another kind of message is logged as written, and its row keeps no text either
    other = OutboxMessage.objects.get(kind="confirmed", recipient=learner.phone)
    assert other.status == OutboxMessage.Status.SENT and other.body == ERASED_BODY
    assert lines[1]["body"].endswith("http://testserver/checkin/LC1")


def test_a_reset_link_the_outbox_gives_up_on_is_erased_too() -> None:
    learner, _ = citizen()
    Client().post(
        "/accounts/password-reset", {"identifier": learner.phone}, REMOTE_ADDR="192.0.2.9"
    )
    message = OutboxMessage.objects.get(kind="password_reset", recipient=learner.phone)
    for attempt in range(1, MAX_ATTEMPTS):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        assert send_due(channel_adapters={"sms": Broken()})["retried"] == 1
        message.refresh_from_db()
        assert message.attempts == attempt and TOKEN_LINK.search(message.body)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert send_due(channel_adapters={"sms": Broken()})["failed"] == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED and message.body == ERASED_BODY
    assert message.last_error == "ConnectionError: gateway down"
