"""Benchmark: the morning rush at one venue's kiosks. About 1,000 people check in over ten
simulated minutes, some in bursts of 50 at once (a bus arrives); no attendance may be lost
or recorded twice, and the check-in must stay close to the bare insert it is built on.

    learncity bench checkin --db sqlite|postgresql [--json]
    LEARNCITY_CHECKIN_COUNT=200 LEARNCITY_CHECKIN_SECONDS=10 learncity bench checkin   # smaller

A fresh database (a temporary SQLite file, or a scratch PostgreSQL database beside the one in
LEARNCITY_DATABASE_URL, dropped afterwards) gets the real regions and Gangnam catalog; the
venue with the most programmes gets morning sessions of six of its programmes on the
simulated day, and 1,000 learners confirmed places with check-in codes (bench/_checkin_worker.py).
The real server (`learncity serve`, gunicorn, several workers) then takes, open loop (each
request at its time whatever the answers to the others; bench/_load.py):
- the baseline: POST /bench/checkin/<session>/<application>, a plain view that only inserts
  the attendance row (attendance.services.checkin_bare; mounted only for the bench), into
  the same schedules' sessions a week earlier, on the same arrival schedule, in turns with
  the rush slice by slice (a quarter of the schedule each) so that other work on the
  machine weighs on both alike;
- the rush: POST /api/v1/venues/<venue>/checkins from four kiosks (staff API tokens): every
  learner once, 90 % by QR code and 10 % by phone tail + birth year; LEARNCITY_CHECKIN_BURSTS
  bursts of LEARNCITY_CHECKIN_BURST people at the same instant, the others spread over the
  ten minutes with the crowd growing towards the 09:30 classes; 3 % scan their code again
  (a new scan: refused, already checked in) and 1 % of scans are resent with the same
  request key (the kiosk's offline queue: answered again, recorded once).

Simulated time: the ten minutes (09:20-09:30 in Asia/Seoul, on the latest morning already
past: today after 09:45, else yesterday) are compressed into LEARNCITY_CHECKIN_SECONDS (45)
real seconds. Each scan carries its simulated time as `scanned_at` (the field the kiosk's
offline queue sends), so lateness is judged on it; the bench's server is started with
LEARNCITY_CHECKIN_QUEUE_MAX=2880 (two days) so that a morning already past is accepted. No
clock override in the server.

Afterwards the database is read back: recorded rows = check-ins (every learner once),
duplicates (the same session and application twice) = 0, lost (a check-in answered 2xx
without its row) = 0, 5xx = 0.

JSON keys: summary, database, checkins, recorded, duplicates, lost, errors_5xx, ratio
(p99_ms / baseline_p99_ms; the acceptance is at most 2.5), p50_ms, p95_ms, p99_ms,
baseline_p50_ms, baseline_p95_ms, baseline_p99_ms, throughput_rps, baseline_rps, requests,
seconds, acceptance, invariants_hold, and the details (answers by status, refusals by
code, attendance by status and method, generator lag, baseline rows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SEED = 20_260_420
SIMULATED_S = 600  # ten minutes of morning rush
RUSH_START = dt.time(9, 20)
THREADS = 100  # more than a burst: a burst leaves at once
ACCEPT_RATIO = 2.5


def _sibling(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _env(database_url: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEARNCITY_DATABASE_URL": database_url,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_BENCH_DIR": str(HERE),
        "LEARNCITY_API_RATE": "1000000000",  # one client address sends everything here
        # the bench settings add the baseline endpoints (never the platform's settings)
        "DJANGO_SETTINGS_MODULE": "learncity.config.settings_bench",
        "LEARNCITY_CHECKIN_QUEUE_MAX": "2880",  # the simulated morning is already past
    }


def _worker(mode: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "learncity", "bench", "_checkin_worker", "--json"],
        env={**env, "LEARNCITY_CHECKIN_MODE": mode},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the check-in worker ({mode}) failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def _scratch_postgresql(url: str) -> Iterator[str]:
    """A fresh database `<name>_checkin` beside the configured one, dropped afterwards."""
    import psycopg

    parts = urlsplit(url)
    scratch = f"{parts.path.lstrip('/') or 'learncity'}_checkin"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        connection.execute(f'CREATE DATABASE "{scratch}"')
    try:
        yield parts._replace(path=f"/{scratch}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'checkin.sqlite3'}"
        return
    url = os.environ.get("LEARNCITY_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise RuntimeError("--db postgresql takes the server from LEARNCITY_DATABASE_URL")
    with _scratch_postgresql(url) as scratch:
        yield scratch


def _simulated_day(now: dt.datetime) -> dt.date:
    """The latest morning whose rush (and its resends) is over by now, in Asia/Seoul."""
    local = now.astimezone(ZoneInfo("Asia/Seoul"))
    return local.date() if local.time() >= dt.time(9, 45) else local.date() - dt.timedelta(days=1)


def _arrivals(people: int, bursts: int, burst: int, chooser: random.Random) -> list[float]:
    """Simulated seconds after 09:20 for each person: `bursts` groups of `burst` at one
    instant, the others more and more often towards the end (triangular, mode at 7.5 min)."""
    in_bursts = min(people, bursts * burst)
    times = [
        round(SIMULATED_S * (0.3 + 0.6 * b / max(1, bursts - 1)), 3) if bursts > 1 else 300.0
        for b in range(bursts)
        for _ in range(burst)
    ][:in_bursts]
    times += [
        round(chooser.triangular(0, SIMULATED_S, 0.75 * SIMULATED_S), 3)
        for _ in range(people - in_bursts)
    ]
    chooser.shuffle(times)
    return times


def _jobs(plan: dict[str, Any], real_s: float) -> tuple[list[Any], list[Any], list[str]]:
    """(check-in jobs, baseline jobs at the same times, what each check-in job is)."""
    load = _sibling("_load")
    chooser = random.Random(SEED)
    people = plan["people"]
    day = dt.date.fromisoformat(plan["day"])
    start = dt.datetime.combine(day, RUSH_START, ZoneInfo("Asia/Seoul"))
    arrivals = _arrivals(
        len(people),
        int(os.environ.get("LEARNCITY_CHECKIN_BURSTS") or 4),
        int(os.environ.get("LEARNCITY_CHECKIN_BURST") or 50),
        chooser,
    )
    kiosks = [(("Authorization", f"Bearer {token}"),) for token in plan["kiosk_tokens"]]
    by_phone = set(chooser.sample(range(len(people)), len(people) // 10))
    scans: list[tuple[float, int, int, str, str]] = []  # (sim s, person, kiosk, key, kind)
    for index, at in enumerate(arrivals):
        kiosk = chooser.randrange(len(kiosks))
        key = f"k{kiosk}-{index:05d}-scan"
        scans.append((at, index, kiosk, key, "first"))
        draw = chooser.random()
        if draw < 0.03:  # the same code again, a new scan: already checked in
            again = min(SIMULATED_S + 30, at + chooser.uniform(3, 90))
            other = chooser.randrange(len(kiosks))
            scans.append((again, index, other, f"k{other}-{index:05d}-again", "repeat"))
        elif draw < 0.04:  # the kiosk's offline queue sends the same scan again
            scans.append(
                (min(SIMULATED_S + 30, at + chooser.uniform(5, 60)), index, kiosk, key, "resend")
            )
    scans.sort(key=lambda scan: scan[0])
    scale = real_s / SIMULATED_S
    checkins: list[Any] = []
    baseline: list[Any] = []
    kinds: list[str] = []
    for at, index, kiosk, key, kind in scans:
        person = people[index]
        body: dict[str, Any] = {
            "request_key": key,
            "scanned_at": (start + dt.timedelta(seconds=at)).isoformat(),
        }
        if index in by_phone:
            body.update(phone_tail=person["phone_tail"], birth_year=person["birth_year"])
        else:
            body["token"] = person["token"]
        send_at = round(at * scale, 4)
        checkins.append(
            load.Timed(
                send_at, "POST", f"/api/v1/venues/{plan['venue_id']}/checkins", body, kiosks[kiosk]
            )
        )
        baseline.append(
            load.Timed(
                send_at,
                "POST",
                f"/bench/checkin/{person['baseline_session_id']}/{person['application_id']}",
                {"request_key": key},
            )
        )
        kinds.append(f"{kind}:{index}")
    return checkins, baseline, kinds


def _warm(load: Any, port: int, plan: dict[str, Any], workers: int) -> None:
    """Every worker has answered a check-in (refused: not a code) and a baseline request
    (refused: no key) before the clock starts; nothing is recorded."""
    jobs = []
    for n in range(6 * workers):
        kiosk = (
            ("Authorization", f"Bearer {plan['kiosk_tokens'][n % len(plan['kiosk_tokens'])]}"),
        )
        jobs.append(
            load.Timed(
                n * 0.01,
                "POST",
                f"/api/v1/venues/{plan['venue_id']}/checkins",
                {"request_key": f"warm-{n:05d}", "token": "not-a-code"},
                kiosk,
            )
        )
        jobs.append(load.Timed(n * 0.01, "POST", "/bench/checkin/1/1", {}))
    load.scheduled(port, jobs, workers)


def _interleaved(
    load: Any, port: int, baseline_jobs: list[Any], checkin_jobs: list[Any], real_s: float
) -> tuple[list[Any], list[Any], float, float]:
    """The baseline and the rush in turns, slice by slice of the schedule (LEARNCITY_CHECKIN_
    SLICES, 4): a slice of the baseline, then the same slice of the rush, each keeping its
    times within the slice, so that what else runs on the machine weighs on both alike.
    (answers of the baseline, answers of the rush, in job order; seconds of each.)"""
    slices = max(1, int(os.environ.get("LEARNCITY_CHECKIN_SLICES") or 4))
    width = real_s / slices
    baseline: list[Any] = [None] * len(baseline_jobs)
    answers: list[Any] = [None] * len(checkin_jobs)
    seconds = [0.0, 0.0]
    for number in range(slices):
        low, high = number * width, (number + 1) * width
        mine = [
            i
            for i, job in enumerate(checkin_jobs)
            if low <= job.at_s < high or (number == slices - 1 and job.at_s >= high)
        ]
        for side, (jobs, out) in enumerate(((baseline_jobs, baseline), (checkin_jobs, answers))):
            shifted = [dataclasses.replace(jobs[i], at_s=jobs[i].at_s - low) for i in mine]
            got, elapsed = load.scheduled(port, shifted, THREADS)
            seconds[side] += elapsed
            for i, answer in zip(mine, got, strict=True):
                out[i] = answer
    return baseline, answers, seconds[0], seconds[1]


def _verify(
    plan: dict[str, Any],
    answers: list[Any],
    kinds: list[str],
    baseline: list[Any],
    verified: dict[str, Any],
) -> dict[str, Any]:
    people = plan["people"]
    expected = {(p["session_id"], p["application_id"]) for p in people}
    answered: set[tuple[int, int]] = set()
    wrong_person = 0
    refusals: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    replayed = 0
    for answer, kind in zip(answers, kinds, strict=True):
        person = people[int(kind.split(":")[1])]
        if 200 <= answer.status < 300:
            body = answer.body
            if body["application_id"] != person["application_id"]:
                wrong_person += 1
            answered.add((body["session_id"], body["application_id"]))
            replayed += bool(body.get("replayed"))
        elif 400 <= answer.status < 500:
            code = answer.body.get("code", "?") if isinstance(answer.body, dict) else "?"
            refusals[code] += 1
            if code != "already_checked_in":
                unexpected[f"{answer.status} {code}"] += 1
        else:
            unexpected[str(answer.status)] += 1
    rows = {(s, a) for s, a in verified["checkin"]["pairs"]}
    inserted = sum(1 for a in baseline if 200 <= a.status < 300 and a.body.get("inserted"))
    return {
        "checkins": len(expected),
        "answered": len(answered),
        "recorded": verified["checkin"]["rows"],
        "duplicates": verified["checkin"]["duplicates"],
        "lost": len(answered - rows),
        "not_checked_in": len(expected - answered),
        "recorded_unanswered": len(rows - answered),
        "recorded_elsewhere": len(rows - expected),
        "wrong_person": wrong_person,
        "replayed": replayed,
        "refusals": dict(sorted(refusals.items())),
        "unexpected": dict(sorted(unexpected.items())),
        "attendance_statuses": verified["checkin"]["statuses"],
        "attendance_methods": verified["checkin"]["methods"],
        "baseline_inserted": inserted,
        "baseline_recorded": verified["baseline"]["rows"],
        "baseline_duplicates": verified["baseline"]["duplicates"],
        "other_rows": verified["other_rows"],
    }


def run() -> dict[str, Any]:
    web = _sibling("_http")
    load = _sibling("_load")
    kind = os.environ.get("LEARNCITY_BENCH_DB") or "sqlite"
    real_s = float(os.environ.get("LEARNCITY_CHECKIN_SECONDS") or 45)
    workers = max(2, 2 * (os.cpu_count() or 1))
    folder = Path(tempfile.mkdtemp(prefix="learncity-checkin-"))
    try:
        with _database(kind, folder) as url:
            env = _env(url, folder)
            env["LEARNCITY_CHECKIN_FILE"] = str(folder / "plan.json")
            env["LEARNCITY_CHECKIN_DAY"] = _simulated_day(dt.datetime.now(dt.UTC)).isoformat()
            setup = _worker("setup", env)
            plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
            checkin_jobs, baseline_jobs, kinds = _jobs(plan, real_s)
            with web.server(env, workers) as port:
                _warm(load, port, plan, workers)
                baseline, answers, baseline_s, checkin_s = _interleaved(
                    load, port, baseline_jobs, checkin_jobs, real_s
                )
            verified = _worker("verify", env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    checked = _verify(plan, answers, kinds, baseline, verified)
    latencies = [a.ms for a in answers if a.status]
    baseline_latencies = [a.ms for a in baseline if a.status]
    p99 = web.percentile(latencies, 0.99)
    baseline_p99 = web.percentile(baseline_latencies, 0.99)
    ratio = round(p99 / baseline_p99, 2) if baseline_p99 else None
    statuses = Counter(a.status for a in answers)
    errors_5xx = sum(n for status, n in statuses.items() if status >= 500)
    transport = sum(1 for a in answers + baseline if a.error)
    invariants = (
        checked["recorded"] == checked["checkins"]
        and checked["duplicates"] == 0
        and checked["lost"] == 0
        and errors_5xx == 0
        and transport == 0
        and not checked["unexpected"]
        and checked["wrong_person"] == 0
    )
    figures: dict[str, Any] = {
        "database": setup["database"],
        "checkins": checked["checkins"],
        "recorded": checked["recorded"],
        "duplicates": checked["duplicates"],
        "lost": checked["lost"],
        "errors_5xx": errors_5xx,
        "p50_ms": round(web.percentile(latencies, 0.50), 1),
        "p95_ms": round(web.percentile(latencies, 0.95), 1),
        "p99_ms": round(p99, 1),
        "baseline_p50_ms": round(web.percentile(baseline_latencies, 0.50), 1),
        "baseline_p95_ms": round(web.percentile(baseline_latencies, 0.95), 1),
        "baseline_p99_ms": round(baseline_p99, 1),
        "ratio": ratio,
        "throughput_rps": round(len(latencies) / checkin_s, 1),
        "baseline_rps": round(len(baseline_latencies) / baseline_s, 1),
        "requests": len(answers),
        "seconds": round(checkin_s, 1),
        "baseline_seconds": round(baseline_s, 1),
        "simulated_day": plan["day"],
        "simulated_minutes": SIMULATED_S // 60,
        "bursts": f"{os.environ.get('LEARNCITY_CHECKIN_BURSTS') or 4} x "
        f"{os.environ.get('LEARNCITY_CHECKIN_BURST') or 50}",
        "venue_id": setup["venue_id"],
        "programmes": setup["programmes"],
        "kiosks": setup["kiosks"],
        "workers": workers,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "transport_errors": transport,
        "lag_p99_ms": round(web.percentile([a.lag_ms for a in answers], 0.99), 1),
        "baseline_lag_p99_ms": round(web.percentile([a.lag_ms for a in baseline], 0.99), 1),
        **{
            k: v
            for k, v in checked.items()
            if k not in {"checkins", "recorded", "duplicates", "lost"}
        },
        "invariants_hold": invariants,
        "acceptance": bool(invariants and ratio is not None and ratio <= ACCEPT_RATIO),
    }
    figures = {
        "summary": (
            f"{figures['requests']} check-in requests ({figures['checkins']} people, "
            f"{figures['simulated_minutes']} simulated min in {figures['seconds']} s) on "
            f"{figures['database']}: {figures['throughput_rps']}/s, p50 {figures['p50_ms']} / "
            f"p95 {figures['p95_ms']} / p99 {figures['p99_ms']} ms; bare insert p99 "
            f"{figures['baseline_p99_ms']} ms; ratio {ratio} (at most {ACCEPT_RATIO}: "
            f"{'yes' if ratio is not None and ratio <= ACCEPT_RATIO else 'NO'}); recorded "
            f"{figures['recorded']} of {figures['checkins']}, duplicates "
            f"{figures['duplicates']}, lost {figures['lost']}, 5xx {errors_5xx}"
        ),
        **figures,
    }
    return figures
