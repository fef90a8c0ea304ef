"""The apps work as one product: navigation, case file links, demo data that fits together."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from employers.models import Employer, EmployerField
from fallmanagement.casework.myweek import my_week
from participants.models import FollowUp, Participant, RecognitionProcedure
from placements.models import Placement

from .factories import EmployerFactory, PlacementFactory


@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("home", "Start"),
        ("participants:list", "Teilnehmende"),
        ("placements:board", "Einsätze"),
        ("employers:list", "Betriebe"),
        ("employers:network_list", "Netzwerk"),
        ("reports:index", "Berichte"),
        ("privacy:security_events", "Verwaltung"),
    ],
)
def test_navigation_marks_exactly_the_current_section(admin_client_role, url_name, label):
    page = admin_client_role.get(reverse(url_name)).text
    nav = page[page.index('<ul class="navbar-nav me-auto">') :]
    nav = nav[: nav.index("</ul>")]
    assert nav.count('aria-current="page"') == 1
    current = nav[nav.index('aria-current="page"') :]
    assert current[: current.index("</a>")].endswith(label)


def test_audit_page_of_a_participant_is_in_the_administration_section(
    admin_client_role, participant
):
    page = admin_client_role.get(reverse("privacy:participant_history", args=[participant.pk])).text
    nav = page[page.index('<ul class="navbar-nav me-auto">') :]
    nav = nav[: nav.index("</ul>")]
    assert nav.count('aria-current="page"') == 1
    current = nav[nav.index('aria-current="page"') :]
    assert current[: current.index("</a>")].endswith("Verwaltung")


def test_caseworker_navigation_has_the_network(caseworker_client):
    page = caseworker_client.get(reverse("home")).text
    assert reverse("employers:network_list") in page
    assert reverse("reports:index") not in page


def test_case_file_offers_sharing_to_the_assigned_caseworker_only(caseworker_client, participant):
    page = caseworker_client.get(reverse("participants:detail", args=[participant.pk])).text
    assert reverse("participants:share", args=[participant.pk]) in page
    assert reverse("participants:reassign", args=[participant.pk]) not in page
    assert reverse("privacy:art15", args=[participant.pk]) not in page


def test_case_file_offers_sharing_and_reassignment_to_administration(
    admin_client_role, participant
):
    page = admin_client_role.get(reverse("participants:detail", args=[participant.pk])).text
    assert reverse("participants:share", args=[participant.pk]) in page
    assert reverse("participants:reassign", args=[participant.pk]) in page
    assert reverse("privacy:participant_history", args=[participant.pk]) in page
    assert reverse("privacy:art15", args=[participant.pk]) in page


def test_case_file_lists_all_placements_of_the_participant(caseworker_client, participant):
    first = PlacementFactory(participant=participant, job_title="Küchenhilfe")
    second = PlacementFactory(
        participant=participant,
        job_title="Lagerhelfer",
        planned_start=datetime.date(2026, 5, 4),
        planned_end=datetime.date(2026, 5, 31),
    )
    page = caseworker_client.get(reverse("participants:detail", args=[participant.pk])).text
    assert reverse("placements:detail", args=[first.pk]) in page
    assert reverse("placements:detail", args=[second.pk]) in page
    assert "Lagerhelfer" in page


def test_case_file_placement_list_does_not_add_queries_per_placement(
    caseworker_client, participant, django_assert_max_num_queries
):
    url = reverse("participants:detail", args=[participant.pk])
    PlacementFactory(participant=participant)
    with CaptureQueriesContext(connection) as one:
        caseworker_client.get(url)
    for month in range(4, 10):
        PlacementFactory(
            participant=participant,
            planned_start=datetime.date(2025, month, 1),
            planned_end=datetime.date(2025, month, 28),
        )
    with django_assert_max_num_queries(len(one)):
        caseworker_client.get(url)


@pytest.fixture
def seeded(db):
    call_command("seed_demo", participants=70, seed=7)


def test_demo_placements_are_in_a_field_the_employer_offers(seeded):
    placements = Placement.objects.all()
    assert not placements.filter(kldb_group__isnull=True).exists()
    offered = set(EmployerField.objects.values_list("employer_id", "kldb_group_id"))
    assert set(placements.values_list("employer_id", "kldb_group_id")) <= offered


def test_demo_week_of_the_caseworker_has_an_internship_starting_and_one_ending(seeded):
    week = my_week(get_user_model().objects.get(username="fallmanagement"))
    week_range = (week["week_start"], week["week_end"])
    starts = [p for p in week["internships"] if week_range[0] <= p.start <= week_range[1]]
    ends = [p for p in week["internships"] if week_range[0] <= p.end <= week_range[1]]
    assert starts
    assert ends


def test_demo_recognition_procedures_have_their_deadline_followups(seeded):
    complete = RecognitionProcedure.objects.filter(file_complete_on__isnull=False)
    assert complete.exists()
    for procedure in complete:
        assert FollowUp.objects.filter(
            recognition=procedure, kind=FollowUp.Kind.RECOGNITION_DECISION
        ).exists()


def test_demo_closed_cases_were_closed_on_their_exit_date(seeded):
    for participant in Participant.objects.filter(status=Participant.Status.CLOSED):
        changes = list(participant.status_changes.order_by("changed_on", "pk"))
        assert changes[-1].to_status == Participant.Status.CLOSED
        assert changes[-1].changed_on == participant.exit_date
        assert all(c.changed_on <= participant.exit_date for c in changes)


def test_seed_demo_force_twice_adds_employers_with_unique_names(seeded):
    before = Employer.objects.count()
    call_command("seed_demo", participants=10, seed=7, force=True)
    assert Employer.objects.count() > before


def test_demo_recognition_procedures_name_their_network_partner(seeded):
    procedures = RecognitionProcedure.objects.all()
    assert procedures.exists()
    assert not procedures.filter(network_partner__isnull=True).exists()


def test_seed_demo_force_twice_with_a_large_data_set_reuses_the_extra_caseworkers(db):
    call_command("seed_demo", participants=250, employers=20)
    users = get_user_model().objects.count()
    call_command("seed_demo", participants=250, employers=20, force=True)
    assert get_user_model().objects.count() == users
    assert Participant.objects.count() == 500


def test_administration_is_not_offered_to_plan_placements_it_may_not_create(
    admin_client_role, caseworker_client, participant
):
    participant.interest_groups.add("63")
    EmployerField.objects.create(
        employer=EmployerFactory(state="aktiv", capacity=2),
        kldb_group_id="63",
        offers_internship=True,
    )
    url = reverse("employers:matching", args=[participant.pk])
    create = reverse("placements:create")
    assert admin_client_role.get(reverse("placements:create")).status_code == 403
    assert create not in admin_client_role.get(url).text
    assert create in caseworker_client.get(url).text
