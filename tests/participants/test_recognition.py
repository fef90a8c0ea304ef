"""Recognition procedures (BQFG): automatic follow-ups for the 3-month decision deadline and
the 5-year window after a partial equivalence, without duplicates on re-save."""

import datetime

import pytest

from participants.models import FollowUp, RecognitionProcedure
from participants.recognition import add_months, sync_recognition_followups

pytestmark = pytest.mark.django_db

K = FollowUp.Kind
State = RecognitionProcedure.State


@pytest.fixture
def procedure(participant):
    return RecognitionProcedure.objects.create(
        participant=participant,
        reference_profession="Elektroniker:in",
        competent_body="HWK Kassel",
        state=State.IN_REVIEW,
        applied_on=datetime.date(2026, 1, 10),
    )


def followups(procedure):
    return {f.kind: f for f in FollowUp.objects.filter(recognition=procedure)}


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (datetime.date(2026, 1, 15), 3, datetime.date(2026, 4, 15)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),  # end of month
        (datetime.date(2027, 11, 30), 3, datetime.date(2028, 2, 29)),  # leap year
        (datetime.date(2026, 10, 31), 57, datetime.date(2031, 7, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_no_followups_before_the_file_is_complete(procedure, caseworker):
    assert sync_recognition_followups(procedure, caseworker) == []
    assert not FollowUp.objects.exists()


def test_complete_file_sets_decision_followup_3_months_later(procedure, caseworker):
    procedure.file_complete_on = datetime.date(2026, 2, 14)
    procedure.save()
    sync_recognition_followups(procedure, caseworker)
    decision = followups(procedure)[K.RECOGNITION_DECISION]
    # 14.02.2026 + 3 months = 14.05.2026
    assert decision.due_on == datetime.date(2026, 5, 14)
    assert decision.participant == procedure.participant
    assert decision.created_by == caseworker
    assert decision.subject.startswith(
        "Entscheidung fällig (3 Monate nach vollständigen Unterlagen)"
    )
    assert decision.done_on is None


def test_resaving_updates_instead_of_duplicating(procedure, caseworker):
    procedure.file_complete_on = datetime.date(2026, 2, 14)
    sync_recognition_followups(procedure, caseworker)
    procedure.file_complete_on = datetime.date(2026, 3, 2)
    sync_recognition_followups(procedure, caseworker)
    sync_recognition_followups(procedure, caseworker)
    assert FollowUp.objects.filter(recognition=procedure).count() == 1
    assert followups(procedure)[K.RECOGNITION_DECISION].due_on == datetime.date(2026, 6, 2)


def test_removing_the_complete_date_drops_the_open_followup(procedure, caseworker):
    procedure.file_complete_on = datetime.date(2026, 2, 14)
    sync_recognition_followups(procedure, caseworker)
    procedure.file_complete_on = None
    sync_recognition_followups(procedure, caseworker)
    assert not FollowUp.objects.exists()


def test_partial_equivalence_sets_followup_before_5_year_window_closes(procedure, caseworker):
    procedure.file_complete_on = datetime.date(2026, 2, 14)
    procedure.state = State.PARTIAL
    procedure.decided_on = datetime.date(2026, 4, 30)
    sync_recognition_followups(procedure, caseworker)
    found = followups(procedure)
    # The window closes 30.04.2031 (5 years); the reminder comes 3 months earlier.
    later = found[K.RECOGNITION_FOLLOWUP]
    assert later.due_on == datetime.date(2031, 1, 30)
    assert "30.04.2031" in later.subject
    assert "Folgeantrag" in later.subject
    # The decision has been made: the deadline follow-up is done on the decision day.
    assert found[K.RECOGNITION_DECISION].done_on == datetime.date(2026, 4, 30)
    sync_recognition_followups(procedure, caseworker)
    assert FollowUp.objects.filter(recognition=procedure).count() == 2


def test_changed_decision_date_moves_the_followup(procedure, caseworker):
    procedure.state = State.PARTIAL
    procedure.decided_on = datetime.date(2026, 4, 30)
    sync_recognition_followups(procedure, caseworker)
    procedure.decided_on = datetime.date(2026, 5, 31)
    sync_recognition_followups(procedure, caseworker)
    later = FollowUp.objects.get(recognition=procedure, kind=K.RECOGNITION_FOLLOWUP)
    assert later.due_on == datetime.date(2031, 2, 28)
    assert "31.05.2031" in later.subject


@pytest.mark.parametrize("state", [State.FULL, State.REJECTED])
def test_full_or_rejected_needs_no_followup_application(procedure, caseworker, state):
    procedure.state = state
    procedure.decided_on = datetime.date(2026, 4, 30)
    sync_recognition_followups(procedure, caseworker)
    assert K.RECOGNITION_FOLLOWUP not in followups(procedure)


def test_corrected_result_drops_open_followup_but_keeps_done_one(procedure, caseworker):
    procedure.state = State.PARTIAL
    procedure.decided_on = datetime.date(2026, 4, 30)
    sync_recognition_followups(procedure, caseworker)
    procedure.state = State.FULL
    sync_recognition_followups(procedure, caseworker)
    assert K.RECOGNITION_FOLLOWUP not in followups(procedure)
    # A follow-up that was already worked on stays as evidence.
    procedure.state = State.PARTIAL
    sync_recognition_followups(procedure, caseworker)
    FollowUp.objects.filter(kind=K.RECOGNITION_FOLLOWUP).update(done_on=datetime.date(2027, 1, 1))
    procedure.state = State.REJECTED
    sync_recognition_followups(procedure, caseworker)
    assert K.RECOGNITION_FOLLOWUP in followups(procedure)
