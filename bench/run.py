"""`python -m bench.run` (`make bench`): seed a large data set into its own database, serve the
app exactly as `make serve` does (scripts/serve.sh: gunicorn with scripts/gunicorn.conf.py, the
background worker, production settings) on a loopback port and measure it.

What it measures (one JSON document on stdout and in bench/results/latest.json, plus a table
with PASS/FAIL against the targets of issue 19):
- in-process (Django test client, production settings, JIT off as in the app): per page the
  server time and the SQL time of a request (summed by a connection execute_wrapper; medians
  of --inprocess-requests requests) and their ratio, the queries per request, and for the
  main pages the same figures of a baseline page (bench/baseline.py: the page's main query and
  a tiny template, served by the bench-only URLconf bench/urls.py);
- /healthz: queries per request and no cookie (no session);
- p50/p95 latency of every page through gunicorn, requested one after another by one user;
- throughput of the caseload list, the case file and the start page with 20 concurrent users;
- the funding report for a year: the figures and the PDF (functions found at runtime).

The database (`fallmanagement_bench` next to DATABASE_URL's database) is reused when it was
seeded with the same size (`--reseed` forces a new one). Pages that do not exist yet (URL name
missing, or a stub answering 404) are reported as "missing", not as errors.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import importlib
import inspect
import json
import os
import pkgutil
import platform
import re
import secrets
import signal
import statistics
import subprocess  # noqa: S404
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Bump when the prepared data changes, so that an old bench database is seeded again.
DATA_FORMAT = 1
HOST = "127.0.0.1"
DEMO_PASSWORD = "demo-passwort-2026"  # noqa: S105 (documented demo login)
CASEWORKER = "fallmanagement"
ADMIN = "admin"
REPORTER = "berichtswesen"
CASE_FILE_ENTRIES = 50
SEARCH_VARIANT = "Hussein"  # the demo's "Husein Al Qasin", spelt another way
SEARCH_EXPECT = "Al Qasin"

# Targets of issue 19 (two cores, 100 000 participants).
TARGET_P95_MS = 100
TARGET_QUERIES = 12
TARGET_RATIO = 2.5  # server time / SQL time, main pages
TARGET_THROUGHPUT = 200  # caseload list, requests/s at 20 users
TARGET_HEALTHZ_QUERIES = 1
MAIN_PAGES = ("start page", "caseload list", "case file (~50 entries)")
THROUGHPUT_PAGES = MAIN_PAGES
TARGET_FIGURES_S = 1.0
TARGET_PDF_S = 5.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true", help="seed the bench database anew")
    parser.add_argument("--db-name", default="fallmanagement_bench")
    parser.add_argument("--port", type=int, default=8178)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: serve.sh's)"
    )
    parser.add_argument(
        "--gunicorn-args",
        default="",
        help='extra gunicorn options for a comparison, e.g. "--worker-class gthread --threads 4"'
        " (GUNICORN_CMD_ARGS; without it the server runs exactly as make serve runs it)",
    )
    parser.add_argument(
        "--app", default=None, help="application for serve.sh (fallmanagement.asgi:application)"
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment of the server for a comparison (e.g. DB_POOL=1)",
    )
    parser.add_argument(
        "--only",
        choices=("all", "throughput"),
        default="all",
        help="throughput: only the throughput of --throughput-pages (worker model comparison)",
    )
    parser.add_argument(
        "--throughput-pages",
        default=",".join(THROUGHPUT_PAGES),
        help="comma-separated page names for the throughput test",
    )
    parser.add_argument(
        "--inprocess-requests", type=int, default=30, help="in-process requests per page"
    )
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    parser.add_argument("--page-seconds", type=float, default=20, help="time limit per page")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (throughput)")
    parser.add_argument("--throughput-seconds", type=float, default=15)
    parser.add_argument("--year", type=int, default=None, help="report year (default: this)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(
        f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}",
        file=sys.stderr,
        flush=True,
    )


# --- the bench database ----------------------------------------------------------------


def database_url_for(base_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def prepare_database(base_url: str, name: str, participants: int, reseed: bool) -> dict | None:
    """Create the bench database if needed. Returns the stored marker when it can be reused."""
    import psycopg
    from psycopg import sql

    wanted = {"format": DATA_FORMAT, "participants": participants}
    with psycopg.connect(base_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None:
            try:
                marker = json.loads(row[0] or "{}")
            except ValueError:
                marker = {}
            if not reseed and all(marker.get(k) == v for k, v in wanted.items()):
                return marker
            log(f"drop database {name} (was {marker or 'not seeded completely'})")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        log(f"create database {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return None


def mark_database(base_url: str, name: str, marker: dict) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(marker))
            )
        )


def setup_django(bench_url: str) -> None:
    """Production settings in this process too (DEBUG off), pointing at the bench database."""
    os.environ["DATABASE_URL"] = bench_url
    os.environ.pop("DJANGO_DEBUG", None)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = f"{HOST},localhost,testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    # The application's settings plus the baseline pages' URLconf (bench/settings.py).
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    # The load test runs in gunicorn; this process seeds and times single requests.
    os.environ["DB_POOL"] = "0"
    django.setup()


def seed(participants: int) -> float:
    from django.core.management import call_command

    log(f"seed_demo --participants {participants} (this takes a few minutes)")
    started = time.perf_counter()
    call_command("seed_demo", participants=participants, force=True)
    return time.perf_counter() - started


def static_files_fresh() -> bool:
    """Is STATIC_ROOT's manifest newer than every static source file? (collectstatic with
    compression takes half a minute; skip it when nothing changed)."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > built:
                return False
    return True


def data_counts() -> dict:
    from django.db import connection

    tables = {
        "participants": "participants_participant",
        "employers": "employers_employer",
        "notes": "participants_casenote",
        "status_changes": "participants_statuschange",
        "follow_ups": "participants_followup",
        "goals": "participants_goal",
        "recognitions": "participants_recognitionprocedure",
        "placements": "placements_placement",
        "check_ins": "placements_checkin",
        "assessments": "placements_assessment",
    }
    counts = {}
    with connection.cursor() as cursor:
        for key, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            counts[key] = cursor.fetchone()[0]
    counts["timeline_entries"] = sum(
        counts[k]
        for k in (
            "notes",
            "status_changes",
            "follow_ups",
            "goals",
            "recognitions",
            "placements",
            "check_ins",
            "assessments",
        )
    )
    return counts


def prepare_bench_case() -> dict:
    """The benchmark caseworker's fullest open case, topped up to ~50 timeline entries."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from participants.models import CaseNote, Participant

    user = get_user_model().objects.get(username=CASEWORKER)
    case = (
        Participant.objects.filter(caseworker=user)
        .exclude(status=Participant.Status.CLOSED)
        .annotate(n_notes=Count("notes", distinct=True))
        .order_by("-n_notes", "pk")
        .first()
    )

    def entries() -> int:
        return (
            case.notes.count()
            + case.status_changes.count()
            + case.followups.count()
            + case.goals.count()
            + case.placements.count()
        )

    missing = CASE_FILE_ENTRIES - entries()
    if missing > 0:
        first = case.entry_date or timezone.localdate() - datetime.timedelta(days=400)
        CaseNote.objects.bulk_create(
            CaseNote(
                participant=case,
                date=min(timezone.localdate(), first + datetime.timedelta(days=7 * i)),
                contact_kind=CaseNote.ContactKind.IN_PERSON,
                duration_minutes=45,
                text="Beratungsgespräch: Stand der Bewerbungen und nächste Schritte besprochen.",
                author=user,
            )
            for i in range(missing)
        )
    caseload = Participant.objects.filter(caseworker=user).count()
    return {"participant_pk": case.pk, "timeline_entries": entries(), "caseload": caseload}


# --- pages ------------------------------------------------------------------------------


def resolve(name: str, **kwargs) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def discover_list_form(html: str) -> dict:
    """Find the caseload list's status filter and name search in its HTML (names vary)."""
    found: dict = {}
    select = re.search(r'<select[^>]*name="([^"]*status[^"]*)"', html)
    if select:
        found["status_param"] = select.group(1)
    search = re.search(r'<input[^>]*type="search"[^>]*>', html) or re.search(
        r'<input[^>]*name="(q|query|search|suche|name)"[^>]*>', html
    )
    if search:
        tag = search.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        if name:
            found["search_param"] = name.group(1)
            form = html.rfind("<form", 0, search.start())
            form_tag = html[form : html.find(">", form) + 1] if form >= 0 else ""
            method = re.search(r'method="([^"]+)"', form_tag, re.I)
            action = re.search(r'action="([^"]*)"', form_tag)
            found["search_method"] = (method.group(1) if method else "get").lower()
            found["search_action"] = action.group(1) if action and action.group(1) else None
    return found


def build_pages(case_pk: int | None) -> tuple[list[dict], dict]:
    """Pages to measure: name, path, user, and how (GET, or POST then GET for a search)."""
    from django.test import Client

    from participants.models import Participant

    status = Participant.Status.INTERNSHIP_PREP.value
    pages: list[dict] = []
    notes: dict = {}

    def page(name, url_name, user, query="", baseline=None, **kwargs):
        path = resolve(url_name, **kwargs)
        pages.append(
            {
                "name": name,
                "url_name": url_name,
                "user": user,
                "path": (path + query) if path else None,
                "target": True,
                "main": name in MAIN_PAGES,
            }
        )
        if baseline:
            pages[-1]["baseline_path"] = resolve(baseline, **kwargs)
        return pages[-1]

    page("start page", "home", CASEWORKER, baseline="bench-start")
    listing = page("caseload list", "participants:list", CASEWORKER, baseline="bench-caseload")
    filtered = page("caseload list, filtered by status", "participants:list", CASEWORKER)
    searched = page("caseload list, name search (variant)", "participants:list", CASEWORKER)
    page(
        "case file (~50 entries)",
        "participants:detail",
        CASEWORKER,
        baseline="bench-case",
        pk=case_pk,
    )
    page("employer list", "employers:list", CASEWORKER)
    page("matching for one participant", "employers:matching", CASEWORKER, participant_pk=case_pk)
    page(
        "matching for one participant, filtered (town, free today)",
        "employers:matching",
        CASEWORKER,
        query="?place=34&free=now",
        participant_pk=case_pk,
    )
    page("placement board", "placements:board", CASEWORKER)
    page("caseload list as admin (all)", "participants:list", ADMIN)
    page("funding report page", "reports:index", REPORTER)

    if listing["path"]:
        client = Client()
        client.force_login(_user(CASEWORKER))
        html = client.get(listing["path"]).content.decode()
        form = discover_list_form(html)
        notes["caseload_form"] = form
        param = form.get("status_param", "status")
        filtered["path"] = f"{listing['path']}?{urllib.parse.urlencode({param: status})}"
        search_param = form.get("search_param", "q")
        if form.get("search_method") == "post":
            searched["post"] = {
                "path": urllib.parse.urljoin(listing["path"], form.get("search_action") or ""),
                "data": {search_param: SEARCH_VARIANT},
            }
        searched["path"] = (
            listing["path"]
            if "post" in searched
            else f"{listing['path']}?{urllib.parse.urlencode({search_param: SEARCH_VARIANT})}"
        )
        searched["expect"] = SEARCH_EXPECT
        notes["search"] = (
            f"{'POST then GET' if 'post' in searched else 'GET'} {search_param}={SEARCH_VARIANT}"
            + ("" if "search_param" in form else " (no search field found, guessed)")
        )
    else:
        filtered["path"] = searched["path"] = None
    return pages, notes


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


class SqlTimer:
    """Counts the queries of a connection and sums their time (a connection execute_wrapper:
    the time from handing the query to psycopg until it returned, rows fetched included)."""

    def __init__(self):
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def time_requests(client, path: str, requests: int) -> dict:
    """Median server time and SQL time of `requests` GETs (after 3 warm-up requests), and the
    queries of one more request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        client.get(path)
    server, sql, executes, status = [], [], 0, None
    for _ in range(requests):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(path)
            server.append(time.perf_counter() - started)
        sql.append(timer.seconds)
        executes, status = timer.queries, response.status_code
    # Counted as the tests count (django_assert_num_queries): transaction statements too.
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    server_ms, sql_ms = ms(statistics.median(server), 2), ms(statistics.median(sql), 2)
    return {
        "status": status,
        "queries": len(captured.captured_queries),
        "executes": executes,
        "server_ms": server_ms,
        "sql_ms": sql_ms,
        "app_ms": round(server_ms - sql_ms, 2),
        "ratio": round(server_ms / sql_ms, 2) if sql_ms else None,
    }


def measure_inprocess(pages: list[dict], requests: int) -> None:
    """Queries, server time, SQL time and their ratio per page and per baseline page, in this
    process (production settings, Django test client, the user's session)."""
    from django.db import connection
    from django.test import Client

    clients: dict[str, Client] = {}
    for spec in pages:
        if not spec["path"]:
            spec["state"] = "missing (no URL)"
            continue
        client = clients.get(spec["user"])
        if client is None:
            client = clients[spec["user"]] = Client()
            client.force_login(_user(spec["user"]))
        if "post" in spec:
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                response = client.post(spec["post"]["path"], spec["post"]["data"])
            spec["queries_post"] = timer.queries
            spec["post_status"] = response.status_code
        spec.update(time_requests(client, spec["path"], requests))
        if spec["status"] == 404:
            spec["state"] = "missing (404, stub?)"
        elif spec["status"] != 200:
            spec["state"] = f"HTTP {spec['status']}"
        else:
            spec["state"] = "ok"
        if spec.get("baseline_path"):
            spec["baseline"] = {"path": spec["baseline_path"]} | time_requests(
                client, spec["baseline_path"], requests
            )
        log(
            f"{spec['name']}: {spec.get('server_ms')} ms, SQL {spec.get('sql_ms')} ms, "
            f"{spec.get('queries')} queries"
            + (
                f"; baseline {spec['baseline']['server_ms']} ms, "
                f"SQL {spec['baseline']['sql_ms']} ms"
                if "baseline" in spec
                else ""
            )
        )


def measure_floor(requests: int) -> dict:
    """An empty page for a logged-in caseworker (bench/baseline.py: empty): the cost of the
    middleware, session and user that every page pays before its own work."""
    from django.test import Client

    client = Client()
    client.force_login(_user(CASEWORKER))
    floor = time_requests(client, resolve("bench-empty"), requests)
    log(f"empty page: {floor['server_ms']} ms, SQL {floor['sql_ms']} ms, {floor['queries']} q.")
    return floor


def measure_healthz_inprocess() -> dict:
    """/healthz with a logged-in user's session cookie: queries, and whether it set a cookie."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(_user(CASEWORKER))
    client.get("/healthz")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/healthz")
    return {
        "status": response.status_code,
        "queries": len(captured.captured_queries),
        "set_cookie": sorted(response.cookies.keys()),
    }


# --- HTTP load against gunicorn ---------------------------------------------------------


class HttpSession:
    """A minimal browser: cookies (ignoring Secure, we are on loopback), one request each."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Accept-Language": "de", "User-Agent": "fallmanagement-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or value in ('""', ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return response.status, response.headers, data, elapsed

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        login_path = resolve("login")
        _status, _h, html, _t = self.request("GET", login_path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        form = {
            "csrfmiddlewaretoken": token.group(1).decode() if token else "",
            "username": username,
            "password": password,
        }
        status, headers, _b, _t = self.request("POST", login_path, form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed (HTTP {status})")

    def csrf_token(self, path: str) -> str:
        _s, _h, html, _t = self.request("GET", path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return token.group(1).decode() if token else ""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ms(seconds: float, digits: int = 1) -> float:
    return round(seconds * 1000, digits)


def prime_search(session: HttpSession, spec: dict) -> None:
    """A POST search stores the query in the session: do it once before the GETs."""
    if "post" in spec:
        token = session.csrf_token(spec["path"])
        session.request(
            "POST", spec["post"]["path"], {**spec["post"]["data"], "csrfmiddlewaretoken": token}
        )


def warm_up(session: HttpSession, path: str, parallel: int = 12) -> None:
    """A few requests one after another, then a burst in parallel, so that every worker of the
    server has compiled the page's templates and holds its database connection (otherwise
    the first request per worker and page lands in the p95)."""
    for _ in range(3):
        session.request("GET", path)
    threads = [
        threading.Thread(target=session.request, args=("GET", path)) for _ in range(parallel)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure_latency(port: int, pages: list[dict], requests: int, limit_s: float) -> None:
    sessions: dict[str, HttpSession] = {}
    for spec in pages:
        if spec.get("state") != "ok":
            continue
        session = sessions.get(spec["user"])
        if session is None:
            session = sessions[spec["user"]] = HttpSession(port)
            session.login(spec["user"])
        prime_search(session, spec)
        warm_up(session, spec["path"])
        times, errors = [], 0
        deadline = time.monotonic() + limit_s
        while len(times) < requests and time.monotonic() < deadline:
            status, _h, _b, elapsed = session.request("GET", spec["path"])
            if status != 200:
                errors += 1
            times.append(elapsed)
        spec.update(
            requests=len(times),
            errors=errors,
            p50_ms=ms(percentile(times, 50)),
            p95_ms=ms(percentile(times, 95)),
            mean_ms=ms(statistics.fmean(times)),
            max_ms=ms(max(times)),
        )
        log(f"{spec['name']}: p50 {spec['p50_ms']} ms, p95 {spec['p95_ms']} ms")


def measure_throughput(port: int, path: str, users: int, seconds: float) -> dict:
    sessions = []
    for _ in range(users):
        session = HttpSession(port)
        session.login(CASEWORKER)
        sessions.append(session)
    warm_up(sessions[0], path)
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(session: HttpSession) -> None:
        mine, failed = [], 0
        while time.monotonic() < stop:
            try:
                status, _h, _b, elapsed = session.request("GET", path)
            except OSError:
                failed += 1
                continue
            if status == 200:
                mine.append(elapsed)
            else:
                failed += 1
        with lock:
            times.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=user, args=(s,)) for s in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "path": path,
        "users": users,
        "seconds": round(wall, 1),
        "requests": len(times),
        "errors": errors[0],
        "requests_per_second": round(len(times) / wall, 1),
        "p50_ms": ms(percentile(times, 50)),
        "p95_ms": ms(percentile(times, 95)),
    }


class Server:
    """The app as `make serve` serves it: scripts/serve.sh (gunicorn with
    scripts/gunicorn.conf.py and the background worker), on a loopback port; stopped on exit.
    `workers`, `gunicorn_args` and `app` override serve.sh's defaults for a comparison only."""

    def __init__(self, port: int, env: dict, workers=None, gunicorn_args="", app=None):
        self.port = port
        self.env = dict(env)
        if gunicorn_args:
            self.env["GUNICORN_CMD_ARGS"] = gunicorn_args
        if app:
            self.env["SERVE_APP"] = app
        self.args = [str(ROOT / "scripts" / "serve.sh"), f"{HOST}:{port}"]
        if workers:
            self.args.append(str(workers))
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in __exit__)
            prefix="bench-serve-", suffix=".log", delete=False
        )

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its children
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve.sh exited, see {self.log.name}")
            try:
                status, *_ = HttpSession(self.port).request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"serve.sh did not answer on port {self.port}, see {self.log.name}")

    def __exit__(self, *exc) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def measure_healthz_http(port: int) -> dict:
    """/healthz through the server with a session cookie: no cookie may come back."""
    session = HttpSession(port)
    session.login(CASEWORKER)
    status, headers, _body, _t = session.request("GET", "/healthz")
    cookies = [c.split("=", 1)[0].strip() for c in headers.get_all("Set-Cookie") or []]
    return {"status": status, "set_cookie": cookies}


# --- funding report ----------------------------------------------------------------------

REPORT_MODULES = ["fallmanagement.reports", "fallmanagement.reports"]
FIGURE_WORDS = ("figure", "kennzahl", "statistic", "aggregate", "report_data", "compute", "yearly")


def _report_modules() -> list:
    modules = []
    for name in REPORT_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        modules.append(module)
        if hasattr(module, "__path__"):
            for info in pkgutil.iter_modules(module.__path__, name + "."):
                try:
                    modules.append(importlib.import_module(info.name))
                except ImportError:
                    continue
    return modules


def _report_functions(modules) -> tuple[list, list, list, object]:
    """Figures functions, report builders, PDF renderers and a Period class, by name."""
    figures, builders, pdfs, period_class = [], [], [], None
    for module in modules:
        candidate = getattr(module, "Period", None)
        if period_class is None and inspect.isclass(candidate) and hasattr(candidate, "year"):
            period_class = candidate
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] == "request":
                continue  # a view
            lowered = fname.lower()
            if "pdf" in lowered:
                pdfs.append(fn)
            elif lowered.startswith("build_report"):
                builders.append(fn)
            elif any(word in lowered for word in FIGURE_WORDS):
                figures.append(fn)
    # The most specific names first (compute_report before compute_tables ...).
    figures.sort(key=lambda fn: ("report" not in fn.__name__, "figure" not in fn.__name__))
    return figures, builders, pdfs, period_class


def _call(fn, extra: dict):
    """Call a report function, filling its parameters by name; (None, why) if impossible."""
    kwargs = {}
    for name, param in inspect.signature(fn).parameters.items():
        lowered = name.lower()
        if lowered in extra:
            kwargs[name] = extra[lowered]
        elif param.default is not inspect.Parameter.empty or param.kind in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        ):
            continue
        else:
            return None, f"cannot fill parameter {name!r}"
    return fn(**kwargs), None


def _timed(fn, extra: dict, runs: int) -> dict:
    result, times, problem = None, [], None
    for _ in range(runs):
        started = time.perf_counter()
        try:
            result, problem = _call(fn, extra)
        except Exception as exc:  # noqa: BLE001 - report, do not fail the bench
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            break
        times.append(time.perf_counter() - started)
    info = {"function": f"{fn.__module__}.{fn.__qualname__}"}
    if problem:
        info["error"] = problem
    else:
        info["seconds"] = round(min(times), 3)
        info["runs"] = len(times)
    return info | {"_result": result}


def measure_report(year: int) -> dict:
    """The funding report for `year` over the whole programme, as Berichtswesen would get it."""
    modules = _report_modules()
    figures, builders, pdfs, period_class = _report_functions(modules)
    report: dict = {"year": year, "modules": [m.__name__ for m in modules]}
    reporter = _user(REPORTER)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    extra = {
        "year": year,
        "jahr": year,
        "start": start,
        "date_from": start,
        "end": end,
        "date_to": end,
        "period": period_class.year(year) if period_class else (start, end),
        "caseworker": None,  # whole programme
        "user": reporter,
        "created_by": reporter,
    }
    report["figures"] = {"state": "n/a (no figures function found)"}
    for fn in figures:
        info = _timed(fn, extra, runs=3)
        result = info.pop("_result")
        if "seconds" in info:
            report["figures"] = {"state": "ok"} | info
            extra = extra | dict.fromkeys(("figures", "tables", "data"), result)
            break
        report.setdefault("figures_tried", []).append(info)
    build_seconds = 0.0
    for fn in builders:
        info = _timed(fn, extra, runs=1)
        result = info.pop("_result")
        if "seconds" in info:
            report["build"] = info
            build_seconds = info["seconds"]
            extra = extra | {"report": result}
            break
    report["pdf"] = {"state": "n/a (no PDF function found)"}
    for fn in pdfs:
        info = _timed(fn, extra, runs=2)
        result = info.pop("_result")
        if "seconds" in info:
            size = len(result) if isinstance(result, bytes | bytearray) else None
            # What a user waits for: figures + rendering (the builder computes the figures).
            total = round(info["seconds"] + build_seconds, 3)
            report["pdf"] = {"state": "ok", "bytes": size, "render_seconds": info["seconds"]}
            report["pdf"] |= info | {"seconds": total}
            break
        report.setdefault("pdf_tried", []).append(info)
    if report["pdf"]["state"] != "ok":
        report["pdf_http"] = measure_report_pdf_http(year)
    return report


def measure_report_pdf_http(year: int) -> dict:
    """Fallback: a `reports:*pdf*` URL, fetched in-process as Berichtswesen."""
    from django.test import Client
    from django.urls import get_resolver

    names: list[str] = []
    namespace = get_resolver().namespace_dict.get("reports")
    if namespace:
        names = [n for n in namespace[1].reverse_dict if isinstance(n, str) and "pdf" in n]
    if not names:
        return {"state": "n/a (no reports:*pdf* URL)"}
    path = resolve(f"reports:{names[0]}")
    if path is None:
        return {"state": f"n/a (reports:{names[0]} needs arguments)"}
    client = Client()
    client.force_login(_user(REPORTER))
    started = time.perf_counter()
    response = client.get(path, {"year": year, "jahr": year})
    seconds = time.perf_counter() - started
    return {
        "url": path,
        "status": response.status_code,
        "content_type": response.get("Content-Type", ""),
        "seconds": round(seconds, 3),
    }


# --- output ------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import django

    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "os": platform.platform(),
    }


def _target(label: str, value, ok: bool | None) -> dict:
    return {
        "target": label,
        "value": value,
        "result": "MISSING" if ok is None else ("PASS" if ok else "FAIL"),
    }


def evaluate(result: dict) -> list[dict]:
    targets = []
    for spec in result["pages"] if result["only"] == "all" else []:
        if not spec.get("target"):
            continue
        ok = spec.get("state") == "ok"
        name = spec["name"]
        if spec.get("main"):
            ratio = spec.get("ratio")
            targets.append(
                _target(
                    f"ratio server/SQL <= {TARGET_RATIO:g}: {name}",
                    ratio if ok else spec.get("state"),
                    ratio <= TARGET_RATIO if ok and ratio is not None else None,
                )
            )
        targets.append(
            _target(
                f"p95 < {TARGET_P95_MS} ms: {name}",
                spec.get("p95_ms") if ok else spec.get("state"),
                spec["p95_ms"] < TARGET_P95_MS if ok and "p95_ms" in spec else None,
            )
        )
        targets.append(
            _target(
                f"<= {TARGET_QUERIES} queries: {name}",
                spec.get("queries") if ok else spec.get("state"),
                spec["queries"] <= TARGET_QUERIES if ok else None,
            )
        )
    listing = (result.get("throughput") or {}).get("caseload list")
    targets.append(
        _target(
            f"caseload list >= {TARGET_THROUGHPUT} req/s at {result['users']} users",
            listing["requests_per_second"] if listing else None,
            listing["requests_per_second"] >= TARGET_THROUGHPUT if listing else None,
        )
    )
    healthz = result.get("healthz") or {}
    if healthz:
        cookies = healthz["inprocess"]["set_cookie"] + healthz.get("http", {}).get("set_cookie", [])
        targets.append(
            _target(
                f"/healthz: {TARGET_HEALTHZ_QUERIES} query, no session (no cookie)",
                f"{healthz['inprocess']['queries']} queries, cookies {cookies or 'none'}",
                healthz["inprocess"]["queries"] == TARGET_HEALTHZ_QUERIES and not cookies,
            )
        )
    report = result.get("report")
    if not report:
        return targets
    for key, limit, label in (
        ("figures", TARGET_FIGURES_S, "yearly figures"),
        ("pdf", TARGET_PDF_S, "funding report PDF"),
    ):
        entry = report[key]
        seconds = entry.get("seconds")
        if seconds is None and key == "pdf" and report.get("pdf_http", {}).get("status") == 200:
            seconds = report["pdf_http"]["seconds"]
        targets.append(
            _target(
                f"{label} < {limit:g} s",
                seconds if seconds is not None else entry.get("state"),
                seconds < limit if seconds is not None else None,
            )
        )
    return targets


def table(result: dict) -> str:
    lines = [
        f"{'page':38} {'state':8} {'p50':>6} {'p95':>6} {'q':>3} {'server':>7} {'SQL':>6} "
        f"{'ratio':>5} | {'baseline':>8} {'SQL':>6} {'ratio':>5} {'q':>3}",
        "-" * 110,
    ]
    for spec in result["pages"]:
        base = spec.get("baseline") or {}
        lines.append(
            f"{spec['name'][:38]:38} {str(spec.get('state'))[:8]:8} "
            f"{spec.get('p50_ms', '-')!s:>6} {spec.get('p95_ms', '-')!s:>6} "
            f"{spec.get('queries', '-')!s:>3} {spec.get('server_ms', '-')!s:>7} "
            f"{spec.get('sql_ms', '-')!s:>6} {spec.get('ratio', '-')!s:>5} | "
            f"{base.get('server_ms', '-')!s:>8} {base.get('sql_ms', '-')!s:>6} "
            f"{base.get('ratio', '-')!s:>5} {base.get('queries', '-')!s:>3}"
        )
    lines.append("(ms; p50/p95 through the server one request at a time, server/SQL in-process)")
    floor = result.get("floor")
    if floor:
        lines.append(
            f"empty page (middleware, session, user): {floor['server_ms']} ms, "
            f"SQL {floor['sql_ms']} ms, {floor['queries']} queries"
        )
    server = result["server"]
    lines.append(
        f"server: scripts/serve.sh, workers {server['workers'] or 'default'}, "
        f"extra gunicorn args {server['gunicorn_args'] or 'none'}, app {server['app'] or 'default'}"
        f", env {' '.join(server['env']) or 'as make serve'}"
    )
    for name, tp in (result.get("throughput") or {}).items():
        lines.append(
            f"throughput {name}, {tp['users']} users: {tp['requests_per_second']} req/s "
            f"(p50 {tp['p50_ms']} ms, p95 {tp['p95_ms']} ms, errors {tp['errors']})"
        )
    report = result.get("report")
    if report:
        figures = report["figures"].get("seconds", report["figures"].get("state"))
        pdf = report["pdf"].get("seconds", report["pdf"].get("state"))
        lines.append(f"report {report['year']}: figures {figures} s, PDF {pdf} s")
    lines.append(f"load before/after: {result['load']['before']} / {result['load']['after']}")
    lines.append("")
    for target in result["targets"]:
        lines.append(f"{target['result']:8} {target['target']} ({target['value']})")
    lines.append(
        f"seed: {result['seed']['seconds']} s ({result['seed']['state']}); "
        f"bench total: {result['bench_seconds']} s"
    )
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv=None) -> int:
    args = parse_args(argv)
    # Stopped with SIGTERM (kill, timeout): unwind, so that the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    load_before = load_average()
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        print("DATABASE_URL is not set (make bench sets it).", file=sys.stderr)
        return 2
    bench_url = database_url_for(base_url, args.db_name)
    marker = prepare_database(base_url, args.db_name, args.participants, args.reseed)
    setup_django(bench_url)

    from django.core.management import call_command

    log("migrate")
    call_command("migrate", interactive=False, verbosity=0)
    if marker is None:
        seed_seconds = seed(args.participants)
        case = prepare_bench_case()
        counts = data_counts()
        marker = {
            "format": DATA_FORMAT,
            "participants": args.participants,
            "seed_seconds": round(seed_seconds, 1),
            "seeded_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "counts": counts,
        }
        mark_database(base_url, args.db_name, marker)
        seed_state = "seeded now"
    else:
        case = prepare_bench_case()
        seed_state = f"reused, seeded {marker.get('seeded_at')}"
    log(f"data: {marker['counts']}")
    if not static_files_fresh():
        log("collectstatic")
        call_command("collectstatic", interactive=False, verbosity=0)

    pages, notes = build_pages(case["participant_pk"])
    report = healthz = floor = None
    if args.only == "all":
        log(f"server time, SQL time, queries per page (in-process, {args.inprocess_requests} each)")
        measure_inprocess(pages, args.inprocess_requests)
        floor = measure_floor(args.inprocess_requests)
        healthz = {"inprocess": measure_healthz_inprocess()}
        year = args.year or timezone.localdate().year
        log(f"funding report {year}")
        report = measure_report(year)
    else:
        for spec in pages:
            spec["state"] = "ok" if spec["path"] else "missing (no URL)"

    # As `make serve` runs it: no DEBUG, local defaults for what production sets explicitly.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE", "DB_POOL", "DATABASE_OWNER_URL")
    }
    # Served as a deployment serves it: as the least-privileged app role when one is given
    # (make bench passes it as DATABASE_APP_URL); the owner only created, migrated and seeded.
    app_base_url = os.environ.get("DATABASE_APP_URL")
    env.pop("DATABASE_APP_URL", None)
    env["DATABASE_URL"] = (
        database_url_for(app_base_url, args.db_name) if app_base_url else bench_url
    )
    env.update(item.split("=", 1) for item in args.server_env)
    server = {
        "database_role": urllib.parse.urlsplit(env["DATABASE_URL"]).username,
        "workers": args.workers,
        "gunicorn_args": args.gunicorn_args,
        "app": args.app,
        "env": args.server_env,
    }
    log(f"scripts/serve.sh on {HOST}:{args.port} {server}")
    throughput = {}
    wanted = [name.strip() for name in args.throughput_pages.split(",") if name.strip()]
    with Server(args.port, env, args.workers, args.gunicorn_args, args.app):
        if args.only == "all":
            healthz["http"] = measure_healthz_http(args.port)
            measure_latency(args.port, pages, args.requests, args.page_seconds)
        for name in wanted:
            spec = next((p for p in pages if p["name"] == name), None)
            if spec is None or spec.get("state") != "ok":
                continue
            log(f"throughput {name}: {args.users} users, {args.throughput_seconds:g} s")
            throughput[name] = measure_throughput(
                args.port, spec["path"], args.users, args.throughput_seconds
            )
            log(f"  {throughput[name]['requests_per_second']} req/s")

    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load": {"before": load_before, "after": load_average()},
        "only": args.only,
        "participants": args.participants,
        "data": marker["counts"],
        "seed": {"seconds": marker.get("seed_seconds"), "state": seed_state},
        "bench_case": case,
        "notes": notes,
        "server": server,
        "users": args.users,
        "pages": pages,
        "floor": floor,
        "healthz": healthz,
        "throughput": throughput,
        "report": report,
    }
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    result["targets"] = evaluate(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    args.output.write_text(document + "\n")
    print(document)
    print()
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
