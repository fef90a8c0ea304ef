"""Referrals in the case file (section, timeline, next steps, German level history) and on
"Meine Woche" (offers starting this week, no feedback after the end)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fallmanagement.casework.myweek import my_week
from offers import workflow
from offers.models import Referral
from participants.workflow import record_german_level
from tests.factories import ParticipantFactory
from tests.offers.factories import OfferFactory, ReferralFactory

pytestmark = pytest.mark.django_db
D = datetime.date
S = Referral.State
TODAY = D(2026, 11, 25)  # a Wednesday: the week is 23.11.–29.11.2026


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


def test_referral_shows_in_section_timeline_and_next_steps(
    caseworker_client, caseworker, participant, today
):
    offer = OfferFactory(title="Integrationskurs Abendkurs", starts_on=D(2026, 12, 1), ends_on=None)
    referral = workflow.refer(participant, offer, caseworker, proposed_on=D(2026, 11, 20))
    workflow.apply_transition(referral, "anmelden", {"date": D(2026, 11, 24)}, caseworker)
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    html = body.content.decode()
    detail_url = reverse("offers:referral_detail", args=[referral.pk])
    # section "Angebote" and the timeline both link the referral
    assert html.count(f'href="{detail_url}"') == 2
    assert "Zuweisung zu einem Angebot" in html
    # the start follow-up is among the next steps
    assert "Beginn prüfen: Integrationskurs Abendkurs" in html
    assert reverse("offers:referral_create", args=[participant.pk]) in html


def test_timeline_filter_shows_only_referrals(caseworker_client, participant):
    ReferralFactory(participant=participant, offer__title="Bewerbungstraining März")
    url = reverse("participants:detail", args=[participant.pk])
    timeline = caseworker_client.get(url, {"art": "angebot"}).context["timeline"]
    assert [e.kind for e in timeline.entries] == ["angebot"]
    assert timeline.entries[0].obj.offer.partner.name == "VHS Kassel"


def test_german_level_history_in_the_case_file(caseworker_client, caseworker, participant):
    record_german_level(participant, "B1", D(2026, 6, 26), "DTZ B1", caseworker)
    html = caseworker_client.get(reverse("participants:detail", args=[participant.pk])).content
    html = html.decode()
    assert "26.06.2026" in html
    assert "DTZ B1" in html
    assert "vorher A2" in html


def test_case_file_query_count_does_not_grow_with_referrals(
    caseworker_client, participant, django_assert_max_num_queries
):
    url = reverse("participants:detail", args=[participant.pk])
    for _ in range(2):
        ReferralFactory(participant=participant)
    with CaptureQueriesContext(connection) as few:
        assert caseworker_client.get(url).status_code == 200
    for _ in range(48):
        ReferralFactory(participant=participant)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert caseworker_client.get(url).status_code == 200


def _week_cases(caseworker, n):
    for i in range(n):
        p = ParticipantFactory(caseworker=caseworker)
        ReferralFactory(
            participant=p,
            state=S.REGISTERED,
            offer__starts_on=D(2026, 11, 23) + datetime.timedelta(days=i % 7),
        )
        ReferralFactory(
            participant=p,
            state=S.STARTED,
            started_on=D(2026, 9, 1),
            offer__starts_on=D(2026, 9, 1),
            offer__ends_on=D(2026, 11, 24),
        )


def test_my_week_lists_offers_starting_and_missing_feedback(caseworker, other_caseworker):
    mine = ParticipantFactory(caseworker=caseworker)
    starting = ReferralFactory(
        participant=mine,
        state=S.REGISTERED,
        offer__starts_on=D(2026, 11, 29),  # Sunday
    )
    ReferralFactory(participant=mine, state=S.REGISTERED, offer__starts_on=D(2026, 11, 30))
    ReferralFactory(participant=mine, state=S.PROPOSED, offer__starts_on=D(2026, 11, 24))
    ended = ReferralFactory(
        participant=mine,
        state=S.STARTED,
        started_on=D(2026, 9, 1),
        offer__ends_on=D(2026, 11, 24),  # yesterday
    )
    ReferralFactory(
        participant=mine, state=S.STARTED, started_on=D(2026, 9, 1), offer__ends_on=TODAY
    )
    foreign = ParticipantFactory(caseworker=other_caseworker)
    ReferralFactory(participant=foreign, state=S.REGISTERED, offer__starts_on=D(2026, 11, 25))
    week = my_week(caseworker, today=TODAY)
    assert week["offers_starting"] == [starting]
    assert week["offers_no_feedback"] == [ended]


def test_start_page_shows_offers_and_runs_constant_queries(caseworker_client, caseworker):
    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = caseworker_client.get(reverse("home"))
        return len(ctx.captured_queries), response.content.decode()

    _week_cases(caseworker, 2)
    few, html = count()
    assert "Angebote: Beginn in dieser Woche" in html
    assert "Ergebnis fehlt" in html
    _week_cases(caseworker, 48)
    assert count()[0] == few
