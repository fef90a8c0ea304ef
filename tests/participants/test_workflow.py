"""Status workflow: every allowed transition works (function and case page), every other one
is refused with its message, closing needs exit data and sets the whereabouts follow-ups,
reopening is recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from participants import workflow
from participants.models import FollowUp, Participant, StatusChange
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

S = Participant.Status
ALLOWED_PAIRS = [(src, dst) for src, targets in workflow.ALLOWED.items() for dst in targets]
# From "Pausiert" the case may also go back to the state before the pause.
ALLOWED_PAIRS += [(S.PAUSED, S.QUALIFICATION)]
REFUSED_PAIRS = [
    (src, dst)
    for src in S.values
    for dst in S.values
    if dst not in workflow.ALLOWED[src] and src != S.PAUSED
]


def extra_for(dst):
    return {
        "exit_reason": Participant.ExitReason.MOVED if dst == S.CLOSED else "",
        "placed_as": Participant.PlacedAs.EMPLOYMENT if dst == S.PLACED else "",
    }


def make_case(caseworker, src):
    extra = {}
    if src == S.PAUSED:
        extra["status_before_pause"] = S.QUALIFICATION
    if src == S.CLOSED:
        extra.update(exit_date=datetime.date(2026, 6, 1), exit_reason=Participant.ExitReason.OTHER)
    return ParticipantFactory(caseworker=caseworker, status=src, **extra)


@pytest.mark.parametrize("src,dst", ALLOWED_PAIRS)
def test_allowed_transition_is_recorded(caseworker, src, dst):
    participant = make_case(caseworker, src)
    on = datetime.date(2026, 10, 1)
    change = workflow.change_status(
        participant, dst, caseworker, reason="weil", on=on, **extra_for(dst)
    )
    participant.refresh_from_db()
    assert participant.status == dst
    assert (change.from_status, change.to_status, change.changed_on) == (src, dst, on)
    assert change.changed_by == caseworker and change.reason == "weil"


@pytest.mark.parametrize("src,dst", ALLOWED_PAIRS)
def test_allowed_transition_via_case_page(caseworker_client, caseworker, src, dst):
    participant = make_case(caseworker, src)
    today = timezone.localdate()
    data = {
        "status-to_status": dst,
        "status-on": today.isoformat(),
        "status-reason": "Gespräch",
        "status-exit_reason": extra_for(dst)["exit_reason"],
        "status-placed_as": extra_for(dst)["placed_as"],
    }
    url = reverse("participants:status_change", args=[participant.pk])
    form = caseworker_client.get(reverse("participants:detail", args=[participant.pk])).context[
        "status_form"
    ]
    assert dst in [value for value, _label in form.fields["to_status"].widget.choices]
    response = caseworker_client.post(url, data)
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == dst
    assert StatusChange.objects.filter(participant=participant, to_status=dst).exists()


@pytest.mark.parametrize("src,dst", REFUSED_PAIRS)
def test_refused_transition_raises_with_message(caseworker, src, dst):
    participant = make_case(caseworker, src)
    with pytest.raises(ValidationError) as error:
        workflow.change_status(participant, dst, caseworker, **extra_for(dst))
    assert (
        f"Von „{S(src).label}“ nach „{S(dst).label}“ ist kein erlaubter Statuswechsel."
        in error.value.messages
    )
    participant.refresh_from_db()
    assert participant.status == src
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    "src,dst",
    [
        (S.INTAKE, S.PLACED),
        (S.PROFILING, S.INTERNSHIP),
        (S.CLOSED, S.AFTERCARE),
        (S.PAUSED, S.PLACED),
    ],
)
def test_refused_transition_via_case_page(caseworker_client, caseworker, src, dst):
    participant = make_case(caseworker, src)
    url = reverse("participants:status_change", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {
            "status-to_status": dst,
            "status-on": timezone.localdate().isoformat(),
            "status-placed_as": "arbeit",
            "status-exit_reason": "umzug",
        },
    )
    assert response.status_code == 422
    assert "ist kein erlaubter Statuswechsel" in response.content.decode()
    participant.refresh_from_db()
    assert participant.status == src


def test_paused_case_returns_to_state_before_pause(caseworker):
    participant = make_case(caseworker, S.PROFILING)
    workflow.change_status(participant, S.PAUSED, caseworker)
    participant.refresh_from_db()
    assert participant.status_before_pause == S.PROFILING
    assert workflow.allowed_transitions(participant) == [S.PROFILING, S.CLOSED]
    workflow.change_status(participant, S.PROFILING, caseworker)
    participant.refresh_from_db()
    assert participant.status == S.PROFILING


def test_closing_needs_exit_reason(caseworker):
    participant = make_case(caseworker, S.AFTERCARE)
    with pytest.raises(ValidationError) as error:
        workflow.change_status(participant, S.CLOSED, caseworker)
    assert "Zum Abschließen bitte einen Austrittsgrund angeben." in error.value.messages


def test_placing_needs_placed_as(caseworker):
    participant = make_case(caseworker, S.EVALUATION)
    with pytest.raises(ValidationError) as error:
        workflow.change_status(participant, S.PLACED, caseworker)
    assert "Bitte angeben, wohin vermittelt wurde." in error.value.messages


def test_placing_via_page_needs_placed_as(caseworker_client, caseworker):
    participant = make_case(caseworker, S.EVALUATION)
    url = reverse("participants:status_change", args=[participant.pk])
    response = caseworker_client.post(
        url, {"status-to_status": "vermittelt", "status-on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 422
    assert "Bitte angeben, wohin vermittelt wurde." in response.content.decode()


def test_future_status_date_is_refused(caseworker_client, caseworker):
    participant = make_case(caseworker, S.INTAKE)
    url = reverse("participants:status_change", args=[participant.pk])
    future = timezone.localdate() + datetime.timedelta(days=5)
    response = caseworker_client.post(
        url, {"status-to_status": "profiling", "status-on": future.isoformat()}
    )
    assert response.status_code == 422
    assert "nicht in der Zukunft" in response.content.decode()


def test_closing_sets_whereabouts_followups_4_weeks_and_6_months(caseworker):
    participant = make_case(caseworker, S.AFTERCARE)
    exit_day = datetime.date(2026, 3, 31)
    workflow.change_status(
        participant,
        S.CLOSED,
        caseworker,
        on=exit_day,
        exit_reason=Participant.ExitReason.EMPLOYMENT,
    )
    participant.refresh_from_db()
    assert (participant.exit_date, participant.exit_reason) == (exit_day, "arbeit")
    due = dict(participant.followups.values_list("kind", "due_on"))
    assert due == {
        FollowUp.Kind.WHEREABOUTS_4W: datetime.date(2026, 4, 28),
        FollowUp.Kind.WHEREABOUTS_6M: datetime.date(2026, 9, 29),
    }


def test_reopening_clears_exit_and_is_recorded(caseworker_client, caseworker):
    participant = make_case(caseworker, S.CLOSED)
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "Fall wieder öffnen" in body.content.decode()
    url = reverse("participants:status_change", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {
            "status-to_status": "profiling",
            "status-on": timezone.localdate().isoformat(),
            "status-reason": "Kommt zurück ins Programm",
        },
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == S.PROFILING
    assert participant.exit_date is None and participant.exit_reason == ""
    change = participant.status_changes.get()
    assert (change.from_status, change.to_status) == (S.CLOSED, S.PROFILING)
    assert change.reason == "Kommt zurück ins Programm"
    timeline = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "Kommt zurück ins Programm" in timeline.content.decode()


def test_stale_status_is_refused(caseworker):
    participant = make_case(caseworker, S.INTAKE)
    stale = Participant.objects.get(pk=participant.pk)
    workflow.change_status(participant, S.PROFILING, caseworker)
    with pytest.raises(ValidationError):
        workflow.change_status(stale, S.PROFILING, caseworker)
