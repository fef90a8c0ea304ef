"""Shared fixtures: one user per role, a logged-in client per role, query counting; the test
database is created and migrated by the owner role, the tests run as the application role."""

import contextlib
import os

import dj_database_url
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from fallmanagement.core.roles import Role

from .factories import ParticipantFactory, make_user


def pytest_collection_modifyitems(config, items):
    """The long generated-data runs belong to `make fuzz` / `make fuzz-reports` (-m fuzz),
    not to every test run."""
    if "fuzz" not in (config.option.markexpr or ""):
        skip = pytest.mark.skip(reason="lange Prüfung mit erzeugten Daten: make fuzz")
        for item in items:
            if item.get_closest_marker("fuzz"):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _german_by_default():
    """Every test starts in German, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("de"):
        yield


@pytest.fixture
def caseworker(db):
    return make_user(Role.CASEWORK, username="sabine")


@pytest.fixture
def other_caseworker(db):
    return make_user(Role.CASEWORK, username="jonas")


@pytest.fixture
def reporter(db):
    return make_user(Role.REPORTING, username="petra")


@pytest.fixture
def administrator(db):
    return make_user(Role.ADMINISTRATION, username="thomas", is_staff=True)


@pytest.fixture
def no_role_user(db):
    return make_user(None, username="ohnerolle")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def caseworker_client(caseworker):
    return _client_for(caseworker)


@pytest.fixture
def other_caseworker_client(other_caseworker):
    return _client_for(other_caseworker)


@pytest.fixture
def reporter_client(reporter):
    return _client_for(reporter)


@pytest.fixture
def admin_client_role(administrator):
    return _client_for(administrator)


@pytest.fixture
def no_role_client(no_role_user):
    return _client_for(no_role_user)


@pytest.fixture
def participant(caseworker):
    return ParticipantFactory(caseworker=caseworker, first_name="Husein", last_name="Al Qasin")


# --- Database roles -----------------------------------------------------------------------
# As in production the tests connect as the application role (DATABASE_URL), which may not
# create, alter or truncate tables. `make test` also exports DATABASE_OWNER_URL: the owner role
# creates and migrates the test database and empties it between transactional tests (TRUNCATE
# and the post-migrate triggers are owner's business). Without it everything runs as one role.

OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
_ROLE_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


@contextlib.contextmanager
def connected_as_owner(conn=connection):
    """Reconnect `conn` as the owner role (same database) for the duration of the block."""
    owner = dj_database_url.parse(OWNER_URL)
    saved = {key: conn.settings_dict[key] for key in _ROLE_KEYS}
    conn.close()
    conn.settings_dict.update({key: owner[key] for key in _ROLE_KEYS})
    try:
        yield conn
    finally:
        conn.close()
        conn.settings_dict.update(saved)


if OWNER_URL:

    @pytest.fixture(scope="session")
    def django_db_setup(
        request,
        django_test_environment,
        django_db_blocker,
        django_db_modify_db_settings,
        django_db_keepdb,
    ):
        from django.core.management.commands import flush
        from django.test.utils import setup_databases, teardown_databases

        verbosity = request.config.option.verbose
        with django_db_blocker.unblock(), connected_as_owner():
            db_cfg = setup_databases(
                verbosity=verbosity, interactive=False, keepdb=django_db_keepdb
            )
        original_flush = flush.Command.handle

        def flush_as_owner(self, **options):
            with connected_as_owner(connections[options.get("database", DEFAULT_DB_ALIAS)]):
                return original_flush(self, **options)

        flush.Command.handle = flush_as_owner
        try:
            yield
        finally:
            flush.Command.handle = original_flush
            if not django_db_keepdb:
                # As pytest-django does: a session still open elsewhere (a live-server thread)
                # only leaves the test database behind; the next run replaces it.
                try:
                    with django_db_blocker.unblock(), connected_as_owner():
                        teardown_databases(db_cfg, verbosity=verbosity)
                except Exception as exc:  # noqa: BLE001
                    request.node.warn(
                        pytest.PytestWarning(f"Error when tearing down test databases: {exc!r}")
                    )
