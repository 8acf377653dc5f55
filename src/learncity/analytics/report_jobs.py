"""The annual report built in the background (issue 18, item 7): a staff member asks for it
in the console (`report_job_request`), a thread of the server that took the request builds
it (`report_job_start`, after the request's transaction commits) while the page shows its
progress, and the file is handed out from the job's row when done. A job left queued (the
server stopped before its thread ran) or running for longer than `STALE_AFTER` (the worker
that ran it died) is built by `learncity report-jobs` (`report_jobs_run_pending`).

States: queued → running → done (with the file) or failed (with the reason). Claiming a job
is one conditional update (queued → running), so a thread and the command never build the
same job twice. The progress is written as the report advances, each step its own short
write, so that the page polling it sees it move."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.analytics.models import ReportJob
from learncity.analytics.report import FORMATS, ReportInvalid, report_render
from learncity.core.errors import DomainError, NotFound
from learncity.learners.access import Actor, Scope, require

log = logging.getLogger("learncity.report_jobs")

STALE_AFTER = dt.timedelta(minutes=15)
STEP_WORDS = {
    "": gettext_lazy("대기 중"),
    "start": gettext_lazy("시작"),
    "delivery": gettext_lazy("추진체계 자료"),
    "indicators": gettext_lazy("지표 계산"),
    "maps": gettext_lazy("지도와 그래프"),
    "lookalikes": gettext_lazy("유사 강좌"),
    "survey": gettext_lazy("만족도 조사"),
    "planning": gettext_lazy("도보 15분 학습권"),
    "render": gettext_lazy("파일 만들기"),
    "done": gettext_lazy("완료"),
    "failed": gettext_lazy("실패"),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


class ReportJobForbidden(DomainError):
    code = "forbidden"
    http_status = 403


class ReportJobNotFound(NotFound):
    code = "report_job_not_found"


@dataclass(frozen=True)
class ReportJobView:
    """What the console shows of a job (never its file's bytes)."""

    id: int
    year: int
    format: str
    district_code: str
    status: str
    progress: int
    step: str
    step_words: str
    error: str
    file_name: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.status in {ReportJob.Status.QUEUED, ReportJob.Status.RUNNING}


def _view(job: ReportJob) -> ReportJobView:
    return ReportJobView(
        id=job.pk,
        year=job.year,
        format=job.format,
        district_code=job.district_code,
        status=job.status,
        progress=job.progress,
        step=job.step,
        step_words=str(STEP_WORDS.get(job.step, job.step)),
        error=job.error,
        file_name=job.file_name,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _file_name(year: int, fmt: str, district_code: str) -> str:
    return f"learncity-report-{year}{'-' + district_code if district_code else ''}.{fmt}"


def report_job_request(
    *, actor: Actor, year: int, fmt: str, district_code: str | None, language: str = "ko"
) -> ReportJobView:
    """Queue the report of `year` in `fmt` for the city (no district) or one district, as
    the policy's `analytics.report_download` allows the actor; its thread starts when the
    transaction commits."""
    if fmt not in FORMATS:
        raise ReportInvalid(
            _("형식은 pdf, xlsx, html 중 하나입니다: %(format)s") % {"format": fmt[:20]}
        )
    if not 2000 <= year <= 2100:
        raise ReportInvalid(_("연도는 2000~2100 사이여야 합니다: %(year)s") % {"year": year})
    code = district_code or ""
    if code and (not code.isdecimal() or len(code) != 10):
        raise ReportInvalid(_("시·군·구 코드가 아닙니다: %(code)s") % {"code": code[:20]})
    require(
        actor,
        "analytics.report_download",
        Scope(district_code=code),
        refusal=ReportJobForbidden(
            _("연차 보고서는 시·구 담당자가 자기 지역의 것을 받습니다")
            if code
            else _("시 전체 보고서는 시 담당자만 받습니다")
        ),
    )
    with transaction.atomic():
        job = ReportJob.objects.create(
            requested_by_id=actor.user_id,
            year=year,
            format=fmt,
            district_code=code,
            language=language if language in {"ko", "en"} else "ko",
            created_at=timezone.now(),
        )
        transaction.on_commit(lambda: report_job_start(job.pk))
    return _view(job)


def report_job_start(job_id: int) -> threading.Thread:
    """Build the job in a daemon thread of this process (its own database connection,
    closed when it ends)."""

    def work() -> None:
        try:
            report_job_run(job_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name=f"learncity-report-{job_id}", daemon=True)
    thread.start()
    return thread


def report_job_run(job_id: int) -> ReportJobView | None:
    """Claim the job (queued → running) and build it; None when it was not queued (another
    thread or the command has it, or it is finished). Failures are kept on the job."""
    now = timezone.now()
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, started_at=now, step="start", progress=1, error=""
    )
    if not claimed:
        return None
    job = ReportJob.objects.get(pk=job_id)

    def progress(step: str, percent: int) -> None:
        ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING).update(
            step=step[:40], progress=max(0, min(99, percent))
        )

    try:
        with translation.override(job.language):
            content = report_render(
                job.year, job.format, district_code=job.district_code or None, progress=progress
            )
    except Exception as exc:
        log.exception("report job %s failed", job_id)
        reason = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.FAILED,
            step="failed",
            error=str(reason)[:2000],
            finished_at=timezone.now(),
        )
    else:
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.DONE,
            step="done",
            progress=100,
            content=content,
            file_name=_file_name(job.year, job.format, job.district_code),
            finished_at=timezone.now(),
        )
    return _view(ReportJob.objects.get(pk=job_id))


def report_jobs_run_pending(*, limit: int = 20) -> dict[str, int]:
    """Requeue the jobs running for longer than STALE_AFTER (their worker is gone), then
    build the queued ones, oldest first: {requeued, done, failed}."""
    stale = ReportJob.objects.filter(
        status=ReportJob.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(status=ReportJob.Status.QUEUED, step="", progress=0)
    counts = {"requeued": stale, "done": 0, "failed": 0}
    queued = ReportJob.objects.filter(status=ReportJob.Status.QUEUED).order_by("id")
    for job_id in list(queued.values_list("id", flat=True)[:limit]):
        result = report_job_run(job_id)
        if result is not None:
            counts["done" if result.status == ReportJob.Status.DONE else "failed"] += 1
    return counts


# ------------------------------------------------------------------ reads


def report_job_get(*, actor: Actor, job_id: int) -> ReportJobView:
    """A job of the person who asked for it (anyone else: not found)."""
    job = ReportJob.objects.filter(pk=job_id, requested_by_id=actor.user_id).defer("content")
    found = job.first()
    if found is None:
        raise ReportJobNotFound(_("보고서 작업을 찾을 수 없습니다"))
    return _view(found)


def report_job_file(*, actor: Actor, job_id: int) -> tuple[bytes, str, str]:
    """(content, content type, file name) of a finished job of the person."""
    found = (
        ReportJob.objects.filter(
            pk=job_id, requested_by_id=actor.user_id, status=ReportJob.Status.DONE
        )
        .values_list("content", "format", "file_name")
        .first()
    )
    if found is None:
        raise ReportJobNotFound(_("내려받을 보고서가 없습니다"))
    content, fmt, name = found
    return bytes(content), CONTENT_TYPES[fmt], name


def report_jobs_of(*, actor: Actor, limit: int = 5) -> list[ReportJobView]:
    """The person's latest jobs, newest first."""
    jobs = ReportJob.objects.filter(requested_by_id=actor.user_id).defer("content")
    return [_view(job) for job in jobs.order_by("-id")[:limit]]
