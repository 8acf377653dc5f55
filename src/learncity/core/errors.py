"""One error hierarchy for the whole project.

Every error carries a stable `code` (for the API and for scripts) and a message written
for the person who reads it. Services raise these; interfaces render them.
"""

from __future__ import annotations

from typing import Any


class LearncityError(Exception):
    code = "error"
    http_status = 422  # how an HTTP interface answers it (403, 404, 409 set below or by a context)

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ConfigurationError(LearncityError):
    code = "configuration_error"


class DomainError(LearncityError):
    code = "domain_error"


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InputFileError(DomainError):
    """A file could not be read as what it claims to be.

    `details` names the file, and where known the line and the column.
    """

    code = "input_file_error"

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(
            f"{where}: {message}",
            details={"path": path, "line": line, "column": column, "reason": message},
        )
        self.reason = message
        self.path = path
        self.line = line
        self.column = column
