"""Regression tests: each item "Seen" in issue 12, tried the way a new user did, through the
views, plus the database as the last line and the § 22 MiLoG calendar months."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from fallmanagement.core.dates import last_day_of_months
from participants.models import FollowUp, Participant
from placements.models import CheckIn, Placement
from tests.factories import EmployerFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db

D = datetime.date
S = Placement.State


def days(n: int) -> datetime.date:
    """Counted from the office's today when called, not when the module was collected: a run
    that crosses midnight in Berlin must not write yesterday's "tomorrow"."""
    return timezone.localdate() + datetime.timedelta(days=n)


def agreed(participant, start, end, **kwargs) -> Placement:
    return PlacementFactory(
        participant=participant,
        planned_start=start,
        planned_end=end,
        state=S.AGREED,
        agreement_signed_on=start - datetime.timedelta(days=10),
        insurance_confirmed_on=start - datetime.timedelta(days=10),
        **kwargs,
    )


def post_transition(client, placement, action, **fields):
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(reverse("placements:transition", args=[placement.pk, action]), data)


# --- dates of a placement ---------------------------------------------------------------


def test_start_after_the_planned_end_is_refused_not_a_500(caseworker_client, participant):
    placement = agreed(participant, days(-20), days(-10))
    response = post_transition(caseworker_client, placement, "start", actual_start=days(-5))
    assert response.status_code == 422
    assert "liegt nach dem geplanten Ende" in response.content.decode()
    placement.refresh_from_db()
    assert (placement.state, placement.actual_start) == (S.AGREED, None)


def test_actual_end_cannot_stretch_an_internship_past_28_days(caseworker_client, participant):
    placement = agreed(participant, days(-41), days(-14))  # planned: 28 days
    assert (
        post_transition(caseworker_client, placement, "start", actual_start=days(-41)).status_code
        == 302
    )
    response = post_transition(caseworker_client, placement, "complete", actual_end=days(0))
    assert response.status_code == 422
    assert "mit den tatsächlichen Daten sind es 42 Tage" in response.content.decode()
    response = post_transition(caseworker_client, placement, "complete", actual_end=days(-14))
    assert response.status_code == 302


@pytest.mark.parametrize("action", ["start", "complete"])
def test_begins_and_ends_cannot_be_dated_in_the_future(caseworker_client, participant, action):
    placement = agreed(participant, days(-10), days(10))
    if action == "complete":
        post_transition(caseworker_client, placement, "start", actual_start=days(-10))
    field = "actual_start" if action == "start" else "actual_end"
    response = post_transition(caseworker_client, placement, action, **{field: days(365 * 3)})
    assert response.status_code == 422
    assert "darf nicht in der Zukunft liegen" in response.content.decode()


def test_database_refuses_what_happened_in_the_future_and_over_28_days(participant):
    placement = agreed(participant, days(-10), days(10))
    with (
        pytest.raises(IntegrityError, match="placement_actual_dates_not_in_future"),
        transaction.atomic(),
    ):
        Placement.objects.filter(pk=placement.pk).update(state=S.RUNNING, actual_start=days(5))
    with (
        pytest.raises(IntegrityError, match="placement_internship_effective_max_28_days"),
        transaction.atomic(),
    ):
        Placement.objects.filter(pk=placement.pk).update(
            state=S.COMPLETED, actual_start=days(-40), actual_end=days(-10)
        )


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_database_counts_the_office_day_whatever_the_session_time_zone(participant, zone):
    """Seen at 23:08 UTC (00:08 in Berlin): the office's tomorrow was refused, because
    `CURRENT_DATE` is the session's day (UTC). A session in UTC+14 could also write one day
    further. The check counts the office's day, with one day of slack, in every session zone."""
    placement = agreed(participant, days(-10), days(10))
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(f"SET LOCAL TIME ZONE '{zone}'")
        cursor.execute(
            "UPDATE placements_placement SET state = 'laeuft', actual_start = %s WHERE id = %s",
            [days(1), placement.pk],
        )
        cursor.execute("SAVEPOINT before_too_far")
        with pytest.raises(IntegrityError, match="placement_actual_dates_not_in_future"):
            cursor.execute(
                "UPDATE placements_placement SET actual_start = %s WHERE id = %s",
                [days(2), placement.pk],
            )
        cursor.execute("ROLLBACK TO SAVEPOINT before_too_far")
        with pytest.raises(IntegrityError, match="participant_exit_not_in_future"):
            cursor.execute(
                "UPDATE participants_participant SET status = 'abgeschlossen', exit_date = %s, "
                "exit_reason = 'umzug' WHERE id = %s",
                [days(2), participant.pk],
            )
        cursor.execute("ROLLBACK TO SAVEPOINT before_too_far")


def test_cancelled_internship_that_never_began_shows_its_planned_period(
    caseworker_client, participant
):
    placement = agreed(participant, days(3), days(20))
    response = post_transition(
        caseworker_client, placement, "abort", reason="Absage", actual_end=""
    )
    assert response.status_code == 302
    page = caseworker_client.get(reverse("placements:detail", args=[placement.pk])).content.decode()
    assert "abgebrochen, bevor er begann" in page
    listing = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    text = listing.content.decode()
    assert f"{days(3):%d.%m.%Y}" in text
    assert f"{days(0):%d.%m.%Y} – {days(3):%d.%m.%Y}" not in text


# --- the case around the placement -------------------------------------------------------


def test_no_internship_for_a_closed_case_through_the_participant_parameter(
    caseworker_client, caseworker
):
    closed = ParticipantFactory(
        caseworker=caseworker,
        status=Participant.Status.CLOSED,
        exit_date=days(-30),
        exit_reason=Participant.ExitReason.MOVED,
    )
    url = reverse("placements:create") + f"?participant={closed.pk}"
    response = caseworker_client.post(
        url, _form(employer=EmployerFactory(), start=days(5), end=days(20))
    )
    assert response.status_code == 200
    assert "Der Fall ist abgeschlossen; für ihn wird kein Praktikum mehr geplant" in (
        response.content.decode()
    )
    assert not Placement.objects.exists()


def test_no_placement_before_the_entry_into_the_programme(caseworker_client, caseworker):
    participant = ParticipantFactory(caseworker=caseworker, entry_date=days(10))
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(
        url, _form(employer=EmployerFactory(), start=days(5), end=days(20))
    )
    assert "Der Einsatz kann nicht vor dem Eintritt in das Programm" in response.content.decode()
    assert not Placement.objects.exists()


def test_exit_date_before_entry_date_is_refused(caseworker_client, caseworker):
    participant = ParticipantFactory(caseworker=caseworker, entry_date=days(-10))
    response = caseworker_client.post(
        reverse("participants:status_change", args=[participant.pk]),
        {
            "status-to_status": Participant.Status.CLOSED,
            "status-on": days(-20).isoformat(),
            "status-exit_reason": Participant.ExitReason.MOVED,
            "status-reason": "",
        },
    )
    assert response.status_code == 422
    assert "kann nicht vor dem Eintritt" in response.content.decode()
    participant.refresh_from_db()
    assert participant.status == Participant.Status.INTAKE
    with (
        pytest.raises(IntegrityError, match="participant_exit_not_before_entry"),
        transaction.atomic(),
    ):
        Participant.objects.filter(pk=participant.pk).update(exit_date=days(-20))


def test_no_check_in_on_an_internship_that_has_not_started(caseworker_client, participant):
    placement = agreed(participant, days(3), days(20))
    response = caseworker_client.post(
        reverse("placements:checkin_add", args=[placement.pk]),
        {"date": days(0).isoformat(), "with_whom": "Meister", "rating": "gut"},
    )
    assert response.status_code == 422
    assert "erst, wenn der Einsatz begonnen hat" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_check_in_only_around_the_effective_period(caseworker, participant):
    placement = agreed(participant, days(-40), days(-13))
    Placement.objects.filter(pk=placement.pk).update(
        state=S.COMPLETED, actual_start=days(-40), actual_end=days(-20)
    )
    placement.refresh_from_db()
    late = CheckIn(
        placement=placement, author=caseworker, date=days(-5), with_whom="x", rating="gut"
    )
    with pytest.raises(Exception, match="zwei Wochen nach Ende"):
        late.full_clean()
    CheckIn(
        placement=placement, author=caseworker, date=days(-6), with_whom="x", rating="gut"
    ).full_clean()


def test_follow_up_due_in_the_past_is_saved_with_a_warning(caseworker_client, participant):
    response = caseworker_client.post(
        reverse("participants:followup_add", args=[participant.pk]),
        {"followup-due_on": "2020-05-01", "followup-subject": "Unterlagen nachreichen"},
        follow=True,
    )
    assert FollowUp.objects.filter(subject="Unterlagen nachreichen").exists()
    assert "Das Fälligkeitsdatum 01.05.2020 liegt in der Vergangenheit" in response.content.decode()


# --- permits ---------------------------------------------------------------------------


def test_residence_title_ending_inside_the_internship_warns(caseworker_client, caseworker):
    participant = ParticipantFactory(caseworker=caseworker, residence_valid_until=days(10))
    placement = agreed(participant, days(3), days(20))
    page = caseworker_client.get(reverse("placements:detail", args=[placement.pk])).content.decode()
    assert f"Der Aufenthaltstitel ist nur bis {days(10):%d.%m.%Y} gültig" in page
    assert (
        post_transition(caseworker_client, placement, "start", actual_start=days(0)).status_code
        == 302
    )


def test_work_permit_ending_inside_the_internship_refuses_the_start(caseworker_client, caseworker):
    participant = ParticipantFactory(
        caseworker=caseworker,
        residence_status=Participant.ResidenceStatus.GESTATTUNG,
        work_permit=Participant.WorkPermit.YES,
        work_permit_valid_until=days(10),
    )
    placement = agreed(participant, days(-3), days(20))
    response = post_transition(caseworker_client, placement, "start", actual_start=days(-3))
    assert response.status_code == 422
    assert "Beschäftigungserlaubnis der Ausländerbehörde" in response.content.decode()


# --- exit reasons ----------------------------------------------------------------------


def test_exit_to_an_apprenticeship_without_a_placement_asks_for_it(caseworker_client, caseworker):
    participant = ParticipantFactory(
        caseworker=caseworker,
        status=Participant.Status.CLOSED,
        exit_date=days(-3),
        exit_reason=Participant.ExitReason.APPRENTICESHIP,
    )
    page = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    text = page.content.decode()
    assert "Austrittsgrund „Ausbildung“, aber kein solcher Einsatz erfasst" in text
    link = reverse("placements:create") + f"?participant={participant.pk}&amp;kind=ausbildung"
    assert link in text
    # the follow-on may be recorded for the closed case; then the warning is gone
    PlacementFactory(
        participant=participant,
        kind=Placement.Kind.APPRENTICESHIP,
        legal_basis="",
        planned_start=days(20),
        planned_end=days(1000),
    )
    page = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "aber kein solcher Einsatz erfasst" not in page.content.decode()


# --- § 22 MiLoG: three calendar months from the first day --------------------------------


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2026, 1, 15), D(2026, 4, 14)),
        (D(2025, 12, 1), D(2026, 2, 28)),
        (D(2027, 12, 1), D(2028, 2, 29)),
        (D(2025, 11, 30), D(2026, 2, 28)),
        (D(2026, 8, 31), D(2026, 11, 30)),
        (D(2026, 3, 1), D(2026, 5, 31)),
        (D(2026, 10, 31), D(2027, 1, 30)),
    ],
)
def test_three_calendar_months_end_as_the_civil_code_says(first, last):
    assert last_day_of_months(first, 3) == last


def _milog(participant, employer, start, end, **kwargs):
    return PlacementFactory.build(
        participant=participant, employer=employer, planned_start=start, planned_end=end, **kwargs
    )


def _errors(placement) -> str:
    return " ".join(m for ms in placement.rule_errors().values() for m in ms)


def test_milog_chain_may_end_on_the_last_day_of_the_third_month_not_one_later(participant):
    employer = EmployerFactory()
    PlacementFactory(
        participant=participant,
        employer=employer,
        planned_start=D(2026, 1, 15),
        planned_end=D(2026, 2, 11),
    )
    assert _errors(_milog(participant, employer, D(2026, 3, 20), D(2026, 4, 14))) == ""
    message = _errors(_milog(participant, employer, D(2026, 3, 20), D(2026, 4, 15)))
    assert (
        "höchstens 3 Kalendermonate ab dem ersten Tag dauern: ab 15.01.2026 also bis 14.04.2026"
        in (message)
    )


def test_milog_internships_years_apart_do_not_count_together(participant):
    employer = EmployerFactory()
    for start in (D(2023, 1, 2), D(2023, 2, 6), D(2023, 3, 13)):
        PlacementFactory(
            participant=participant,
            employer=employer,
            planned_start=start,
            planned_end=start + datetime.timedelta(days=27),
        )
    assert _errors(_milog(participant, employer, D(2026, 3, 2), D(2026, 3, 29))) == ""


def test_milog_ignores_cancelled_before_start_other_employers_and_sgb3(participant):
    employer = EmployerFactory()
    PlacementFactory(
        participant=participant,
        employer=employer,
        state=S.ABORTED,
        planned_start=D(2026, 1, 5),
        planned_end=D(2026, 2, 1),
    )
    PlacementFactory(
        participant=participant,
        employer=employer,
        legal_basis=Placement.LegalBasis.SGB3_45,
        planned_start=D(2026, 2, 2),
        planned_end=D(2026, 3, 1),
    )
    PlacementFactory(
        participant=participant, planned_start=D(2026, 3, 2), planned_end=D(2026, 3, 29)
    )
    assert _errors(_milog(participant, employer, D(2026, 5, 4), D(2026, 5, 31))) == ""


# --- existing data -----------------------------------------------------------------------


def test_check_rules_lists_rows_breaking_a_rule_with_a_link(participant, capsys):
    call_command("check_rules")
    assert "Alle Datensätze halten alle Regeln ein." in capsys.readouterr().out
    placement = agreed(participant, days(3), days(20))
    with connection.cursor() as cursor:  # as a raw write past the application would
        cursor.execute(
            "UPDATE placements_placement SET state = 'laeuft', actual_start = %s WHERE id = %s",
            [days(1), placement.pk],
        )
    with pytest.raises(CommandError, match="1 Zeile"):
        call_command("check_rules", base_url="https://fm.example")
    out = capsys.readouterr().out
    assert "Geschehenes in der Zukunft datiert" in out
    assert f"Fall {participant.pk}, Zeile {placement.pk}: https://fm.example/teilnehmende/" in out


def _form(*, employer, start, end) -> dict:
    return {
        "employer": employer.pk,
        "kind": Placement.Kind.INTERNSHIP,
        "kldb_group": "24",
        "job_title": "Helfer/in Metallbau",
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "legal_basis": Placement.LegalBasis.MILOG,
    }


def test_exit_before_a_planned_internship_is_refused(caseworker_client, caseworker):
    """Found by the state machine: plan an internship from day -30, then close the case on
    day -60 – the internship would belong to a closed case."""
    participant = ParticipantFactory(caseworker=caseworker, entry_date=days(-150))
    placement = PlacementFactory(
        participant=participant, planned_start=days(-30), planned_end=days(-30)
    )
    response = caseworker_client.post(
        reverse("participants:status_change", args=[participant.pk]),
        {
            "status-to_status": Participant.Status.CLOSED,
            "status-on": days(-60).isoformat(),
            "status-exit_reason": Participant.ExitReason.EMPLOYMENT,
            "status-reason": "",
        },
    )
    assert response.status_code == 422
    assert "beginnt nach dem Austritt" in response.content.decode()
    participant.refresh_from_db()
    assert participant.status != Participant.Status.CLOSED
    # Cancelled before it began, it no longer stands in the way.
    Placement.objects.filter(pk=placement.pk).update(state=Placement.State.ABORTED)
    response = caseworker_client.post(
        reverse("participants:status_change", args=[participant.pk]),
        {
            "status-to_status": Participant.Status.CLOSED,
            "status-on": days(-60).isoformat(),
            "status-exit_reason": Participant.ExitReason.MOVED,
            "status-reason": "",
        },
    )
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
