"""A worker that dies in the middle of an import: the run does not stay "läuft" forever.

The worker renews a heartbeat with every progress report; a running import whose heartbeat is
older than IMPORT_STALE_MINUTES is shown as "abgebrochen" and can be started again. The real
run is one transaction, so a killed worker leaves nothing half-written."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportedRecord, ImportKind, ImportRun
from fallmanagement.imports.tasks import import_job
from participants.models import Participant

from .files import PARTICIPANT_HEADER, csv_bytes

ROOT = Path(__file__).resolve().parents[2]


def participants_file(n: int) -> bytes:
    rows = [PARTICIPANT_HEADER]
    for i in range(n):
        born = datetime.date(1980, 1, 1) + datetime.timedelta(days=i % 9000)
        rows.append(
            [f"TN-{i}", f"Nachname{i}", "Rana", born.strftime("%d.%m.%Y"), "w", "Syrien", "A2"]
            + ["01.02.2025", "", "ja"]
        )
    return csv_bytes(rows, encoding="cp1252")


def make_run(user, content, status=ImportRun.Status.UPLOADED) -> ImportRun:
    run = ImportRun(kind=ImportKind.PARTICIPANTS, filename="liste.csv", content=content)
    run.started_by = user
    run.mapping = engine.suggest_mapping(run.kind, engine.read(run).headers)
    run.status = status
    run.save()
    return run


def _database_url() -> str:
    """The test database, as the application role reaches it (DATABASE_URL, other name)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _stale(run: ImportRun, minutes: int) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_nothing_and_the_run_is_shown_aborted_then_restartable(
    administrator, admin_client_role, settings
):
    run = make_run(administrator, participants_file(3000), status=ImportRun.Status.QUEUED)
    import_job.enqueue(run.pk, False)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_DEBUG": "1",
        "TASKS_IMMEDIATE": "0",
    }
    env.pop("DATABASE_OWNER_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status == ImportRun.Status.RUNNING and run.progress >= 10:
                break
            if worker.poll() is not None:
                pytest.fail("the worker ended early: " + worker.stderr.read().decode()[-1500:])
            time.sleep(0.05)
        else:
            pytest.fail("the import did not get going")
        heartbeat = run.heartbeat_at
        assert heartbeat is not None
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    run.refresh_from_db()
    # Killed in the middle: still "läuft", and nothing of the open transaction was kept.
    assert run.status == ImportRun.Status.RUNNING
    assert Participant.objects.count() == 0
    assert ImportedRecord.objects.count() == 0
    # A fresh heartbeat: still shown as running.
    assert admin_client_role.get(reverse("imports:detail", args=[run.pk])).status_code == 200
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING
    # The heartbeat older than the limit: "abgebrochen", with a way to start again.
    _stale(run, settings.IMPORT_STALE_MINUTES + 1)
    page = admin_client_role.get(reverse("imports:detail", args=[run.pk])).content.decode()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.ABORTED
    assert "abgebrochen" in page
    assert reverse("imports:mapping", args=[run.pk]) in page
    assert admin_client_role.get(reverse("imports:mapping", args=[run.pk])).status_code == 200
    # Started again (here in this process): everything is imported once.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.PREVIEWED)
    engine.process(run, dry_run=False)
    assert (run.status, run.created, run.errors) == (ImportRun.Status.DONE, 3000, 0)
    assert Participant.objects.count() == 3000


def test_heartbeat_at_the_limit_is_still_running_one_minute_more_is_aborted(
    administrator, settings
):
    settings.IMPORT_STALE_MINUTES = 10
    fresh = make_run(administrator, participants_file(2), status=ImportRun.Status.RUNNING)
    old = make_run(administrator, participants_file(2), status=ImportRun.Status.RUNNING)
    done = make_run(administrator, participants_file(2), status=ImportRun.Status.DONE)
    _stale(fresh, 9)
    _stale(old, 11)
    _stale(done, 60)
    assert engine.expire_stale_runs() == 1
    statuses = dict(ImportRun.objects.values_list("pk", "status"))
    assert statuses == {
        fresh.pk: ImportRun.Status.RUNNING,
        old.pk: ImportRun.Status.ABORTED,
        done.pk: ImportRun.Status.DONE,
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_run_was_declared_aborted_stops_and_writes_nothing(administrator):
    run = make_run(administrator, participants_file(2500), status=ImportRun.Status.QUEUED)
    reports = []

    class DeclaredAbortedMidway(engine._Progress):
        def __call__(self, percent):
            reports.append(percent)
            if len(reports) == 2:
                # Another session declared the run abandoned while this worker was on it
                # (here: the reporter's own connection, outside the import's transaction).
                self.conn.execute(
                    "UPDATE imports_importrun SET status = %s WHERE id = %s",
                    (ImportRun.Status.ABORTED, run.pk),
                )
            super().__call__(percent)

    reporter = DeclaredAbortedMidway(run.pk)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    with pytest.raises(engine.RunAborted):
        engine.process(run, dry_run=False, progress=reporter)
    reporter.close()
    assert reports == [40, 80]  # the first report renewed the lease, the second was refused
    assert Participant.objects.count() == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.ABORTED
