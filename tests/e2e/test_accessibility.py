"""Every page a role starts from passes axe-core's WCAG 2.1 A/AA rules (BITV 2.0)."""

import pytest

from fallmanagement.core.roles import Role
from tests.factories import (
    CaseNoteFactory,
    EmployerFactory,
    FollowUpFactory,
    ParticipantFactory,
    PlacementFactory,
    make_user,
)

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def sabine(transactional_db):
    """A caseworker with a small caseload: a follow-up due, a note, a planned internship."""
    user = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    participant = ParticipantFactory(caseworker=user, first_name="Husein", last_name="Al Qasin")
    ParticipantFactory(caseworker=user, first_name="Rana", last_name="Haddad")
    CaseNoteFactory(participant=participant)
    FollowUpFactory(participant=participant, created_by=user)
    PlacementFactory(participant=participant, employer=EmployerFactory(name="Metallbau Hofmann"))
    return user


@pytest.fixture
def petra(transactional_db):
    return make_user(Role.REPORTING, username="petra", first_name="Petra", last_name="Hoffmann")


@pytest.fixture
def thomas(transactional_db):
    return make_user(
        Role.ADMINISTRATION,
        username="thomas",
        first_name="Thomas",
        last_name="Schäfer",
        is_staff=True,
    )


def test_login_page_has_no_accessibility_violations(page, axe):
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "Anmelden"
    assert_no_axe_violations(page, axe)


def test_login_errors_have_no_accessibility_violations(page, axe, sabine):
    page.goto("/accounts/login/")
    page.fill("#id_username", "sabine")
    page.fill("#id_password", "falsch")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert_no_axe_violations(page, axe)


def test_caseworker_start_page_has_no_accessibility_violations(page, axe, sabine):
    login(page, sabine)
    assert page.locator("h1").count() == 1
    assert_no_axe_violations(page, axe)


def test_reporter_start_page_has_no_accessibility_violations(page, axe, petra):
    login(page, petra)
    assert_no_axe_violations(page, axe)


def test_administrator_start_page_has_no_accessibility_violations(page, axe, thomas):
    login(page, thomas)
    assert_no_axe_violations(page, axe)


@pytest.mark.parametrize(
    "path", ["/teilnehmende/", "/betriebe/", "/einsaetze/"], ids=["caseload", "employers", "board"]
)
def test_caseworker_lists_have_no_accessibility_violations(page, axe, sabine, path):
    login(page, sabine)
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert_no_axe_violations(page, axe)


def test_report_page_has_no_accessibility_violations(page, axe, petra):
    login(page, petra)
    response = page.goto("/berichte/")
    assert response.status == 200
    assert_no_axe_violations(page, axe)


def test_forbidden_page_has_no_accessibility_violations(page, axe, petra):
    login(page, petra)
    response = page.goto("/teilnehmende/")
    assert response.status == 403
    assert_no_axe_violations(page, axe)
