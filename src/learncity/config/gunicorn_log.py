"""gunicorn's access log without secrets (issue 19, finding 18).

`RedactingLogger` is gunicorn's logger with the request line, path, query and referer passed
through `learncity.core.redaction.redact_uri` (reset links, check-in and invitation
tokens, `?token=`, phone numbers become `[redacted]`), the HTTP Basic user name dropped, and
no header or environment atom that could hold a credential (Authorization, Cookie, ...)
available to the format. Each line carries the request's id (the answer's X-Request-ID).
With LEARNCITY_LOG_FORMAT=json each access line is one JSON object, as the application's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from gunicorn.glogging import Logger

from learncity.core.redaction import redact_uri

TEXT_FORMAT = '%(h)s - %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" rid=%({x-request-id}o)s'
_SECRET_WORDS = ("authorization", "cookie", "token", "secret", "api-key", "api_key", "password")


def json_format() -> bool:
    return os.environ.get("LEARNCITY_LOG_FORMAT", "").strip().lower() == "json"


class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in [k for k in atoms if k.startswith("{") and any(w in k for w in _SECRET_WORDS)]:
            del atoms[key]
        atoms["u"] = "-"
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_uri(atoms[key])
        return atoms

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if not json_format():
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        status = str(atoms.get("s", "")).split(" ")[0]
        line = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": atoms.get("r", ""),
            "request_id": atoms.get("{x-request-id}o"),
            "method": atoms.get("m"),
            "path": redact_uri(str(atoms.get("U") or ""))
            + (f"?{atoms['q']}" if atoms.get("q") else ""),
            "status": int(status) if status.isdecimal() else status,
            "duration_ms": atoms.get("M"),
            "remote": atoms.get("h"),
            "bytes": atoms.get("B"),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:
            self.exception("learncity: could not write the access log")
