"""Faults: /healthz says 503 while the database is down, and everything works once it is back.

Stops and restarts the project-local PostgreSQL cluster (scripts/devdb.sh), so it only runs
when DATABASE_URL points at that cluster; the cluster is always started again (finally).
"""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
DEVDB = ROOT / "scripts" / "devdb.sh"


def _local_cluster_url() -> str:
    result = subprocess.run(  # noqa: S603
        [str(DEVDB), "url"], capture_output=True, text=True, timeout=30
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def get(client: Client, url: str):
    """A request as the server makes it: Django's WSGI handler runs close_old_connections at
    request start (the test client switches that off), which drops a connection that failed
    its health check (CONN_HEALTH_CHECKS) so the request gets a fresh one."""
    close_old_connections()
    return client.get(url)


def _devdb(command: str) -> None:
    subprocess.run([str(DEVDB), command], check=True, capture_output=True, timeout=120)  # noqa: S603


pytestmark = [
    # Runs after every other test (tests/conftest.py), wherever the file is collected.
    pytest.mark.restarts_database,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL")
        or os.environ.get("DATABASE_URL") != _local_cluster_url(),
        reason="DATABASE_URL is not the project-local cluster (scripts/devdb.sh); not stopping it",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_healthz_503_while_database_is_down_and_recovery_after_restart(caseworker):
    client = Client()
    client.force_login(caseworker)
    assert get(client, reverse("healthz")).status_code == 200
    assert get(client, reverse("home")).status_code == 200
    try:
        _devdb("stop")
        response = get(Client(), reverse("healthz"))
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": False}
    finally:
        _devdb("start")
    # After the restart the next requests work again (CONN_HEALTH_CHECKS replaces the dead
    # persistent connection at the start of the request).
    deadline = time.monotonic() + 30
    while get(Client(), reverse("healthz")).status_code != 200:
        assert time.monotonic() < deadline, "database did not come back"
        time.sleep(0.5)
    assert get(client, reverse("home")).status_code == 200
    assert connection.is_usable()
