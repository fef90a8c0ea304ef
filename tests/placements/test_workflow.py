"""Placement rules: each one refuses with a clear German message, and the database holds
the rules that must never break even when the form is bypassed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participants.models import Participant
from placements import workflow
from placements.models import Placement
from tests.factories import EmployerFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db

D = datetime.date
S = Placement.State


def errors_of(placement: Placement) -> list[str]:
    try:
        placement.full_clean()
    except ValidationError as error:
        return error.messages
    return []


def agreed_internship(participant, **kwargs) -> Placement:
    defaults = {
        "participant": participant,
        "planned_start": D(2026, 12, 1),
        "planned_end": D(2026, 12, 28),
        "state": S.AGREED,
        "agreement_signed_on": D(2026, 11, 20),
        "insurance_confirmed_on": D(2026, 11, 21),
    }
    defaults.update(kwargs)
    return PlacementFactory(**defaults)


# --- 28 days ---------------------------------------------------------------------------


def test_internship_of_exactly_28_days_is_fine(participant):
    p = PlacementFactory.build(
        participant=participant,
        employer=EmployerFactory(),
        planned_start=D(2026, 3, 2),
        planned_end=D(2026, 3, 29),
    )
    assert errors_of(p) == []


def test_internship_longer_than_28_days_is_refused_with_message(participant):
    p = PlacementFactory.build(
        participant=participant,
        employer=EmployerFactory(),
        planned_start=D(2026, 3, 2),
        planned_end=D(2026, 3, 30),
    )
    assert any(
        "höchstens 28 Tage (Ende eingeschlossen); geplant sind 29 Tage" in m for m in errors_of(p)
    )


def test_database_refuses_internship_longer_than_28_days(participant):
    with pytest.raises(IntegrityError, match="placement_internship_(effective_)?max_28_days"):
        PlacementFactory(
            participant=participant, planned_start=D(2026, 3, 2), planned_end=D(2026, 3, 30)
        )


def test_other_kinds_may_last_longer(participant):
    p = PlacementFactory(
        participant=participant,
        kind=Placement.Kind.APPRENTICESHIP,
        legal_basis="",
        planned_start=D(2026, 8, 1),
        planned_end=D(2029, 7, 31),
    )
    assert errors_of(p) == []


# --- MiLoG: 3 months with the same employer ----------------------------------------------


# --- overlap ----------------------------------------------------------------------------


def test_overlapping_internship_is_refused_with_message(participant):
    first = PlacementFactory(participant=participant)
    second = PlacementFactory.build(
        participant=participant,
        employer=EmployerFactory(name="Bäckerei Sonne"),
        planned_start=D(2026, 3, 20),
        planned_end=D(2026, 4, 10),
    )
    messages = errors_of(second)
    assert (
        "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein Praktikum: "
        f"{first.employer.name}, 02.03.2026 – 29.03.2026."
    ) in messages


def test_overlap_refused_by_database_is_turned_into_the_form_message(participant):
    PlacementFactory(participant=participant)
    second = PlacementFactory.build(
        participant=participant,
        employer=EmployerFactory(),
        planned_start=D(2026, 3, 20),
        planned_end=D(2026, 4, 10),
    )
    with pytest.raises(ValidationError) as caught:
        workflow.save_checked(second)
    assert caught.value.messages == [
        "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein Praktikum."
    ]


def test_aborted_internship_does_not_block_a_new_one(participant):
    PlacementFactory(participant=participant, state=S.ABORTED, actual_end=D(2026, 3, 5))
    second = PlacementFactory.build(
        participant=participant,
        employer=EmployerFactory(),
        planned_start=D(2026, 3, 20),
        planned_end=D(2026, 4, 10),
    )
    assert errors_of(second) == []


# --- the state machine and the start rules ------------------------------------------------


def test_full_path_through_the_states(participant):
    p = PlacementFactory(
        participant=participant, planned_start=D(2026, 11, 1), planned_end=D(2026, 11, 28)
    )
    p = workflow.apply_transition(
        p, "agree", {"agreement_signed_on": D(2026, 10, 20), "insurance_confirmed_on": None}
    )
    assert p.state == S.AGREED
    p.insurance_confirmed_on = D(2026, 10, 22)
    p.save()
    p = workflow.apply_transition(p, "start", {"actual_start": D(2026, 11, 1)})
    assert (p.state, p.actual_start) == (S.RUNNING, D(2026, 11, 1))
    p = workflow.apply_transition(p, "complete", {"actual_end": D(2026, 11, 28)})
    assert (p.state, p.actual_end) == (S.COMPLETED, D(2026, 11, 28))


def test_cannot_skip_states(participant):
    p = PlacementFactory(participant=participant)
    with pytest.raises(ValidationError, match="Im Stand „geplant“ ist „Einsatz beginnt“ nicht"):
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 3, 2)})


@pytest.mark.parametrize("state", [S.PLANNED, S.AGREED, S.RUNNING])
def test_abort_from_any_open_state_records_reason_and_end(participant, state):
    p = agreed_internship(participant, state=state)
    if state == S.RUNNING:
        Placement.objects.filter(pk=p.pk).update(actual_start=D(2026, 12, 1))
    p = workflow.apply_transition(p, "abort", {"reason": "Krankheit", "actual_end": D(2026, 12, 3)})
    assert (p.state, p.state_reason, p.actual_end) == (S.ABORTED, "Krankheit", D(2026, 12, 3))


def test_cannot_start_without_signed_agreement_and_insurance(participant):
    p = agreed_internship(participant, agreement_signed_on=None, insurance_confirmed_on=None)
    with pytest.raises(ValidationError) as caught:
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)})
    assert "Die Praktikumsvereinbarung ist noch nicht unterschrieben." in caught.value.messages
    assert "Die Unfallversicherung des Betriebs ist noch nicht bestätigt." in caught.value.messages
    p.refresh_from_db()
    assert p.state == S.AGREED


def test_database_refuses_running_internship_without_agreement(participant):
    p = agreed_internship(participant, agreement_signed_on=None)
    with (
        pytest.raises(IntegrityError, match="needs_agreement_and_insurance"),
        transaction.atomic(),
    ):
        Placement.objects.filter(pk=p.pk).update(state=S.RUNNING)


def test_sgb3_measure_needs_agency_approval_before_start(participant):
    p = agreed_internship(participant, legal_basis=Placement.LegalBasis.SGB3_45)
    message = (
        "Eine Maßnahme nach § 45 SGB III braucht vor Beginn die Zustimmung von "
        "Jobcenter/Agentur für Arbeit."
    )
    with pytest.raises(ValidationError) as caught:
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)})
    assert message in caught.value.messages
    Placement.objects.filter(pk=p.pk).update(agency_approval_on=D(2026, 12, 3))  # too late
    with pytest.raises(ValidationError) as caught:
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)})
    assert message in caught.value.messages
    Placement.objects.filter(pk=p.pk).update(agency_approval_on=D(2026, 11, 15))
    assert (
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)}).state == S.RUNNING
    )


def test_cannot_start_without_consent(caseworker):
    participant = ParticipantFactory(caseworker=caseworker, consent_date=None)
    p = agreed_internship(participant)
    with pytest.raises(ValidationError) as caught:
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)})
    assert caught.value.messages == [
        "Die Einwilligung der/des Teilnehmenden zur Datenverarbeitung ist nicht erfasst."
    ]


def test_withdrawn_consent_also_blocks_the_start(caseworker):
    participant = ParticipantFactory(caseworker=caseworker, consent_withdrawn_on=D(2026, 5, 1))
    p = agreed_internship(participant)
    with pytest.raises(ValidationError, match="Einwilligung"):
        workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)})


@pytest.mark.parametrize(
    ("permit", "valid_until", "may_start"),
    [
        ("", None, False),
        ("nein", None, False),
        ("ja", D(2026, 12, 27), False),  # ends one day before the placement
        ("ja", D(2026, 12, 28), True),
    ],
)
def test_tolerated_person_needs_work_permit_for_whole_period(
    caseworker, permit, valid_until, may_start
):
    participant = ParticipantFactory(
        caseworker=caseworker,
        residence_status=Participant.ResidenceStatus.DULDUNG,
        work_permit=permit,
        work_permit_valid_until=valid_until,
    )
    p = agreed_internship(participant)
    if may_start:
        assert (
            workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)}).state
            == S.RUNNING
        )
    else:
        with pytest.raises(ValidationError) as caught:
            workflow.apply_transition(p, "start", {"actual_start": D(2026, 12, 1)})
        assert caught.value.messages == [
            "Mit Duldung braucht der Einsatz eine Beschäftigungserlaubnis der Ausländerbehörde, "
            "gültig bis mindestens 28.12.2026."
        ]


def test_recognised_refugee_needs_no_work_permit(participant):
    p = agreed_internship(participant)
    assert workflow.start_errors(p, D(2026, 12, 1)) == []


# --- capacity --------------------------------------------------------------------------


def test_capacity_counts_overlapping_internships_at_the_employer(participant):
    employer = EmployerFactory(capacity=1)
    PlacementFactory(employer=employer)  # another participant, 02.03.–29.03.2026
    check = workflow.capacity_check(employer, D(2026, 3, 15), D(2026, 4, 11))
    assert check.overbooked
    assert "Trotzdem planen" in check.message
    assert not workflow.capacity_check(employer, D(2026, 4, 1), D(2026, 4, 28)).overbooked


def test_supervisor_must_belong_to_the_employer(participant):
    from tests.factories import ContactPersonFactory

    p = PlacementFactory.build(
        participant=participant, employer=EmployerFactory(), supervisor=ContactPersonFactory()
    )
    assert "Die Betreuung muss eine Ansprechperson dieses Betriebs sein." in errors_of(p)


def test_employment_needs_its_sub_kind(participant):
    p = PlacementFactory.build(
        participant=participant,
        employer=EmployerFactory(),
        kind=Placement.Kind.EMPLOYMENT,
        planned_end=D(2027, 3, 1),
    )
    assert "Bei einer Beschäftigung bitte die Beschäftigungsart angeben." in errors_of(p)
