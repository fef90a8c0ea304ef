"""The rules of referrals: the steps and their refusals, follow-ups for start and end, the
German level a completed course attests, and the warnings (full, overlapping internship)."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fallmanagement.core.locking import StaleObjectError
from offers import workflow
from offers.models import Offer, Referral
from participants.models import FollowUp, GermanLevelRecord, Participant
from participants.workflow import record_german_level
from tests.factories import PlacementFactory

from .factories import OfferFactory, ReferralFactory

pytestmark = pytest.mark.django_db
D = datetime.date
S = Referral.State


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 7, 10)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


@pytest.fixture
def offer():
    return OfferFactory(starts_on=D(2026, 3, 2), ends_on=D(2026, 6, 26), places=2)


def test_refer_creates_a_proposed_referral_linked_to_the_goal(participant, caseworker, offer):
    goal = participant.goals.create(text="Deutsch B1", agreed_on=D(2026, 1, 5), author=caseworker)
    referral = workflow.refer(participant, offer, caseworker, proposed_on=D(2026, 2, 1), goal=goal)
    assert referral.state == S.PROPOSED
    assert referral.goal == goal
    assert referral.created_by == caseworker


def test_refer_refuses_a_goal_of_another_case(participant, caseworker, offer):
    other = Participant.objects.create(last_name="X", first_name="Y", caseworker=caseworker)
    goal = other.goals.create(text="fremd", agreed_on=D(2026, 1, 5), author=caseworker)
    with pytest.raises(ValidationError, match="anderen Fall"):
        workflow.refer(participant, offer, caseworker, goal=goal)


def test_refer_refuses_without_consent_and_inactive_offer(participant, caseworker, offer):
    offer.is_active = False
    offer.save()
    with pytest.raises(ValidationError, match="nicht mehr aktiv"):
        workflow.refer(participant, offer, caseworker)
    participant.consent_date = None
    with pytest.raises(ValidationError, match="Einwilligung"):
        workflow.refer(participant, OfferFactory(), caseworker)


def test_full_journey_creates_and_closes_followups_and_updates_the_level(
    participant, caseworker, offer, today
):
    assert participant.german_level == "A2"
    referral = workflow.refer(participant, offer, caseworker, proposed_on=D(2026, 2, 1))
    referral = workflow.apply_transition(
        referral, "anmelden", {"date": D(2026, 2, 10)}, caseworker, version=1
    )
    assert referral.state == S.REGISTERED
    start = referral.start_followup
    assert (start.kind, start.due_on, start.done_on) == (
        FollowUp.Kind.OFFER_START,
        D(2026, 3, 2),  # the offer's start
        None,
    )
    referral = workflow.apply_transition(
        referral, "beginnen", {"date": D(2026, 3, 2)}, caseworker, version=2
    )
    start.refresh_from_db()
    assert start.done_on == D(2026, 3, 2)
    end = referral.end_followup
    assert (end.kind, end.due_on) == (FollowUp.Kind.OFFER_END, D(2026, 7, 3))  # end + 7 days
    referral = workflow.apply_transition(
        referral,
        "abschliessen",
        {"date": D(2026, 6, 26), "certificate": "DTZ B1", "level_reached": "B1"},
        caseworker,
        version=3,
    )
    assert referral.state == S.COMPLETED
    end.refresh_from_db()
    assert end.done_on == D(2026, 6, 26)
    participant.refresh_from_db()
    assert participant.german_level == "B1"
    record = referral.level_record
    assert (record.level, record.previous_level, record.attested_on, record.evidence) == (
        "B1",
        "A2",
        D(2026, 6, 26),
        "DTZ B1",
    )


def test_level_without_certificate_is_refused_and_nothing_is_written(
    participant, caseworker, offer, today
):
    referral = ReferralFactory(
        participant=participant, offer=offer, state=S.STARTED, started_on=D(2026, 3, 2)
    )
    with pytest.raises(ValidationError):
        workflow.apply_transition(
            referral, "abschliessen", {"date": D(2026, 6, 26), "level_reached": "B1"}, caseworker
        )
    referral.refresh_from_db()
    participant.refresh_from_db()
    assert referral.state == S.STARTED
    assert participant.german_level == "A2"
    assert not GermanLevelRecord.objects.exists()


def test_level_only_for_language_courses(participant, caseworker, today):
    offer = OfferFactory(kind=Offer.Kind.APPLICATION_TRAINING, target_level="")
    referral = ReferralFactory(
        participant=participant, offer=offer, state=S.STARTED, started_on=D(2026, 3, 2)
    )
    with pytest.raises(ValidationError):
        workflow.apply_transition(
            referral,
            "abschliessen",
            {"date": D(2026, 6, 1), "certificate": "x", "level_reached": "B1"},
            caseworker,
        )


def test_older_certificate_goes_into_the_history_without_lowering_the_level(
    participant, caseworker
):
    record_german_level(participant, "B2", D(2026, 5, 1), "telc B2", caseworker)
    record_german_level(participant, "B1", D(2026, 1, 1), "DTZ B1", caseworker)
    participant.refresh_from_db()
    assert participant.german_level == "B2"
    assert list(participant.german_levels.values_list("level", flat=True)) == ["B2", "B1"]


def test_record_german_level_bumps_the_version(participant, caseworker):
    before = Participant.objects.get(pk=participant.pk).version
    record_german_level(participant, "B1", D(2026, 5, 1), "DTZ", caseworker)
    assert Participant.objects.get(pk=participant.pk).version == before + 1


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.PROPOSED, "beginnen"),
        (S.PROPOSED, "abschliessen"),
        (S.REGISTERED, "abschliessen"),
        (S.STARTED, "nicht_angetreten"),
        (S.COMPLETED, "abbrechen"),
        (S.NOT_TAKEN_UP, "anmelden"),
    ],
)
def test_steps_out_of_order_are_refused(participant, caseworker, offer, state, action, today):
    referral = ReferralFactory(
        participant=participant,
        offer=offer,
        state=state,
        started_on=D(2026, 3, 2) if state in (S.STARTED, S.COMPLETED) else None,
        ended_on=D(2026, 6, 1) if state in (S.COMPLETED, S.NOT_TAKEN_UP) else None,
    )
    with pytest.raises(ValidationError, match="nicht möglich"):
        workflow.apply_transition(
            referral, action, {"date": D(2026, 6, 1), "outcome_notes": "x"}, caseworker
        )


def test_future_dates_and_dates_before_the_previous_step_are_refused(
    participant, caseworker, offer, today
):
    referral = ReferralFactory(participant=participant, offer=offer, proposed_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="Zukunft"):
        workflow.apply_transition(referral, "anmelden", {"date": D(2026, 7, 11)}, caseworker)
    with pytest.raises(ValidationError, match="vor"):
        workflow.apply_transition(referral, "anmelden", {"date": D(2026, 1, 31)}, caseworker)
    # the boundaries: the day of the proposal and today
    workflow.apply_transition(referral, "anmelden", {"date": D(2026, 2, 1)}, caseworker)


def test_abort_and_not_taken_up_need_a_reason(participant, caseworker, offer, today):
    referral = ReferralFactory(participant=participant, offer=offer)
    with pytest.raises(ValidationError, match="Grund"):
        workflow.apply_transition(referral, "nicht_angetreten", {"date": today}, caseworker)
    done = workflow.apply_transition(
        referral, "nicht_angetreten", {"date": today, "outcome_notes": "krank"}, caseworker
    )
    assert done.state == S.NOT_TAKEN_UP
    assert done.ended_on == today


def test_stale_version_is_refused(participant, caseworker, offer, today):
    referral = ReferralFactory(participant=participant, offer=offer)
    workflow.apply_transition(referral, "anmelden", {"date": D(2026, 2, 2)}, caseworker, version=1)
    with pytest.raises(StaleObjectError):
        workflow.apply_transition(
            referral,
            "nicht_angetreten",
            {"date": today, "outcome_notes": "x"},
            caseworker,
            version=1,
        )


def test_without_offer_dates_the_followups_fall_back(participant, caseworker, today):
    offer = OfferFactory(starts_on=None, ends_on=None, kind=Offer.Kind.CHILDCARE, target_level="")
    referral = ReferralFactory(participant=participant, offer=offer)
    referral = workflow.apply_transition(referral, "anmelden", {"date": D(2026, 5, 1)}, caseworker)
    assert referral.start_followup.due_on == D(2026, 5, 15)  # 14 days after registering
    referral = workflow.apply_transition(referral, "beginnen", {"date": D(2026, 5, 4)}, caseworker)
    assert referral.end_followup.due_on == D(2026, 8, 3)  # 91 days after the start


def test_full_offer_warns_at_the_last_place(participant, caseworker, offer):
    ReferralFactory(offer=offer, state=S.REGISTERED)
    assert workflow.referral_warnings(participant, offer) == []  # 1 of 2 taken, one free
    ReferralFactory(offer=offer, state=S.STARTED, started_on=D(2026, 3, 2))
    ReferralFactory(offer=offer, state=S.PROPOSED)  # proposals take no place
    warnings = workflow.referral_warnings(participant, offer)
    assert warnings == ["Das Angebot ist ausgebucht: 2 von 2 Plätzen belegt."]


def test_a_registered_referral_in_the_last_place_is_not_warned(participant, caseworker, offer):
    ReferralFactory(offer=offer, state=S.REGISTERED)
    mine = ReferralFactory(participant=participant, offer=offer, state=S.REGISTERED)
    assert workflow.referral_warnings(participant, offer, mine) == []
    ReferralFactory(offer=offer, state=S.REGISTERED)  # overbooked now
    assert workflow.referral_warnings(participant, offer, mine) == [
        "Das Angebot ist ausgebucht: 3 von 2 Plätzen belegt."
    ]


def test_course_overlapping_an_internship_warns_on_the_boundary_days(participant, caseworker):
    PlacementFactory(
        participant=participant, planned_start=D(2026, 3, 2), planned_end=D(2026, 3, 29)
    )
    before = OfferFactory(starts_on=D(2026, 1, 5), ends_on=D(2026, 3, 1))
    touching = OfferFactory(starts_on=D(2026, 3, 29), ends_on=D(2026, 4, 30))
    assert workflow.referral_warnings(participant, before) == []
    (warning,) = workflow.referral_warnings(participant, touching)
    assert "Überschneidung mit dem Praktikum" in warning
    assert "02.03.2026–29.03.2026" in warning


def test_childcare_does_not_clash_with_an_internship(participant):
    PlacementFactory(
        participant=participant, planned_start=D(2026, 3, 2), planned_end=D(2026, 3, 29)
    )
    care = OfferFactory(kind=Offer.Kind.CHILDCARE, target_level="", starts_on=D(2026, 3, 1))
    assert workflow.referral_warnings(participant, care) == []


def test_offer_rules(db):
    partner_offer = OfferFactory.build(
        partner=OfferFactory().partner,
        kind=Offer.Kind.QUALIFICATION,
        target_level="B1",
        starts_on=D(2026, 3, 2),
        ends_on=D(2026, 3, 1),
    )
    errors = workflow.offer_errors(partner_offer)
    assert set(errors) == {"target_level", "ends_on"}
    partner_offer.kind = Offer.Kind.JOB_LANGUAGE_COURSE
    partner_offer.target_level = ""
    assert "target_level" in workflow.offer_errors(partner_offer)


def test_database_refuses_an_ended_referral_without_date(participant, offer):
    with pytest.raises(IntegrityError):
        ReferralFactory(
            participant=participant, offer=offer, state=S.ABORTED, started_on=D(2026, 3, 2)
        )


ACTIONS = list(workflow.TRANSITIONS)
SEQUENCES = [seq for n in range(1, 4) for seq in itertools.product(ACTIONS, repeat=n)]


class Rollback(Exception):
    pass


def test_every_sequence_of_three_steps_keeps_the_rules(participant, caseworker, offer, today):
    """All 155 sequences of up to three steps (exhaustive, in place of random search): the
    referral follows the allowed path and keeps its invariants."""
    data = {"outcome_notes": "Grund", "certificate": "DTZ", "level_reached": "B1"}
    for actions in SEQUENCES:
        try:
            with transaction.atomic():
                referral = ReferralFactory(
                    participant=participant, offer=offer, proposed_on=D(2026, 2, 1)
                )
                for day, action in enumerate(actions, start=2):
                    before = referral.state
                    try:
                        referral = workflow.apply_transition(
                            referral, action, {**data, "date": D(2026, 3, day)}, caseworker
                        )
                    except ValidationError:
                        referral.refresh_from_db()
                        assert referral.state == before, actions
                        continue
                    assert before in workflow.TRANSITIONS[action].sources, actions
                    assert referral.state == workflow.TRANSITIONS[action].target, actions
                referral.refresh_from_db()
                followups = FollowUp.objects.filter(
                    pk__in=[referral.start_followup_id, referral.end_followup_id]
                )
                if referral.state in Referral.ENDED_STATES:
                    assert referral.ended_on is not None, actions
                    assert not followups.filter(done_on__isnull=True).exists(), actions
                level = Participant.objects.get(pk=participant.pk).german_level
                assert level == ("B1" if referral.state == S.COMPLETED else "A2"), actions
                raise Rollback
        except Rollback:
            pass


def test_registering_after_the_planned_start_checks_the_start_that_day(
    participant, caseworker, offer, today
):
    referral = ReferralFactory(participant=participant, offer=offer, proposed_on=D(2026, 2, 1))
    referral = workflow.apply_transition(referral, "anmelden", {"date": D(2026, 3, 5)}, caseworker)
    assert referral.start_followup.due_on == D(2026, 3, 5)  # offer started on 02.03.
