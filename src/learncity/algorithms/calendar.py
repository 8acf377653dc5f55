"""Sessions of a programme as dates, in words, and as an iCalendar file (RFC 5545).

Pure Python. A programme runs from its start date to its end date on its weekdays; a
programme without weekdays meets once a week on its start date's weekday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

WEEKDAYS_KO = ("월", "화", "수", "목", "금", "토", "일")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_SESSIONS = 400


def session_dates(
    start: dt.date, end: dt.date, weekdays: Iterable[int], limit: int = MAX_SESSIONS
) -> list[dt.date]:
    days = {d for d in weekdays if 1 <= d <= 7} or {start.isoweekday()}
    out: list[dt.date] = []
    day = start
    while day <= end and len(out) < limit:
        if day.isoweekday() in days:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def weekdays_in_words(weekdays: Iterable[int], english: bool = False) -> str:
    names = WEEKDAYS_EN if english else WEEKDAYS_KO
    days = sorted({d for d in weekdays if 1 <= d <= 7})
    if days == [1, 2, 3, 4, 5]:
        return "Weekdays" if english else "평일(월~금)"
    joiner = ", " if english else "·"
    return joiner.join(names[d - 1] for d in days)


def _escape(text: str) -> str:
    text = "".join(c for c in text if c >= " " or c == "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 3.1), never inside a character."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def ics(
    *,
    uid: str,
    title: str,
    dates: list[dt.date],
    start_time: dt.time | None,
    end_time: dt.time | None,
    location: str,
    description: str,
    url: str,
    stamp: dt.datetime,
    timezone: str = "Asia/Seoul",
) -> str:
    """One VEVENT per session; times are local to `timezone`; all-day when not stated."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//learncity//programme sessions//KO",
        "CALSCALE:GREGORIAN",
    ]
    for number, day in enumerate(dates, 1):
        lines.append("BEGIN:VEVENT")
        lines.append(f"UID:{uid}-{number}@learncity")
        lines.append(f"DTSTAMP:{stamp.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}")
        if start_time is not None:
            begin = dt.datetime.combine(day, start_time)
            finish = dt.datetime.combine(day, end_time) if end_time else begin
            finish = max(finish, begin)
            lines.append(f"DTSTART;TZID={timezone}:{begin.strftime('%Y%m%dT%H%M%S')}")
            lines.append(f"DTEND;TZID={timezone}:{finish.strftime('%Y%m%dT%H%M%S')}")
        else:
            lines.append(f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}")
            lines.append(f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}")
        lines.append(f"SUMMARY:{_escape(title)} ({number}/{len(dates)})")
        if location:
            lines.append(f"LOCATION:{_escape(location)}")
        if description:
            lines.append(f"DESCRIPTION:{_escape(description[:1000])}")
        if url:
            lines.append(f"URL:{_escape(url)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
