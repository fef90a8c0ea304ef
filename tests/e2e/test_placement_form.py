"""The placement form in a large programme: the employer is searched (htmx), not picked from
thousands, and the supervisor list follows the chosen employer without saving first."""

import pytest
from playwright.sync_api import expect

from fallmanagement.core.roles import Role
from tests.factories import ContactPersonFactory, EmployerFactory, ParticipantFactory, make_user

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_search_an_employer_and_choose_its_supervisor(page, axe, settings, transactional_db):
    settings.EMPLOYER_SELECT_MAX = 1  # "many" employers: the search widget
    sabine = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    ParticipantFactory(caseworker=sabine, last_name="Al Qasin", first_name="Husein")
    wanted = EmployerFactory(name="Metallbau Schäfer", city="Kassel")
    EmployerFactory(name="Bäckerei Abel", city="Vellmar")
    supervisor = ContactPersonFactory(employer=wanted, name="Jens Meyer")
    login(page, sabine)

    page.goto("/einsaetze/neu/")
    employer = page.locator("#id_employer")
    assert employer.locator("option").count() == 1  # only "– bitte wählen –"
    with page.expect_response(lambda r: "/betriebe/auswahl/" in r.url):
        page.fill("#id_employer_q", "Metall")
    expect(employer.locator("option")).to_have_count(2)  # no eval: the CSP forbids it
    assert "Bäckerei" not in employer.inner_text()

    with page.expect_response(lambda r: "/betriebe/ansprechpersonen/" in r.url):
        employer.select_option(label="Metallbau Schäfer (Kassel)")
    expect(page.locator("#id_supervisor option")).to_have_count(2)
    page.locator("#id_supervisor").select_option(str(supervisor.pk))
    assert_no_axe_violations(page, axe)
