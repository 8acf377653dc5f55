"""What vouchers asks the contexts above it (through learncity.core.events; the answerer
registers in its AppConfig.ready()).

- `CompletedMinutesAsked`: the completed learning (attended minutes of held sessions) of these
  applications, from the learning record (records answers), for a funded project's cost per
  completed hour.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompletedMinutesAsked:
    application_ids: tuple[int, ...]
