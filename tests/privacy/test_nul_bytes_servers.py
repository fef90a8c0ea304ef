"""NUL bytes in path, query, cookies and headers under the real servers: runserver (what
`make run` starts) and gunicorn (what `make serve` and production run), each a subprocess on
a free port against the test database. No 500, no traceback in the server's log, and the
server keeps answering.

Raw sockets, because Python's HTTP clients refuse to send such requests at all.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_REQUESTS = {
    "percent-encoded NUL in the path": b"GET /teilnehmende/%00/ HTTP/1.1\r\n",
    "NUL in the query string": b"GET /?q=a%00b HTTP/1.1\r\n",
    "raw NUL in the session cookie": b"GET / HTTP/1.1\r\nCookie: sessionid=abc\x00def\r\n",
    "encoded NUL in the session cookie": b"GET / HTTP/1.1\r\nCookie: sessionid=abc%00def\r\n",
    "raw NUL in a header": b"GET / HTTP/1.1\r\nX-Test: a\x00b\r\n",
    "raw NUL in Accept-Language": b"GET / HTTP/1.1\r\nAccept-Language: de\x00en\r\n",
    "raw NUL in the path": b"GET /a\x00b HTTP/1.1\r\n",
    "NUL in the login form": (
        b"POST /accounts/login/ HTTP/1.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 27\r\n"
    ),
}
BODIES = {"NUL in the login form": b"username=a%00b&password=x%00"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    """DATABASE_URL of this run, pointing at the test database."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgresql://localhost/fallmanagement"))
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


def _send(port: int, head: bytes, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _status(response: bytes) -> int | None:
    if not response.startswith(b"HTTP/"):
        return None  # the server closed the connection without an answer
    return int(response.split(b" ", 2)[1])


def _wait_until_up(port: int, process, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {Path(log.name).read_text()[-3000:]}")
        try:
            if _status(_send(port, b"GET /healthz HTTP/1.1\r\n")) is not None:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


SERVERS = {
    "runserver": lambda port: [
        sys.executable,
        "manage.py",
        "runserver",
        f"127.0.0.1:{port}",
        "--noreload",
        "--skip-checks",
    ],
    "gunicorn": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "fallmanagement.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ],
}
ENVIRONMENTS = {
    "runserver": {"DJANGO_DEBUG": "1"},
    "gunicorn": {
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "test-only-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DB_POOL": "0",
        # Production settings otherwise; the test settings' static file storage, because
        # no `collectstatic` ran for the manifest.
        "DJANGO_TESTING": "1",
    },
}


@pytest.mark.parametrize("server", SERVERS)
def test_nul_bytes_never_give_a_500_under_real_servers(server, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        **ENVIRONMENTS[server],
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / f"{server}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603
            SERVERS[server](port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(port, process, log)
            answers = {}
            for label, head in HOSTILE_REQUESTS.items():
                answers[label] = _status(_send(port, head, BODIES.get(label, b"")))
            # Still serving afterwards.
            assert _status(_send(port, b"GET /accounts/login/ HTTP/1.1\r\n")) == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
    output = log_path.read_text(errors="replace")
    for label, status in answers.items():
        # A refusal (400) by Django or the server itself, a redirect to the login page, or a
        # closed connection: never 500.
        assert status is None or status < 500, (server, label, status, output[-2000:])
    assert answers["percent-encoded NUL in the path"] == 400
    assert answers["raw NUL in the session cookie"] in (400, None)
    assert "Traceback" not in output, output[-3000:]
    assert "could not be stored" not in output
