"""Fixtures for the browser tests: Playwright (sync API) driving the Debian `chromium`
against pytest-django's `live_server`, a `login()` helper and axe-core checks.

One browser per test session; every test gets a fresh browser context (cookies, storage),
so tests stay independent and fast. Without /usr/bin/chromium (`make test` installs it as
root) every e2e test is skipped with a message that says so.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django would then refuse
# ORM calls from fixtures and the live server ("SynchronousOnlyOperation").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} fehlt: Browser-Tests übersprungen "
            "(als root installiert `make test` das Debian-Paket chromium)."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        pytest.skip("playwright ist nicht installiert (pip install -e '.[dev]').")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """KldB reference data and role groups come from a data migration; a transactional test
    elsewhere in the run may have flushed them (TRUNCATE). Load them again if they are gone."""
    import importlib

    from django.apps import apps

    from fallmanagement.core.models import KldbGroup

    if not KldbGroup.objects.exists():
        migration = importlib.import_module(
            "fallmanagement.core.migrations.0002_kldb_reference_data"
        )
        migration.load(apps, None)
        migration.create_role_groups(apps, None)
    from fallmanagement.core.models import KldbOccupation

    if not KldbOccupation.objects.exists():
        importlib.import_module(
            "fallmanagement.core.migrations.0003_kldb_occupations"
        ).load_occupations(apps, None)
