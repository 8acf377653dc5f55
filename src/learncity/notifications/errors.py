"""Why a message could not be sent. An adapter raises `SendRefused` when trying again cannot
help (the gateway refused the message: a bad number, a sender not registered): the outbox
gives it up at once. Any other exception is retried with backoff (`services.send_due`)."""

from __future__ import annotations

from learncity.core.errors import LearncityError


class SendFailed(LearncityError):
    """The gateway could not take the message now (unreachable, too busy, its own error):
    the outbox tries again later."""

    code = "send_failed"
    http_status = 503


class SendRefused(LearncityError):
    """The gateway refused the message for good: the outbox gives it up (failed)."""

    code = "send_refused"
