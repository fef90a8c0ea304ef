"""Background tasks (django.tasks, run by `manage.py db_worker`): large imports."""

from django.tasks import task

from .engine import run_in_background


@task()
def import_job(run_id: int, dry_run: bool) -> None:
    """Dry run or real run of an import in the background, with progress in the run."""
    run_in_background(run_id, dry_run=dry_run)
