"""Shared fixtures: one user per role, a logged-in client per role, query counting."""

import pytest
from django.test import Client

from fallmanagement.core.roles import Role

from .factories import ParticipantFactory, make_user


@pytest.fixture(autouse=True)
def _german_by_default():
    """Every test starts in German, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("de"):
        yield


def pytest_collection_modifyitems(config, items):
    """Tests that stop the database run last, so no other test meets a restarting server
    (by marker, not by file name: order never depends on names)."""
    items.sort(key=lambda item: item.get_closest_marker("restarts_database") is not None)
    # The long property-based run belongs to `make fuzz` (-m fuzz), not to every test run.
    if "fuzz" not in (config.option.markexpr or ""):
        skip = pytest.mark.skip(reason="lange Regel-Prüfung: make fuzz")
        for item in items:
            if item.get_closest_marker("fuzz"):
                item.add_marker(skip)


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
