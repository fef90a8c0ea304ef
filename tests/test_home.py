"""The start page shows each role its own work, in a constant number of queries."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fallmanagement.reports.models import IssuedReport
from participants.models import Participant

from .factories import EmployerFactory, ParticipantFactory, PlacementFactory


def _issue_report(user, label="1. Quartal 2026"):
    return IssuedReport.objects.create(
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        period_label=label,
        scope_label="alle Teilnehmenden",
        figures={},
        pdf=b"%PDF-1.7",
        sha256="0" * 64,
        issued_by=user,
        issued_by_name=user.get_full_name() or user.username,
    )


def test_caseworker_sees_my_week_and_quick_links(caseworker_client, participant):
    page = caseworker_client.get(reverse("home")).text
    assert "Meine Woche" in page
    assert reverse("participants:create") in page
    assert reverse("placements:board") in page
    assert "Zuletzt ausgestellte Berichte" not in page
    assert "Teilnehmende nach Status" not in page


def test_caseworker_sees_an_internship_starting_this_week(caseworker_client, participant):
    today = datetime.date.today()
    PlacementFactory(
        participant=participant,
        planned_start=today,
        planned_end=today + datetime.timedelta(days=27),
    )
    page = caseworker_client.get(reverse("home")).text
    assert "Beginn" in page
    assert participant.display_name in page


def test_reporter_sees_latest_five_issued_reports(reporter_client, reporter):
    for n in range(7):
        _issue_report(reporter, label=f"Bericht Nr. {n}")
    page = reporter_client.get(reverse("home")).text
    assert reverse("reports:index") in page
    assert "Bericht Nr. 6" in page
    assert "Bericht Nr. 2" in page
    assert "Bericht Nr. 1" not in page
    assert "Meine Woche" not in page
    assert "Teilnehmende nach Status" not in page


def test_reporter_without_issued_reports_sees_empty_state(reporter_client):
    assert "Noch kein Bericht ausgestellt." in reporter_client.get(reverse("home")).text


def test_administration_sees_counts_by_status_and_partnership(
    admin_client_role, caseworker, reporter
):
    ParticipantFactory.create_batch(3, caseworker=caseworker, status=Participant.Status.PROFILING)
    EmployerFactory.create_batch(2, state="aktiv")
    _issue_report(reporter)
    response = admin_client_role.get(reverse("home"))
    rows = {label: count for _value, label, count in response.context["participant_counts"]}
    assert rows["Profiling"] == 3
    assert response.context["participant_total"] == 3
    states = {value: count for value, _label, count in response.context["employer_counts"]}
    assert states["aktiv"] == 2
    page = response.text
    assert reverse("employers:network_list") in page
    assert reverse("admin:index") in page
    assert "1. Quartal 2026" in page


def test_start_page_queries_do_not_grow_with_data(admin_client_role, caseworker, reporter):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client_role.get(reverse("home")).status_code == 200
        return len(ctx)

    ParticipantFactory.create_batch(2, caseworker=caseworker)
    EmployerFactory.create_batch(2)
    _issue_report(reporter)
    few = count_queries()
    ParticipantFactory.create_batch(30, caseworker=caseworker)
    EmployerFactory.create_batch(30)
    for _ in range(5):
        _issue_report(reporter)
    assert count_queries() == few


def test_caseworker_start_page_queries_do_not_grow_with_caseload(caseworker_client, caseworker):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert caseworker_client.get(reverse("home")).status_code == 200
        return len(ctx)

    ParticipantFactory.create_batch(2, caseworker=caseworker)
    few = count_queries()
    ParticipantFactory.create_batch(30, caseworker=caseworker)
    assert count_queries() == few


def test_user_without_role_sees_a_hint(no_role_client):
    page = no_role_client.get(reverse("home")).text
    assert "noch keine Rolle" in page
    assert "Meine Woche" not in page
