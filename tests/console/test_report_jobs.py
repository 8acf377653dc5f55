"""The annual report built in the background (issue 18, item 7): asked for on the console's
dashboard, queued, run (queued → running → done with a file, the progress written as it
goes and shown on a page that HTMX polls), downloaded when done; a failure shows its reason;
refused for the roles the policy refuses (`analytics.report_download`), and a job is seen
only by the person who asked for it. `learncity report-jobs` builds the jobs no server
thread finished. One test lets the real thread run on committed rows."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.analytics import report_jobs
from learncity.analytics.models import ReportJob
from learncity.learners.access import Actor

GANGNAM = "1168000000"
SEOCHO = "1165000000"


def client_of(world: Mapping[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(User.objects.get(pk=world[who].user_id))
    return client


def ask(client: Client, **form: str) -> Any:
    return client.post("/console/report/jobs/", {"year": "2026", "format": "html", **form})


@pytest.mark.django_db
def test_queued_running_done_with_a_file(
    world: Mapping[str, Any], shared_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = client_of(world, "city_admin")
    dashboard = admin.get("/console/?year=2026").content.decode()
    assert (
        'action="/console/report/jobs/"' in dashboard and 'data-testid="report-form"' in dashboard
    )
    answer = ask(admin)
    assert answer.status_code == 302
    job = ReportJob.objects.get()
    assert answer["Location"] == f"/console/report/jobs/{job.pk}/"
    assert (job.status, job.progress, job.year, job.format, job.district_code) == (
        "queued", 0, 2026, "html", ""
    )  # fmt: skip
    page = admin.get(answer["Location"]).content.decode()
    assert "차례를 기다리고 있습니다" in page and 'hx-trigger="every 1s"' in page
    # the steps, as the job's row says while it runs
    seen: list[tuple[str, str, int]] = []
    real = report_jobs.report_render

    def watched(*args: Any, progress: Any, **kwargs: Any) -> bytes:
        def told(step: str, percent: int) -> None:
            progress(step, percent)
            row = ReportJob.objects.get(pk=job.pk)
            seen.append((row.status, row.step, row.progress))

        return real(*args, progress=told, **kwargs)

    monkeypatch.setattr(report_jobs, "report_render", watched)
    done = report_jobs.report_job_run(job.pk)
    assert done is not None and done.status == "done"
    assert [s for s, _, _ in seen] == ["running"] * len(seen)
    steps = [step for _, step, _ in seen]
    assert steps[:4] == ["delivery", "indicators", "maps", "lookalikes"] and steps[-1] == "render"
    percents = [p for _, _, p in seen]
    assert percents == sorted(percents) and percents[0] > 0 and percents[-1] < 100
    assert report_jobs.report_job_run(job.pk) is None  # claimed once only
    status = admin.get(answer["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in status and "hx-trigger" not in status  # done: no more polling
    assert 'data-status="done"' in status and f"/console/report/jobs/{job.pk}/file" in status
    download = admin.get(f"/console/report/jobs/{job.pk}/file")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="learncity-report-2026.html"'
    assert "2026년 평생학습도시 연차 평가 보고서" in download.content.decode()
    listed = admin.get("/console/?year=2026").content.decode()
    assert f'href="/console/report/jobs/{job.pk}/"' in listed


@pytest.mark.django_db
def test_an_english_page_asks_for_the_english_report(
    world: Mapping[str, Any], shared_data: Any
) -> None:
    admin = client_of(world, "city_admin")
    admin.cookies["learncity_language"] = "en"
    answer = ask(admin)
    assert answer.status_code == 302
    job = ReportJob.objects.get()
    assert job.language == "en"
    done = report_jobs.report_job_run(job.pk)
    assert done is not None and done.status == "done", done
    html = admin.get(f"/console/report/jobs/{job.pk}/file").content.decode()
    assert '<html lang="en">' in html
    assert "Learning city annual evaluation report 2026" in html and "1. Delivery system" in html
    assert "2026년 평생학습도시 연차 평가 보고서" not in html and "평생학습 추진체계" not in html
    # a Korean page's job stays Korean
    korean = client_of(world, "city_admin")
    ask(korean)
    assert ReportJob.objects.order_by("-id").values_list("language", flat=True)[0] == "ko"


@pytest.mark.django_db
def test_while_running_the_page_shows_the_step_and_progress(
    world: Mapping[str, Any], shared_data: Any
) -> None:
    admin = client_of(world, "city_admin")
    job = ReportJob.objects.get(pk=report_jobs.report_job_request(
        actor=world["city_admin"], year=2026, fmt="pdf", district_code=None
    ).id)  # fmt: skip
    ReportJob.objects.filter(pk=job.pk).update(status="running", step="maps", progress=30)
    status = admin.get(f"/console/report/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'value="30"' in status and "지도와 그래프" in status
    assert f'hx-get="/console/report/jobs/{job.pk}/"' in status
    english = admin.get(f"/console/report/jobs/{job.pk}/?lang=en").content.decode()
    assert "<progress" in english


@pytest.mark.django_db
def test_a_failure_shows_the_reason(
    world: Mapping[str, Any], shared_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        kwargs["progress"]("indicators", 10)
        raise RuntimeError("인구 자료가 없습니다")

    monkeypatch.setattr(report_jobs, "report_render", broken)
    officer = client_of(world, "officer")
    answer = ask(officer, format="pdf")
    job = ReportJob.objects.get()
    assert job.district_code == GANGNAM  # an officer's report is their district's
    failed = report_jobs.report_job_run(job.pk)
    assert failed is not None and failed.status == "failed"
    assert failed.error == "RuntimeError: 인구 자료가 없습니다"
    page = officer.get(answer["Location"]).content.decode()
    assert 'role="alert"' in page and "인구 자료가 없습니다" in page
    assert "보고서를 만들지 못했습니다" in page
    assert officer.get(f"/console/report/jobs/{job.pk}/file").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "form", "status"),
    [
        ("institution_staff", {}, 403),
        ("instructor", {}, 403),
        ("citizen", {}, 403),
        ("anonymous", {}, 302),
        ("officer", {"district": SEOCHO}, 403),
        ("other_officer", {"district": GANGNAM}, 403),
        ("city_admin", {"format": "docx"}, 422),
        ("city_admin", {"year": "99999"}, 422),
        ("city_admin", {"district": "<script>"}, 422),
    ],
)
def test_refused(
    world: Mapping[str, Any], shared_data: Any, who: str, form: dict[str, str], status: int
) -> None:
    answer = ask(client_of(world, who), **form)
    assert answer.status_code == status
    if who == "anonymous":
        assert "login" in answer["Location"]
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_a_job_is_seen_only_by_who_asked(world: Mapping[str, Any], shared_data: Any) -> None:
    job = report_jobs.report_job_request(
        actor=world["city_admin"], year=2026, fmt="html", district_code=GANGNAM
    )
    for who in ("auditor", "officer"):
        other = client_of(world, who)
        assert other.get(f"/console/report/jobs/{job.id}/").status_code == 404
        assert other.get(f"/console/report/jobs/{job.id}/file").status_code == 404
    assert client_of(world, "city_admin").get("/console/report/jobs/999999/").status_code == 404
    assert client_of(world, "city_admin").get("/console/report/jobs/", {}).status_code == 405


@pytest.mark.django_db
def test_the_command_builds_what_no_thread_finished(
    world: Mapping[str, Any], shared_data: Any
) -> None:
    admin: Actor = world["city_admin"]
    queued = report_jobs.report_job_request(actor=admin, year=2026, fmt="html", district_code=None)
    stale = report_jobs.report_job_request(actor=admin, year=2025, fmt="xlsx", district_code=None)
    fresh = report_jobs.report_job_request(actor=admin, year=2024, fmt="html", district_code=None)
    long_ago = timezone.now() - report_jobs.STALE_AFTER - dt.timedelta(minutes=1)
    ReportJob.objects.filter(pk=stale.id).update(status="running", started_at=long_ago)
    ReportJob.objects.filter(pk=fresh.id).update(status="running", started_at=timezone.now())
    counts = report_jobs.report_jobs_run_pending()
    assert counts == {"requeued": 1, "done": 2, "failed": 0}
    statuses = dict(ReportJob.objects.values_list("id", "status"))
    assert statuses == {queued.id: "done", stale.id: "done", fresh.id: "running"}
    xlsx = ReportJob.objects.get(pk=stale.id)
    assert bytes(xlsx.content)[:2] == b"PK" and xlsx.file_name == "learncity-report-2025.xlsx"


@pytest.mark.race
def test_the_server_thread_builds_it_after_the_commit(
    committed: Mapping[str, Any], shared_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test transaction around it: the request commits, its thread builds the report on
    its own connection; the test waits for the thread, never for a clock."""
    threads: list[threading.Thread] = []
    real = report_jobs.report_job_start

    def recorded(job_id: int) -> threading.Thread:
        thread = real(job_id)
        threads.append(thread)
        return thread

    monkeypatch.setattr(report_jobs, "report_job_start", recorded)
    admin = client_of(committed, "city_admin")
    answer = ask(admin)
    assert answer.status_code == 302 and len(threads) == 1
    threads[0].join(timeout=300)
    assert not threads[0].is_alive()
    job = ReportJob.objects.get()
    assert (job.status, job.progress, job.step) == ("done", 100, "done"), job.error
    assert admin.get(f"/console/report/jobs/{job.pk}/file").status_code == 200
