"""The case file's timeline: every kind of entry, newest first, confidential notes, filters,
"show more" and a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fallmanagement.casework.timeline import KINDS, PAGE_SIZE, build_timeline
from participants.models import CaseShareChange, Goal, RecognitionProcedure, StatusChange
from placements.models import CheckIn
from tests.factories import CaseNoteFactory, FollowUpFactory, PlacementFactory, make_user
from tests.offers.factories import ReferralFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 1)


def fill(participant, n, start=DAY):
    """n entries of every kind for `participant`, on distinct days."""
    author = participant.caseworker
    for i in range(n):
        day = start + datetime.timedelta(days=i)
        CaseNoteFactory(participant=participant, date=day, text=f"Notiz {i}")
        StatusChange.objects.create(
            participant=participant,
            from_status="aufnahme",
            to_status="profiling",
            changed_on=day,
            changed_by=author,
            reason=f"Grund {i}",
        )
        Goal.objects.create(participant=participant, text=f"Ziel {i}", agreed_on=day, author=author)
        FollowUpFactory(participant=participant, due_on=day, subject=f"WV {i}")
        RecognitionProcedure.objects.create(
            participant=participant, reference_profession=f"Beruf {i}", advised_on=day
        )
        placement = PlacementFactory(
            participant=participant,
            planned_start=day + datetime.timedelta(days=400 * i),
            planned_end=day + datetime.timedelta(days=400 * i + 10),
            job_title=f"Einsatz {i}",
        )
        CheckIn.objects.create(
            placement=placement, date=day, with_whom="Meister", rating="gut", author=author
        )


def test_timeline_interleaves_all_kinds_newest_first(participant, caseworker):
    CaseNoteFactory(participant=participant, date=datetime.date(2026, 3, 1), text="März")
    StatusChange.objects.create(
        participant=participant,
        from_status="aufnahme",
        to_status="profiling",
        changed_on=datetime.date(2026, 2, 1),
        changed_by=caseworker,
    )
    Goal.objects.create(
        participant=participant, text="B1", agreed_on=datetime.date(2026, 4, 1), author=caseworker
    )
    FollowUpFactory(participant=participant, due_on=datetime.date(2026, 1, 15))
    RecognitionProcedure.objects.create(
        participant=participant,
        reference_profession="Koch",
        advised_on=datetime.date(2026, 1, 20),
        decided_on=datetime.date(2026, 5, 1),
        state="abgelehnt",
    )
    placement = PlacementFactory(participant=participant)  # starts 02.03.2026
    CheckIn.objects.create(
        placement=placement,
        date=datetime.date(2026, 3, 10),
        with_whom="Meister",
        rating="gut",
        author=caseworker,
    )
    timeline = build_timeline(participant, caseworker)
    assert [(e.kind, e.date) for e in timeline.entries] == [
        ("anerkennung", datetime.date(2026, 5, 1)),
        ("ziel", datetime.date(2026, 4, 1)),
        ("begleitung", datetime.date(2026, 3, 10)),
        ("einsatz", datetime.date(2026, 3, 2)),
        ("notiz", datetime.date(2026, 3, 1)),
        ("status", datetime.date(2026, 2, 1)),
        ("wiedervorlage", datetime.date(2026, 1, 15)),
    ]
    assert not timeline.has_more


def test_timeline_is_an_ordered_list_with_time_elements(caseworker_client, participant):
    CaseNoteFactory(participant=participant, date=datetime.date(2026, 3, 1), text="Hallo")
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk])).content
    body = body.decode()
    assert '<ol class="timeline"' in body
    assert '<time datetime="2026-03-01" class="fw-semibold">01.03.2026</time>' in body


def test_status_change_entry_shows_who_from_to_and_why(caseworker_client, participant, caseworker):
    StatusChange.objects.create(
        participant=participant,
        from_status="profiling",
        to_status="praktikumsvorbereitung",
        changed_on=datetime.date(2026, 2, 1),
        changed_by=caseworker,
        reason="Betrieb gefunden",
    )
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    body = body.content.decode()
    assert "Profiling → <strong>Praktikumsvorbereitung</strong>" in body
    assert "Begründung: Betrieb gefunden" in body
    assert caseworker.get_full_name() in body


@pytest.fixture
def confidential_note(participant):
    return CaseNoteFactory(
        participant=participant, text="Streng geheim: Therapie", confidential=True
    )


def test_assigned_caseworker_reads_confidential_note(
    caseworker_client, participant, confidential_note
):
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "Streng geheim: Therapie" in body.content.decode()


def test_substitute_sees_only_placeholder_for_confidential_note(
    other_caseworker_client, other_caseworker, participant, confidential_note
):
    participant.shared_with.add(other_caseworker)
    response = other_caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Streng geheim" not in body
    assert "vertrauliche Notiz" in body


def test_administration_sees_only_placeholder_for_confidential_note(
    admin_client_role, participant, confidential_note
):
    body = admin_client_role.get(reverse("participants:detail", args=[participant.pk]))
    body = body.content.decode()
    assert "Streng geheim" not in body
    assert "vertrauliche Notiz" in body


def test_filter_chip_shows_one_kind(caseworker_client, participant):
    fill(participant, 2)
    url = reverse("participants:detail", args=[participant.pk])
    response = caseworker_client.get(url, {"art": "ziel"})
    kinds = {e.kind for e in response.context["timeline"].entries}
    assert kinds == {"ziel"}
    # Unknown kinds are ignored, not an error.
    response = caseworker_client.get(url, {"art": "quatsch"})
    assert len(response.context["timeline"].entries) == 14


def test_filter_with_htmx_returns_only_the_timeline(caseworker_client, participant):
    fill(participant, 2)
    response = caseworker_client.get(
        reverse("participants:detail", args=[participant.pk]),
        {"art": "notiz"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="timeline",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="timeline">')
    assert "Notiz 1" in body
    assert "Ziel 1" not in body


def test_timeline_shows_50_entries_then_more(caseworker_client, participant):
    fill(participant, 10)  # 70 entries
    url = reverse("participants:detail", args=[participant.pk])
    timeline = caseworker_client.get(url).context["timeline"]
    assert len(timeline.entries) == PAGE_SIZE
    assert timeline.has_more
    timeline = caseworker_client.get(url, {"anzahl": "100"}).context["timeline"]
    assert len(timeline.entries) == 70
    assert not timeline.has_more
    # The first page is the newest 50 of all 70.
    dates = [e.date for e in timeline.entries]
    assert dates == sorted(dates, reverse=True)


def test_bad_page_size_falls_back(caseworker_client, participant):
    url = reverse("participants:detail", args=[participant.pk])
    assert caseworker_client.get(url, {"anzahl": "viele"}).context["timeline"].limit == PAGE_SIZE
    assert caseworker_client.get(url, {"anzahl": "-5"}).context["timeline"].limit == PAGE_SIZE


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_case_file_queries_do_not_grow_with_entries(caseworker_client, participant, caseworker):
    url = reverse("participants:detail", args=[participant.pk])
    fill(participant, 2)
    few = _count_queries(caseworker_client, url)
    fill(participant, 48, start=datetime.date(2024, 1, 1))
    many = _count_queries(caseworker_client, url)
    assert few == many


def test_build_timeline_runs_one_query_for_all_sources(
    participant, caseworker, django_assert_num_queries
):
    fill(participant, 50)
    # One query for all sources, one more for the addenda of the notes shown (any number).
    with django_assert_num_queries(2):
        build_timeline(participant, caseworker)
    with django_assert_num_queries(2):
        build_timeline(participant, caseworker, kinds=["notiz"])
    with django_assert_num_queries(1):
        build_timeline(participant, caseworker, kinds=["status"])


def test_entries_rebuilt_from_json_equal_the_rows_read_by_the_orm(participant, caseworker):
    fill(participant, 3)
    ReferralFactory(participant=participant, proposed_on=DAY)
    CaseShareChange.objects.create(
        participant=participant,
        substitute=make_user("Fallmanagement", username="vertretung"),
        action=CaseShareChange.Action.GRANTED,
        changed_by=caseworker,
    )
    timeline = build_timeline(participant, caseworker)
    assert {entry.kind for entry in timeline.entries} == set(KINDS)
    for entry in timeline.entries:
        fresh = type(entry.obj).objects.get(pk=entry.obj.pk)
        for field in type(fresh)._meta.concrete_fields:
            assert getattr(entry.obj, field.attname) == getattr(fresh, field.attname), field.name
        if entry.kind == "begleitung":
            assert entry.obj.placement.employer == fresh.placement.employer
            assert entry.obj.placement.employer.name == fresh.placement.employer.name
        if entry.kind == "notiz":
            assert entry.obj.author.username == fresh.author.username
