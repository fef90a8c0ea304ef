"""The pages of the main journey pass axe-core's WCAG 2.1 A/AA rules: case file (with its note
and follow-up forms), intake, matching, employer and placement pages, administration forms."""

import pytest
from django.urls import reverse

from fallmanagement.core.roles import Role
from tests.factories import (
    CaseNoteFactory,
    ContactPersonFactory,
    EmployerFieldFactory,
    FollowUpFactory,
    ParticipantFactory,
    PlacementFactory,
    make_user,
)

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def journey(transactional_db):
    """A caseworker's case with notes, a follow-up, a matching employer and an internship."""
    sabine = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    participant = ParticipantFactory(caseworker=sabine, first_name="Husein", last_name="Al Qasin")
    participant.interest_groups.add(EmployerFieldFactory().kldb_group)
    CaseNoteFactory(participant=participant)
    FollowUpFactory(participant=participant, created_by=sabine)
    field = EmployerFieldFactory()
    contact = ContactPersonFactory(employer=field.employer)
    placement = PlacementFactory(
        participant=participant, employer=field.employer, supervisor=contact
    )
    return {"user": sabine, "participant": participant, "placement": placement}


@pytest.mark.parametrize(
    "name",
    [
        "participants:detail",
        "participants:edit",
        "participants:create",
        "employers:matching",
        "employers:detail",
        "employers:network_list",
        "placements:detail",
        "placements:create",
    ],
)
def test_caseworker_journey_pages_have_no_accessibility_violations(page, axe, journey, name):
    participant, placement = journey["participant"], journey["placement"]
    kwargs = {
        "participants:detail": {"pk": participant.pk},
        "participants:edit": {"pk": participant.pk},
        "employers:matching": {"participant_pk": participant.pk},
        "employers:detail": {"pk": placement.employer_id},
        "placements:detail": {"pk": placement.pk},
    }.get(name, {})
    path = reverse(name, kwargs=kwargs)
    if name == "placements:create":
        path += f"?participant={participant.pk}&employer={placement.employer_id}"
    login(page, journey["user"])
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert_no_axe_violations(page, axe)


@pytest.mark.parametrize("name", ["employers:create", "employers:network_create"])
def test_administration_forms_have_no_accessibility_violations(page, axe, transactional_db, name):
    thomas = make_user(Role.ADMINISTRATION, username="thomas", is_staff=True)
    login(page, thomas)
    response = page.goto(reverse(name))
    assert response.status == 200
    assert_no_axe_violations(page, axe)
