"""Queue and send notifications (confirmation, waitlist, promotion, lottery result ...).

`queue()` writes an outbox row inside the caller's transaction; `send_due()` (the worker,
`learncity outbox send`) claims due rows one at a time with a conditional UPDATE (so two
workers never send the same message), sends through the channel's adapter, and marks the
row sent. A failure is retried with backoff up to MAX_ATTEMPTS. The dedupe key makes a
second queue() of the same event a no-op: a retried request never sends twice.

A message claimed by a worker that died is claimable again after CLAIM_TIMEOUT. Between
"sent by the adapter" and "marked sent" a crash can still resend one message (at-least-once
delivery is the honest best an SMTP or SMS gateway without idempotency allows).

A gateway's refusal (`errors.SendRefused`: a bad number, an unregistered sender) is given up
at once. Once sent, or given up, a message keeps no body, whatever its kind (ERASED_BODY): the
row keeps its kind, channel, recipient, subject and times, what the outbox's counts and a
person's erasure need; a pending row keeps its body for the retries. The SMS log holds the
links of SECRET_KINDS (a password-reset link) cut to the host, and a person's erasure removes
their messages from the SMS and e-mail log files too (`logs`).

SMS go to LEARNCITY_SMS_BACKEND: "file" (var/sms.log, development) or "http" (a commercial
gateway, `gateway.HttpSmsAdapter`; docs/operations.md, "SMS gateway").
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from learncity.core.errors import ConfigurationError
from learncity.core.sql import Statement, batch
from learncity.notifications import logs
from learncity.notifications.errors import SendRefused
from learncity.notifications.gateway import HttpSmsAdapter
from learncity.notifications.models import OutboxMessage

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
# kinds whose body carries a secret (a password-reset link, a sign-up code): the SMS log
# never gets the link or the code
SECRET_KINDS = frozenset({"password_reset", "phone_code"})
# the body of every message once sent or given up
ERASED_BODY = "(erased after sending)"
_LINK = re.compile(r"(https?://[^/\s]+)/\S*")
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")  # a one-time code (not a phone number, not a year)


def masked(text: str) -> str:
    """The text with every link cut to its host (`https://learn.example.kr/…`) and every
    6-digit code hidden (`******`): what a log may keep of a message that carries a one-time
    link or code."""
    return _CODE.sub("******", _LINK.sub(r"\1/…", text))


class Adapter(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class EmailAdapter:
    """Django's email backend (console in development, file or SMTP as configured)."""

    def send(self, message: OutboxMessage) -> None:
        send_mail(
            message.subject or message.kind,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
            fail_silently=False,
        )


def sms_log_path() -> Path:
    return Path(settings.LEARNCITY_VAR) / "sms.log"


class FileSmsAdapter:
    """SMS written as JSON lines to LEARNCITY_HOME/var/sms.log (development and tests); the
    gateway adapter replaces it in production (LEARNCITY_SMS_BACKEND=http). A message of the
    SECRET_KINDS is logged with its links cut to the host (`masked`); a person's erasure
    removes their lines (`logs.sms_log_forget`)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or sms_log_path()

    def send(self, message: OutboxMessage) -> None:
        secret = message.kind in SECRET_KINDS
        body = masked(message.body) if secret else message.body
        if secret and settings.DEBUG:  # development: the console only, never the file
            print(f"SMS to {message.recipient} (development): {message.body}", file=sys.stderr)
        line = json.dumps(
            {"to": message.recipient, "body": body, "id": message.pk}, ensure_ascii=False
        )
        logs.sms_log_append(self.path, line)


def sms_adapter() -> Adapter:
    """The SMS adapter LEARNCITY_SMS_BACKEND chooses; a gateway that cannot work (no address,
    no key, no sender, http:// to another host) is a ConfigurationError, said at once."""
    backend = settings.LEARNCITY_SMS_BACKEND
    if backend == "file":
        return FileSmsAdapter()
    if backend == "http":
        return HttpSmsAdapter.from_environment(settings.LEARNCITY_SMS, debug=settings.DEBUG)
    raise ConfigurationError(f"LEARNCITY_SMS_BACKEND must be file or http, not {backend[:40]!r}")


def adapters() -> dict[str, Adapter]:
    return {
        OutboxMessage.Channel.EMAIL: EmailAdapter(),
        OutboxMessage.Channel.SMS: sms_adapter(),
    }


_QUEUE_INSERT = (
    f"INSERT INTO {OutboxMessage._meta.db_table}"
    " (created_at, kind, channel, recipient, subject, body,"
    " dedupe_key, status, attempts, last_error)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, '')"
    " ON CONFLICT (dedupe_key) DO NOTHING"
)


def queue_statement(
    *, kind: str, channel: str, recipient: str, body: str, dedupe_key: str, subject: str = ""
) -> Statement:
    """The INSERT that queues one message (ON CONFLICT on the dedupe key: a second queueing
    of the same message does nothing), for a caller that sends it in a `core.sql.batch`
    with its own writes. Its rowcount is 1 when the message is new."""
    return Statement(
        _QUEUE_INSERT,
        [
            connection.ops.adapt_datetimefield_value(timezone.now()),
            kind[:40],
            channel,
            recipient[:254],
            subject[:200],
            body,
            dedupe_key[:120],
            OutboxMessage.Status.PENDING.value,
        ],
    )


def queue(
    *, kind: str, channel: str, recipient: str, body: str, dedupe_key: str, subject: str = ""
) -> bool:
    """Queue one message in the current transaction; False when it was queued before (one
    INSERT ... ON CONFLICT DO NOTHING on the dedupe key: no savepoint, no second query)."""
    if not recipient:
        return False
    statement = queue_statement(
        kind=kind,
        channel=channel,
        recipient=recipient,
        body=body,
        dedupe_key=dedupe_key,
        subject=subject,
    )
    return batch([statement])[0].rowcount == 1


def _claim(now: dt.datetime) -> OutboxMessage | None:
    due = (
        OutboxMessage.objects.filter(
            Q(status=OutboxMessage.Status.PENDING)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("id")
        .values_list("pk", "status", "claimed_at")[:1]
    )
    for pk, status, claimed_at in due:
        won = OutboxMessage.objects.filter(pk=pk, status=status, claimed_at=claimed_at).update(
            status=OutboxMessage.Status.SENDING, claimed_at=now
        )
        if won:
            return OutboxMessage.objects.get(pk=pk)
    return None


def branded(text: str, sender: str) -> str:
    """A message opened by the software's name (`[learncity] 내일 수업`, `learncity 비밀번호
    재설정: …`) opens with the city's service instead, at delivery: a citizen hears from their
    city. Other mentions (a command to run) and messages without it stay as written."""
    if not sender:
        return text
    if text.startswith("[learncity]"):
        return f"[{sender}]" + text[len("[learncity]") :]
    if text.startswith("learncity "):
        return sender + text[len("learncity") :]
    return text


# what a sent, or given up, message keeps of its text: none (kind, channel, recipient and
# subject, the kind's label, stay)
_ERASED = {"body": ERASED_BODY}


def send_due(
    *,
    limit: int = 1000,
    now: Callable[[], dt.datetime] = timezone.now,
    channel_adapters: dict[str, Adapter] | None = None,
    sender: str = "",
) -> dict[str, int]:
    """Send due messages; returns counts sent, retried, failed. `sender`: the city's service
    (regions' `city_sender_name()`), put where a message names the software (`branded`)."""
    found = channel_adapters or adapters()
    counts = {"sent": 0, "retried": 0, "failed": 0}
    for _ in range(limit):
        message = _claim(now())
        if message is None:
            break
        try:
            message.subject = branded(message.subject, sender)
            message.body = branded(message.body, sender)
            found[message.channel].send(message)
        except Exception as exc:
            attempts = message.attempts + 1
            failed = attempts >= MAX_ATTEMPTS or isinstance(exc, SendRefused)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
                attempts=attempts,
                next_attempt_at=now() + dt.timedelta(minutes=2**attempts),
                last_error=masked(f"{type(exc).__name__}: {exc}")[:500],
                claimed_at=None,
                **(_ERASED if failed else {}),
            )
            counts["failed" if failed else "retried"] += 1
            continue
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.SENT,
            sent_at=now(),
            attempts=message.attempts + 1,
            **_ERASED,
        )
        counts["sent"] += 1
    return counts


def outbox_counts() -> dict[str, Any]:
    return {
        status: OutboxMessage.objects.filter(status=status).count()
        for status in OutboxMessage.Status.values
    }


ERASED_RECIPIENT = "erased"


def message_logs_forget(*, recipients: list[str]) -> dict[str, int]:
    """Remove the messages to `recipients` from the SMS log and the e-mail files (Django's
    file backend under EMAIL_FILE_PATH); the counts removed."""
    mail = 0
    if settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
        mail = logs.mail_log_forget(directory=Path(settings.EMAIL_FILE_PATH), recipients=recipients)
    return {
        "sms_log_lines": logs.sms_log_forget(path=sms_log_path(), recipients=recipients),
        "mail_log_messages": mail,
    }


def outbox_forget(*, recipients: list[str], now: dt.datetime | None = None) -> dict[str, int]:
    """A person closed their account: messages to their phone or e-mail keep no contact and no
    text (the outbox's counts stay). Unsent ones are never sent (failed, "account closed").
    Once the caller's transaction commits, the SMS and e-mail log files lose their messages
    too (`message_logs_forget`)."""
    now = now or timezone.now()
    wanted = [r for r in recipients if r]
    if not wanted:
        return {"messages_unsent": 0, "messages_erased": 0}
    transaction.on_commit(lambda: message_logs_forget(recipients=wanted))
    mine = OutboxMessage.objects.filter(recipient__in=wanted)
    unsent = mine.exclude(status=OutboxMessage.Status.SENT).update(
        status=OutboxMessage.Status.FAILED, last_error="account closed", next_attempt_at=None
    )
    erased = mine.update(recipient=ERASED_RECIPIENT, subject="", body="(erased: account closed)")
    return {"messages_unsent": unsent, "messages_erased": erased}
