"""From a match to a placement in one click: the care wish finds the care home before the hair
salon, "Einsatz planen" opens the placement form filled in, and it saves."""

import datetime

import pytest
from django.utils import timezone

from employers.models import EmployerField
from fallmanagement.core.roles import Role
from participants.models import Participant
from placements.models import Placement
from tests.factories import ContactPersonFactory, EmployerFactory, ParticipantFactory, make_user

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_match_opens_a_prefilled_placement_that_saves(page, axe, transactional_db):
    sabine = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    rana = ParticipantFactory(
        caseworker=sabine,
        last_name="Haddad",
        first_name="Rana",
        status=Participant.Status.INTERNSHIP_PREP,
    )
    rana.interest_occupations.add("82101")
    salon = EmployerFactory(name="Salon Schnittpunkt", capacity=5)
    EmployerField.objects.create(employer=salon, kldb_group_id="82", kldb_occupation_id="82311")
    home = EmployerFactory(name="Seniorenheim Am Park", capacity=1)
    EmployerField.objects.create(employer=home, kldb_group_id="82", kldb_occupation_id="82101")
    supervisor = ContactPersonFactory(employer=home, name="Jens Meyer")
    login(page, sabine)

    page.goto(f"/betriebe/passend/{rana.pk}/")
    rows = page.locator("table.matching-table tbody tr")
    assert rows.count() == 2
    assert "Seniorenheim Am Park" in rows.nth(0).inner_text()
    assert "gleiche Berufsgattung" in rows.nth(0).inner_text()
    assert "Salon Schnittpunkt" in rows.nth(1).inner_text()
    assert_no_axe_violations(page, axe)

    rows.nth(0).get_by_role("link", name="Einsatz planen").click()
    page.wait_for_load_state()
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    assert page.locator("#id_employer").input_value() == str(home.pk)
    assert page.locator("#id_supervisor").input_value() == str(supervisor.pk)
    assert page.locator("#id_kldb_group").input_value() == "82"
    assert page.locator("#id_kldb_occupation").input_value() == "82101"
    assert page.locator("#id_planned_start").input_value() == monday.isoformat()
    assert (
        page.locator("#id_planned_end").input_value()
        == (monday + datetime.timedelta(days=27)).isoformat()
    )
    assert_no_axe_violations(page, axe)

    page.fill("#id_job_title", "Pflegehelferin (Orientierung)")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    placement = Placement.objects.get()
    assert (placement.employer, placement.supervisor, placement.kldb_occupation_id) == (
        home,
        supervisor,
        "82101",
    )
    assert (placement.planned_start, placement.participant) == (monday, rana)
