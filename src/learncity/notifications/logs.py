"""The development log files of sent messages: SMS as JSON lines in var/sms.log
(`services.FileSmsAdapter`) and e-mail as files under var/mail (Django's file backend). A
person's erasure (`services.outbox_forget`) rewrites them without that person's messages.

Appending and rewriting take an exclusive lock on the file (flock), so a worker sending while
a person is erased neither loses a line nor brings an erased one back.
"""

from __future__ import annotations

import email
import fcntl
import json
import re
from collections.abc import Iterable
from email.utils import getaddresses
from pathlib import Path

# Django's file e-mail backend ends each message with a line of 79 dashes
MAIL_SEPARATOR = b"-" * 79 + b"\n"
_NOT_DIGITS = re.compile(r"\D")


def _keys(recipients: Iterable[str]) -> set[str]:
    """How a recipient is matched: an e-mail address lower-cased, a phone number by its
    digits (010-1234-5678 and 01012345678 are one person)."""
    found = set()
    for recipient in recipients:
        value = recipient.strip().lower()
        if not value:
            continue
        found.add(value)
        digits = _NOT_DIGITS.sub("", value)
        if "@" not in value and len(digits) >= 8:
            found.add(digits)
    return found


def _is_wanted(value: str, wanted: set[str]) -> bool:
    value = value.strip().lower()
    return value in wanted or ("@" not in value and _NOT_DIGITS.sub("", value) in wanted)


def sms_log_append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(line + "\n")


def sms_log_forget(*, path: Path, recipients: Iterable[str]) -> int:
    """Rewrite the SMS log without the lines to `recipients`; the number of lines removed."""
    wanted = _keys(recipients)
    if not wanted or not path.exists():
        return 0
    with path.open("r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        kept, removed = [], 0
        for line in handle.read().splitlines(keepends=True):
            try:
                to = json.loads(line).get("to", "")
            except (ValueError, AttributeError):
                to = ""
            if isinstance(to, str) and to and _is_wanted(to, wanted):
                removed += 1
            else:
                kept.append(line)
        if removed:
            handle.seek(0)
            handle.write("".join(kept))
            handle.truncate()
    return removed


def _mail_recipients(chunk: bytes) -> list[str]:
    message = email.message_from_bytes(chunk)
    fields = [str(value) for name in ("to", "cc", "bcc") for value in message.get_all(name, [])]
    return [address for _, address in getaddresses(fields)]


def mail_log_forget(*, directory: Path, recipients: Iterable[str]) -> int:
    """Rewrite the e-mail files under `directory` without the messages to `recipients`; the
    number of messages removed (a file left empty is deleted)."""
    wanted = {key for key in _keys(recipients) if "@" in key}
    if not wanted or not directory.is_dir():
        return 0
    removed = 0
    for path in sorted(directory.glob("*.log")):
        with path.open("r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            chunks = [chunk for chunk in handle.read().split(MAIL_SEPARATOR) if chunk.strip()]
            kept = [
                chunk
                for chunk in chunks
                if not any(_is_wanted(a, wanted) for a in _mail_recipients(chunk))
            ]
            if len(kept) == len(chunks):
                continue
            removed += len(chunks) - len(kept)
            handle.seek(0)
            handle.write(b"".join(chunk + MAIL_SEPARATOR for chunk in kept))
            handle.truncate()
        if not kept:
            path.unlink(missing_ok=True)
    return removed
