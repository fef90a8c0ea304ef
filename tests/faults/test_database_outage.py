"""Faults: the database goes away under load and comes back (issue 14, point 2).

The test makes its own throw-away PostgreSQL cluster (initdb in a short path under /tmp,
unix socket only, the two roles of production), migrates it as the owner and runs the server
the way `make serve` does (scripts/serve.sh: gunicorn with scripts/gunicorn.conf.py + a
restarted db_worker) as the application role. Under load from a few client threads it stops
PostgreSQL, starts it again and asserts:

- during the outage every request fails fast (< 3 s) with the German 503 page, never a 500;
- /healthz answers within 2 s at all times (503 while the database is down; 2 s is the
  connect timeout a request may meet while the database restarts);
- from 2 s after the database accepts connections again, no request fails;
- a job that was waiting in the queue runs after the outage (the worker survives);
- no server log line carries a query string.

It never touches the cluster the other tests use, so where it runs in the suite does not
matter (marker `faults`: `pytest -m faults` runs it alone, `-m "not faults"` skips it).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
OUTAGE_SECONDS = 4.0
SECRET = "geheimnis-im-query-string"


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for d in candidates:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    return None


BINDIR = _pg_bindir()
PSQL = str(BINDIR / "psql") if BINDIR and (BINDIR / "psql").exists() else "psql"
AS_ROOT = os.geteuid() == 0

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(BINDIR is None, reason="PostgreSQL server binaries (initdb) not found"),
    pytest.mark.skipif(not PYTHON.exists(), reason=".venv missing (make install)"),
]


class Cluster:
    """A throw-away cluster in /tmp/fmo-XXXX (short: unix socket paths must stay < 100 chars)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="fmo-", dir="/tmp"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        if AS_ROOT:  # PostgreSQL refuses to run as root
            postgres = pwd.getpwnam("postgres")
            os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)
        self.superuser = "postgres" if AS_ROOT else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = list(args)
        if AS_ROOT:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603
            command, cwd="/", capture_output=True, text=True, check=check, timeout=120
        )

    def url(self, role: str, db: str = "fm") -> str:
        return f"postgresql://{role}@/{db}?host={self.dir}"

    def init(self) -> None:
        self._run(
            str(BINDIR / "initdb"), "-D", str(self.data), "-U", self.superuser,
            "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = ''\nunix_socket_directories = '{self.dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )

    def start(self) -> None:
        self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def psql(self, sql: str, db: str = "postgres", role: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603
            [PSQL, "-X", "-At", "-v", "ON_ERROR_STOP=1", self.url(role or self.superuser, db),
             "-c", sql],  # fmt: skip
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        return result.stdout.strip()

    def destroy(self) -> None:
        self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop",
                  check=False)  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


SETUP = """
import datetime, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from fallmanagement.reports.models import ReportJob
from fallmanagement.core.roles import Role
from fallmanagement.reports.tasks import build_report_job

user = get_user_model().objects.create_user("last", password="x" * 20)
user.groups.add(Group.objects.get(name=Role.REPORTING))
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "fallmanagement.privacy.backends.RequestUserBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
job = ReportJob.objects.create(
    owner=user, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31),
    period_label="Q1 2026", format=ReportJob.Format.CSV,
)
build_report_job.using(run_after=timezone.now() + datetime.timedelta(seconds=%(delay)s)).enqueue(
    job.pk
)
print(json.dumps({"session": session.session_key, "job": job.pk}))
"""


@dataclass
class Sample:
    path: str
    start: float
    end: float
    status: int
    body: str

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, str(error)


def _load(base: str, cookie: str, stop: threading.Event, samples: list, lock) -> None:
    paths = ["/", f"/healthz?probe={SECRET}", f"/berichte/?q={SECRET}"]
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        start = time.monotonic()
        status, body = _get(base + path, cookie)
        with lock:
            samples.append(Sample(path.split("?")[0], start, time.monotonic(), status, body))
        time.sleep(0.02)


def test_outage_under_load_fails_fast_with_503_and_recovers(tmp_path):
    cluster = Cluster()
    server = None
    try:
        cluster.init()
        cluster.start()
        cluster.psql(
            "CREATE ROLE fm_owner LOGIN NOSUPERUSER; "
            "CREATE ROLE fm_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;"
        )
        cluster.psql("CREATE DATABASE fm OWNER fm_owner")
        env = {
            **os.environ,
            "DJANGO_TESTING": "1",  # plain static files storage: no collectstatic needed
            "SECRET_KEY": "fault-test-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": cluster.url("fm_app"),
            "WORKER_RESTART_DELAY": "1",
        }
        env.pop("DATABASE_OWNER_URL", None)
        env.pop("DJANGO_DEBUG", None)
        subprocess.run(  # noqa: S603
            [str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": cluster.url("fm_owner"),
                 "DATABASE_APP_URL": cluster.url("fm_app")},  # fmt: skip
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        t0 = time.monotonic()
        delay = 10  # the job becomes due about when the database goes: it waits through the outage
        out = subprocess.run(  # noqa: S603
            [str(PYTHON), "manage.py", "shell", "-c", SETUP % {"delay": delay}],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        setup = json.loads(out.stdout.strip().splitlines()[-1])
        job_due = time.monotonic() + delay
        cookie = f"sessionid={setup['session']}"

        port = _free_port()
        log = open(tmp_path / "server.log", "w+")  # noqa: SIM115
        server = subprocess.Popen(  # noqa: S603
            ["scripts/serve.sh", f"127.0.0.1:{port}", "3"],  # noqa: S607
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while _get(base + "/healthz", "")[0] != 200:
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.2)
        assert _get(base + "/", cookie)[0] == 200

        samples: list[Sample] = []
        lock = threading.Lock()
        stop = threading.Event()
        threads = [
            threading.Thread(target=_load, args=(base, cookie, stop, samples, lock))
            for _ in range(6)
        ]
        for t in threads:
            t.start()
        time.sleep(2)
        down = time.monotonic()
        cluster.stop()
        stopped = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        # The server may accept connections a moment before `pg_ctl start -w` notices: the
        # outage is what lies between the stop and the start command.
        restarting = time.monotonic()
        cluster.start()  # -w: returns once the server accepts connections
        up = time.monotonic()
        time.sleep(max(5.0, job_due - time.monotonic() + 1))
        stop.set()
        for t in threads:
            t.join(timeout=30)

        job_status = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job_status = cluster.psql(
                f"SELECT status FROM fallmanagement_reportjob WHERE id = {setup['job']}",  # noqa: S608
                db="fm",
                role="fm_app",
            )
            if job_status in {"fertig", "fehler"}:
                break
            time.sleep(0.5)

        before = [s for s in samples if s.end < down]
        during = [s for s in samples if s.start > stopped + 0.2 and s.end < restarting]
        after = [s for s in samples if s.start >= up + 2.0]
        health = [s for s in samples if s.path == "/healthz"]
        figures = {
            "requests": len(samples),
            "before_failures": sum(s.status != 200 for s in before),
            "during": len(during),
            "during_statuses": sorted({s.status for s in during}),
            "during_max_seconds": round(max(s.seconds for s in during), 3),
            "healthz_max_seconds": round(max(s.seconds for s in health), 3),
            "after": len(after),
            "after_failures": sum(s.status != 200 for s in after),
            "first_ok_after_up_seconds": round(
                min(s.end - up for s in samples if s.start >= up and s.status == 200), 3
            ),
            "last_failure_after_up_seconds": round(
                max(
                    (s.end - up for s in samples if s.start >= up and s.status != 200), default=0.0
                ),
                3,  # fmt: skip
            ),
            "job": job_status,
            "setup_seconds": round(down - t0, 1),
        }
        print("outage figures:", json.dumps(figures))
        assert before and during and after
        assert figures["before_failures"] == 0
        assert figures["during_statuses"] == [503], figures
        assert all(
            "Vorübergehend nicht erreichbar" in s.body for s in during if s.path != "/healthz"
        )
        assert figures["during_max_seconds"] < 3.0, figures
        assert figures["healthz_max_seconds"] < 2.0, figures
        assert all(s.status in {200, 503} for s in health)
        assert figures["after_failures"] == 0, figures
        assert job_status == "fertig", figures
        log.seek(0)
        server_log = log.read()
        assert SECRET not in server_log
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        cluster.destroy()
