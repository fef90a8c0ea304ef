"""`python -m bench.run` (`make bench`): seed a large data set into its own database, run the
app as in production (gunicorn, production settings, 2 workers) on a loopback port and
measure it.

What it measures (one JSON document on stdout and in bench/results/latest.json, plus a table):
- p50/p95 latency of the main pages, requested one after another by one logged-in user;
- database queries per request of the same pages (in-process, Django test client);
- the funding report for a year: the figures and the PDF (functions found at runtime);
- throughput of the caseload list with 20 concurrent users.

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

TARGET_P95_MS = 150
TARGET_QUERIES = 15
TARGET_FIGURES_S = 1.0
TARGET_PDF_S = 5.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true", help="seed the bench database anew")
    parser.add_argument("--db-name", default="fallmanagement_bench")
    parser.add_argument("--port", type=int, default=8178)
    parser.add_argument("--workers", type=int, default=2)
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fallmanagement.settings")
    sys.path.insert(0, str(ROOT))
    import django

    # The load test runs in gunicorn; this process only seeds and counts queries.
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

    def page(name, url_name, user, query="", **kwargs):
        path = resolve(url_name, **kwargs)
        pages.append(
            {
                "name": name,
                "url_name": url_name,
                "user": user,
                "path": (path + query) if path else None,
                "target": True,
            }
        )
        return pages[-1]

    page("start page", "home", CASEWORKER)
    listing = page("caseload list", "participants:list", CASEWORKER)
    filtered = page("caseload list, filtered by status", "participants:list", CASEWORKER)
    searched = page("caseload list, name search (variant)", "participants:list", CASEWORKER)
    page("case file (~50 entries)", "participants:detail", CASEWORKER, pk=case_pk)
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
    admin_list = page("caseload list as admin (all)", "participants:list", ADMIN)
    admin_list["target"] = False
    reports = page("funding report page", "reports:index", REPORTER)
    reports["target"] = False

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


def count_queries(pages: list[dict]) -> None:
    """Queries per request, in-process with the same settings (second request, warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

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
            with CaptureQueriesContext(connection) as ctx:
                response = client.post(spec["post"]["path"], spec["post"]["data"])
            spec["queries_post"] = len(ctx.captured_queries)
            spec["post_status"] = response.status_code
        client.get(spec["path"])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(spec["path"])
        spec["status"] = response.status_code
        spec["queries"] = len(ctx.captured_queries)
        if response.status_code == 404:
            spec["state"] = "missing (404, stub?)"
        elif response.status_code != 200:
            spec["state"] = f"HTTP {response.status_code}"
        else:
            spec["state"] = "ok"
            if spec.get("expect"):
                spec["found_expected"] = spec["expect"] in response.content.decode()


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


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def prime_search(session: HttpSession, spec: dict) -> None:
    """A POST search stores the query in the session: do it once before the GETs."""
    if "post" in spec:
        token = session.csrf_token(spec["path"])
        session.request(
            "POST", spec["post"]["path"], {**spec["post"]["data"], "csrfmiddlewaretoken": token}
        )


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
        for _ in range(3):  # warm-up: templates, connection pool, caches
            session.request("GET", spec["path"])
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


def no_control_socket(gunicorn: Path) -> list[str]:
    """gunicorn >= 25 opens a control socket in ~/.gunicorn (one per user): switch it off."""
    help_text = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(gunicorn), "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ["--no-control-socket"] if "--no-control-socket" in help_text else []


class Gunicorn:
    """gunicorn with production settings on a loopback port; stopped on exit."""

    def __init__(self, port: int, workers: int, env: dict):
        self.port, self.workers, self.env = port, workers, env
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in __exit__)
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )

    def __enter__(self) -> Gunicorn:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [
                str(gunicorn),
                "fallmanagement.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"{HOST}:{self.port}",
                "--log-level",
                "warning",
                *no_control_socket(gunicorn),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited, see {self.log.name}")
            try:
                status, *_ = HttpSession(self.port).request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer on port {self.port}, see {self.log.name}")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


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


def evaluate(result: dict) -> list[dict]:
    targets = []
    for spec in result["pages"]:
        if not spec.get("target"):
            continue
        ok = spec.get("state") == "ok"
        targets.append(
            {
                "target": f"p95 < {TARGET_P95_MS} ms: {spec['name']}",
                "value": spec.get("p95_ms") if ok else spec.get("state"),
                "result": ("PASS" if spec["p95_ms"] < TARGET_P95_MS else "FAIL")
                if ok and "p95_ms" in spec
                else "MISSING",
            }
        )
        targets.append(
            {
                "target": f"<= {TARGET_QUERIES} queries: {spec['name']}",
                "value": spec.get("queries") if ok else spec.get("state"),
                "result": ("PASS" if spec["queries"] <= TARGET_QUERIES else "FAIL")
                if ok
                else "MISSING",
            }
        )
    report = result["report"]
    for key, limit, label in (
        ("figures", TARGET_FIGURES_S, "yearly figures"),
        ("pdf", TARGET_PDF_S, "funding report PDF"),
    ):
        entry = report[key]
        seconds = entry.get("seconds")
        if seconds is None and key == "pdf" and report.get("pdf_http", {}).get("status") == 200:
            seconds = report["pdf_http"]["seconds"]
        targets.append(
            {
                "target": f"{label} < {limit:g} s",
                "value": seconds if seconds is not None else entry.get("state"),
                "result": ("PASS" if seconds < limit else "FAIL")
                if seconds is not None
                else "MISSING",
            }
        )
    return targets


def table(result: dict) -> str:
    lines = [
        f"{'page':40} {'state':22} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}",
        "-" * 90,
    ]
    for spec in result["pages"]:
        lines.append(
            f"{spec['name'][:40]:40} {str(spec.get('state'))[:22]:22} "
            f"{spec.get('p50_ms', '-')!s:>8} {spec.get('p95_ms', '-')!s:>8} "
            f"{spec.get('queries', '-')!s:>8}"
        )
    tp = result.get("throughput") or {}
    if tp:
        lines.append(
            f"throughput caseload list, {tp['users']} users: {tp['requests_per_second']} req/s "
            f"(p50 {tp['p50_ms']} ms, p95 {tp['p95_ms']} ms, errors {tp['errors']})"
        )
    report = result["report"]
    figures = report["figures"].get("seconds", report["figures"].get("state"))
    pdf = report["pdf"].get("seconds", report["pdf"].get("state"))
    lines.append(f"report {report['year']}: figures {figures} s, PDF {pdf} s")
    lines.append("")
    for target in result["targets"]:
        lines.append(f"{target['result']:8} {target['target']} ({target['value']})")
    lines.append(
        f"seed: {result['seed']['seconds']} s ({result['seed']['state']}); "
        f"bench total: {result['bench_seconds']} s"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    # Stopped with SIGTERM (kill, timeout): unwind, so that gunicorn is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
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
    log("queries per page (in-process)")
    count_queries(pages)
    year = args.year or timezone.localdate().year
    log(f"funding report {year}")
    report = measure_report(year)

    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DB_POOL": "1",
        "DJANGO_SETTINGS_MODULE": "fallmanagement.settings",
    }
    log(f"gunicorn, {args.workers} workers, {HOST}:{args.port}")
    with Gunicorn(args.port, args.workers, env):
        measure_latency(args.port, pages, args.requests, args.page_seconds)
        listing = next(p for p in pages if p["url_name"] == "participants:list")
        throughput = None
        if listing.get("state") == "ok":
            log(f"throughput: {args.users} users, {args.throughput_seconds:g} s")
            throughput = measure_throughput(
                args.port, listing["path"], args.users, args.throughput_seconds
            )

    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "participants": args.participants,
        "data": marker["counts"],
        "seed": {"seconds": marker.get("seed_seconds"), "state": seed_state},
        "bench_case": case,
        "notes": notes,
        "gunicorn_workers": args.workers,
        "pages": pages,
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
