"""Background tasks (django.tasks, run by `manage.py db_worker`): large funding reports."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .exports import EXPORT_LANGUAGE, build_report, render_report, store_issued
from .models import ReportJob
from .periods import Period


@task()
def build_report_job(job_id: int) -> None:
    """Build a report job's file and store it in the job (downloadable by its owner only);
    with `job.issue`, keep it as an issued report too."""
    job = ReportJob.objects.select_related("owner", "scope_caseworker").get(pk=job_id)
    ReportJob.objects.filter(pk=job_id).update(status=ReportJob.Status.RUNNING, progress=1)

    def progress(percent: int) -> None:
        # Figures are most of the work; the last 10 % are the rendering.
        ReportJob.objects.filter(pk=job_id).update(progress=max(1, int(percent * 0.9)))

    try:
        period = Period(job.period_start, job.period_end, job.period_label)
        report = build_report(
            period,
            job.scope_caseworker,
            job.owner,
            kind=job.kind,
            progress=progress,
            language=EXPORT_LANGUAGE,
        )
        content = render_report(report, job.format)
    except Exception as error:
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.FAILED,
            error=type(error).__name__[:300],
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        if job.issue:
            store_issued(report, content, job.owner)
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.DONE,
            progress=100,
            result=content,
            filename=report.filename(job.format),
            finished_at=timezone.now(),
        )
