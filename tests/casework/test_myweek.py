""" "Meine Woche" on the start page: follow-ups, internships, expiring permits, cases without
contact; only the caseworker's own (and shared) cases; a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fallmanagement.casework.myweek import my_week
from participants.models import FollowUp, Participant
from placements.checkins import checkin_plan
from placements.models import Assessment, CheckIn, Placement
from tests.factories import (
    CaseNoteFactory,
    EmployerFactory,
    FollowUpFactory,
    ParticipantFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

# A Wednesday: the week runs Monday 23.11. to Sunday 29.11.2026.
TODAY = datetime.date(2026, 11, 25)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def test_week_bounds_are_monday_to_sunday(caseworker):
    week = my_week(caseworker, today=TODAY)
    assert week["week_start"] == datetime.date(2026, 11, 23)
    assert week["week_end"] == datetime.date(2026, 11, 29)


def test_overdue_and_due_followups_of_own_open_cases(caseworker, other_caseworker):
    own = ParticipantFactory(caseworker=caseworker)
    overdue = FollowUpFactory(participant=own, due_on=days(-3), subject="überfällig")
    due = FollowUpFactory(participant=own, due_on=days(4), subject="diese Woche")
    FollowUpFactory(participant=own, due_on=days(5), subject="nächste Woche")
    FollowUpFactory(participant=own, due_on=days(-1), done_on=days(-1), subject="erledigt")
    FollowUpFactory(participant=ParticipantFactory(caseworker=other_caseworker), due_on=TODAY)
    closed = ParticipantFactory(
        caseworker=caseworker,
        status=Participant.Status.CLOSED,
        exit_date=days(-10),
        exit_reason=Participant.ExitReason.EMPLOYMENT,
    )
    FollowUpFactory(participant=closed, due_on=TODAY)
    week = my_week(caseworker, today=TODAY)
    assert week["overdue"] == [overdue]
    assert week["due"] == [due]


def test_shared_cases_count_for_the_substitute(caseworker, other_caseworker):
    shared = ParticipantFactory(caseworker=other_caseworker)
    shared.shared_with.add(caseworker)
    followup = FollowUpFactory(participant=shared, due_on=TODAY)
    assert my_week(caseworker, today=TODAY)["due"] == [followup]


def test_internships_starting_or_ending_this_week(caseworker, other_caseworker):
    def internship(start, end, owner=caseworker, **kwargs):
        return PlacementFactory(
            participant=ParticipantFactory(caseworker=owner),
            planned_start=start,
            planned_end=end,
            **kwargs,
        )

    starting = internship(days(2), days(20))
    ending = internship(days(-20), days(-1))
    started = {
        "state": Placement.State.RUNNING,
        "agreement_signed_on": days(-40),
        "insurance_confirmed_on": days(-40),
    }
    internship(days(-5), days(10), actual_start=days(-5), **started)  # runs through the week
    internship(days(6), days(20))  # starts next Monday
    internship(days(1), days(20), state=Placement.State.ABORTED)
    internship(days(1), days(20), owner=other_caseworker)
    # ran longer than planned, into this week (28 days in all)
    moved = internship(days(-24), days(-10), actual_start=days(-24), actual_end=days(3), **started)
    found = my_week(caseworker, today=TODAY)["internships"]
    assert [p.pk for p in found] == [moved.pk, ending.pk, starting.pk]


def test_permits_expiring_within_30_days(caseworker):
    soon = ParticipantFactory(caseworker=caseworker, residence_valid_until=days(30))
    work = ParticipantFactory(
        caseworker=caseworker,
        work_permit=Participant.WorkPermit.YES,
        work_permit_valid_until=days(10),
    )
    expired = ParticipantFactory(caseworker=caseworker, residence_valid_until=days(-2))
    ParticipantFactory(caseworker=caseworker, residence_valid_until=days(31))
    rows = my_week(caseworker, today=TODAY)["permits"]
    assert [(r["participant"], r["kind"], r["expired"]) for r in rows] == [
        (expired, "residence", True),
        (work, "work_permit", False),
        (soon, "residence", False),
    ]


def test_cases_without_contact_for_30_days(caseworker):
    silent = ParticipantFactory(caseworker=caseworker, entry_date=days(-200))
    CaseNoteFactory(participant=silent, date=days(-31))
    never = ParticipantFactory(caseworker=caseworker, entry_date=days(-60))
    talked = ParticipantFactory(caseworker=caseworker, entry_date=days(-200))
    CaseNoteFactory(participant=talked, date=days(-31))
    CaseNoteFactory(participant=talked, date=days(-29))
    ParticipantFactory(caseworker=caseworker, entry_date=days(-5))  # new, no note yet
    ParticipantFactory(
        caseworker=caseworker, entry_date=days(-200), status=Participant.Status.PAUSED
    )
    found = my_week(caseworker, today=TODAY)["no_contact"]
    assert found == [never, silent]
    assert found[1].last_contact == days(-31)
    assert found[0].last_contact is None


def test_start_page_shows_my_week_with_links(caseworker_client, caseworker):
    today = timezone.localdate()
    p = ParticipantFactory(
        caseworker=caseworker,
        first_name="Husein",
        last_name="Al Qasin",
        residence_valid_until=today + datetime.timedelta(days=3),
    )
    FollowUpFactory(participant=p, due_on=today - datetime.timedelta(days=1), subject="Rückruf")
    response = caseworker_client.get(reverse("home"))
    html = response.content.decode()
    assert "Meine Woche" in html
    assert "Rückruf" in html
    assert "überfällig" in html
    assert "Aufenthaltstitel" in html
    assert "Seit 30 Tagen kein Kontakt" in html
    assert reverse("participants:detail", args=[p.pk]) in html


def test_start_page_without_anything_due_shows_empty_states(caseworker_client):
    html = caseworker_client.get(reverse("home")).content.decode()
    assert "Keine fälligen Wiedervorlagen in dieser Woche." in html
    assert "Kein Praktikum beginnt oder endet in dieser Woche." in html
    assert "Keine Erlaubnis läuft in den nächsten 30 Tagen ab." in html


def _make_busy_cases(caseworker, n: int, offset: int) -> None:
    for i in range(n):
        p = ParticipantFactory(
            caseworker=caseworker,
            entry_date=days(-300),
            residence_valid_until=days(i % 20),
        )
        FollowUpFactory(participant=p, due_on=days(-(i % 5)))
        CaseNoteFactory(participant=p, date=days(-40))
        PlacementFactory(
            participant=p,
            planned_start=days(1 + (i % 3)),
            planned_end=days(20),
        )
        now_running = running(caseworker, days(-6), days(6), employer=EmployerFactory())
        checkin(now_running, days(-5), CheckIn.Rating.DIFFICULT)
        PlacementFactory(
            participant=now_running.participant,
            planned_start=days(-40),
            planned_end=days(-30),
            state=Placement.State.COMPLETED,
        )
        PlacementFactory(
            participant=now_running.participant,
            planned_start=days(-20),
            planned_end=days(-10),
            state=Placement.State.AGREED,
        )


def test_my_week_runs_constant_queries(caseworker):
    _make_busy_cases(caseworker, 2, 0)
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)
    with CaptureQueriesContext(connection) as few:
        my_week(caseworker, today=TODAY)
    _make_busy_cases(caseworker, 50, 2)
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)
    with CaptureQueriesContext(connection) as many:
        my_week(caseworker, today=TODAY)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_start_page_runs_constant_queries(caseworker_client, caseworker):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert caseworker_client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    _make_busy_cases(caseworker, 2, 0)
    few = count()
    _make_busy_cases(caseworker, 50, 2)
    assert count() == few


# --- check-ins, assessments, placements not started --------------------------------------


def running(owner, start, end, **kwargs):
    return PlacementFactory(
        participant=ParticipantFactory(caseworker=owner),
        planned_start=start,
        planned_end=end,
        actual_start=start,
        state=Placement.State.RUNNING,
        **kwargs,
    )


def checkin(placement, date, rating=CheckIn.Rating.GOOD):
    return CheckIn.objects.create(
        placement=placement,
        date=date,
        with_whom="Anleiter",
        rating=rating,
        author=placement.participant.caseworker,
    )


def test_check_in_plan_of_an_internship_first_week_middle_end(caseworker):
    # 15 days, days(-5)..days(9): points at 0.22 -> +3 (days(-2)), 0.5 -> +7 (days(2)), end.
    placement = running(caseworker, days(-5), days(9))
    checkin(placement, days(-6))  # before the start: preparation, does not count
    [found] = my_week(caseworker, today=TODAY)["checkins"]
    assert (found, found.checkins_done, found.next_checkin_due) == (placement, 0, days(-2))
    checkin(placement, days(-3))
    [found] = my_week(caseworker, today=TODAY)["checkins"]
    assert (found.checkins_done, found.next_checkin_due, found.checkin_points) == (1, days(2), 3)
    checkin(placement, days(-1))
    # The last point (days(9)) falls after this week (Sunday = days(4)).
    assert my_week(caseworker, today=TODAY)["checkins"] == []


def test_default_plan_of_a_four_week_internship():
    plan = checkin_plan()[Placement.Kind.INTERNSHIP]
    # 28 days: day 7 (start + 6), day 15 (start + 14: 13.5 rounded to even), last day.
    assert [round(27 * point) for point in plan] == [6, 14, 27]


def test_check_in_plan_is_configurable(caseworker, settings):
    settings.PLACEMENT_CHECKIN_PLAN = {Placement.Kind.INTERNSHIP: (0.5,)}
    placement = running(caseworker, days(-5), days(9))
    [found] = my_week(caseworker, today=TODAY)["checkins"]
    assert (found.next_checkin_due, found.checkin_points) == (days(2), 1)
    checkin(placement, days(-1))
    assert my_week(caseworker, today=TODAY)["checkins"] == []


def test_only_running_placements_of_own_open_cases_need_check_ins(caseworker, other_caseworker):
    running(other_caseworker, days(-5), days(9))
    PlacementFactory(
        participant=ParticipantFactory(caseworker=caseworker),
        planned_start=days(-5),
        planned_end=days(9),
        state=Placement.State.AGREED,
    )
    assert my_week(caseworker, today=TODAY)["checkins"] == []


def test_difficult_last_rating_until_a_better_check_in(caseworker):
    placement = running(caseworker, days(-10), days(10))
    checkin(placement, days(-8), CheckIn.Rating.GOOD)
    checkin(placement, days(-2), CheckIn.Rating.DIFFICULT)
    [found] = my_week(caseworker, today=TODAY)["difficult"]
    assert (found, found.last_checkin_on) == (placement, days(-2))
    checkin(placement, days(-1), CheckIn.Rating.MIXED)
    assert my_week(caseworker, today=TODAY)["difficult"] == []


def test_agreed_placement_whose_start_has_passed(caseworker):
    def agreed(start):
        return PlacementFactory(
            participant=ParticipantFactory(caseworker=caseworker),
            planned_start=start,
            planned_end=start + datetime.timedelta(days=10),
            state=Placement.State.AGREED,
        )

    late = agreed(days(-1))
    agreed(TODAY)
    assert my_week(caseworker, today=TODAY)["not_started"] == [late]


def test_finished_internship_without_assessment_or_outcome(caseworker):
    def completed(end, outcome=""):
        return PlacementFactory(
            participant=ParticipantFactory(caseworker=caseworker),
            planned_start=end - datetime.timedelta(days=10),
            planned_end=end,
            state=Placement.State.COMPLETED,
            outcome=outcome,
        )

    bare = completed(days(-20))
    assessed = completed(days(-10))
    Assessment.objects.create(
        placement=assessed,
        assessed_on=days(-10),
        recommendation=Assessment.Recommendation.RECOMMEND,
        recorded_by=caseworker,
        **dict.fromkeys(Assessment.RATED_FIELDS, 2),
    )
    done = completed(days(-5), outcome=Placement.Outcome.APPRENTICESHIP)
    Assessment.objects.create(
        placement=done,
        assessed_on=days(-5),
        recommendation=Assessment.Recommendation.HIRE,
        recorded_by=caseworker,
        **dict.fromkeys(Assessment.RATED_FIELDS, 1),
    )
    found = my_week(caseworker, today=TODAY)["unassessed"]
    assert [(p, p.has_assessment, p.outcome) for p in found] == [
        (bare, False, ""),
        (assessed, True, ""),
    ]


# --- totals, full lists ----------------------------------------------------------------------


def test_lists_say_how_many_more_and_link_to_all(caseworker_client, caseworker):
    today = timezone.localdate()
    p = ParticipantFactory(caseworker=caseworker)
    for i in range(23):
        FollowUpFactory(participant=p, due_on=today - datetime.timedelta(days=1 + i))
    week = my_week(caseworker)
    assert (len(week["overdue"]), week["overdue"].total, week["overdue"].more) == (20, 23, 3)
    html = caseworker_client.get(reverse("home")).content.decode()
    assert "3 weitere Einträge – alle anzeigen" in html
    url = reverse("participants:week_list", args=["ueberfaellig"])
    assert url in html
    full = caseworker_client.get(url)
    assert full.status_code == 200
    assert full.context["page_obj"].paginator.count == 23
    assert full.content.decode().count('id="wv-') == 23


def test_full_list_shows_only_own_cases(other_caseworker_client, caseworker):
    FollowUpFactory(participant=ParticipantFactory(caseworker=caseworker), due_on=days(-400))
    url = reverse("participants:week_list", args=["ueberfaellig"])
    response = other_caseworker_client.get(url)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0
    assert "Nichts zu tun in dieser Liste." in response.content.decode()


@pytest.mark.parametrize("key", ["begleitung", "schwierig", "erlaubnisse", "kein-kontakt"])
def test_every_full_list_opens(caseworker_client, caseworker, key):
    _make_busy_cases(caseworker, 3, 0)
    response = caseworker_client.get(reverse("participants:week_list", args=[key]))
    assert response.status_code == 200


def test_unknown_list_and_bad_page_do_not_fail(caseworker_client):
    assert caseworker_client.get("/teilnehmende/woche/gibtsnicht/").status_code == 404
    url = reverse("participants:week_list", args=["faellig"]) + "?page=abc"
    assert caseworker_client.get(url).status_code == 200


def test_full_list_is_for_caseworkers_only(reporter_client, admin_client_role, no_role_client):
    url = reverse("participants:week_list", args=["faellig"])
    assert reporter_client.get(url).status_code == 403
    assert admin_client_role.get(url).status_code == 403
    assert no_role_client.get(url).status_code == 403


def test_full_list_runs_constant_queries(caseworker_client, caseworker):
    def count(key) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = caseworker_client.get(reverse("participants:week_list", args=[key]))
            assert response.status_code == 200
        return len(ctx.captured_queries)

    _make_busy_cases(caseworker, 2, 0)
    few = {key: count(key) for key in ("ueberfaellig", "begleitung", "erlaubnisse")}
    _make_busy_cases(caseworker, 50, 2)
    assert {key: count(key) for key in few} == few


# --- ticking a follow-up off on the start page -------------------------------------------


def tick_url(followup):
    return reverse("participants:week_followup_tick", args=[followup.pk])


def test_tick_follow_up_without_javascript(caseworker_client, caseworker):
    followup = FollowUpFactory(participant=ParticipantFactory(caseworker=caseworker), due_on=TODAY)
    response = caseworker_client.post(tick_url(followup))
    assert response.status_code == 302
    assert response.url == reverse("home")
    followup.refresh_from_db()
    assert (followup.done_on, followup.done_by) == (timezone.localdate(), caseworker)


def test_tick_and_undo_with_htmx(caseworker_client, caseworker):
    followup = FollowUpFactory(participant=ParticipantFactory(caseworker=caseworker), due_on=TODAY)
    response = caseworker_client.post(tick_url(followup), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="wv-{followup.pk}"' in html
    assert "Rückgängig" in html
    assert "<html" not in html
    undo = reverse("participants:week_followup_untick", args=[followup.pk])
    response = caseworker_client.post(undo, HTTP_HX_REQUEST="true")
    assert "Erledigt" in response.content.decode()
    followup.refresh_from_db()
    assert followup.done_on is None


def test_start_page_offers_tick_and_sends_whereabouts_to_the_case_file(
    caseworker_client, caseworker
):
    p = ParticipantFactory(caseworker=caseworker)
    general = FollowUpFactory(participant=p, due_on=timezone.localdate())
    whereabouts = FollowUpFactory(
        participant=p, due_on=timezone.localdate(), kind=FollowUp.Kind.WHEREABOUTS_4W
    )
    html = caseworker_client.get(reverse("home")).content.decode()
    assert tick_url(general) in html
    assert tick_url(whereabouts) not in html
    assert "Verbleib erfassen" in html
    response = caseworker_client.post(tick_url(whereabouts))
    assert response.url == reverse("participants:detail", args=[p.pk])
    whereabouts.refresh_from_db()
    assert whereabouts.done_on is None


def test_tick_refused_for_foreign_and_other_roles(
    other_caseworker_client, reporter_client, caseworker
):
    followup = FollowUpFactory(participant=ParticipantFactory(caseworker=caseworker), due_on=TODAY)
    assert other_caseworker_client.post(tick_url(followup)).status_code == 404
    assert reporter_client.post(tick_url(followup)).status_code == 403
    assert other_caseworker_client.get(tick_url(followup)).status_code == 405
    followup.refresh_from_db()
    assert followup.done_on is None


# --- only the columns the rows show ------------------------------------------------------


def _every_list_filled(caseworker) -> None:
    """At least one entry in each of the eleven lists, dated from the real today (the page)."""
    from tests.offers.factories import OfferFactory, ReferralFactory

    today = timezone.localdate()
    week_start = today - datetime.timedelta(days=today.isoweekday() - 1)

    def on(n):
        return today + datetime.timedelta(days=n)

    def case(**kwargs):
        return ParticipantFactory(caseworker=caseworker, entry_date=on(-200), **kwargs)

    p = case(residence_valid_until=on(5))  # permit expiring; no note: no contact
    FollowUpFactory(participant=p, due_on=on(-1))  # overdue
    FollowUpFactory(participant=p, due_on=today)  # due this week
    running_start = on(-6)
    for rating in (None, CheckIn.Rating.DIFFICULT):
        pl = PlacementFactory(
            participant=case(),
            planned_start=running_start,
            planned_end=on(20),
            actual_start=running_start,
            state=Placement.State.RUNNING,
        )
        if rating:
            CheckIn.objects.create(
                placement=pl, date=on(-1), with_whom="Anleiter", rating=rating, author=caseworker
            )
    PlacementFactory(
        participant=case(), planned_start=on(-3), planned_end=on(20), state=Placement.State.AGREED
    )  # should have begun
    PlacementFactory(
        participant=case(),
        planned_start=on(-40),
        planned_end=on(-14),
        actual_start=on(-40),
        actual_end=on(-14),
        state=Placement.State.COMPLETED,
    )  # finished, no assessment
    PlacementFactory(
        participant=case(),
        planned_start=week_start + datetime.timedelta(days=6),
        planned_end=week_start + datetime.timedelta(days=26),
    )  # begins this week
    ReferralFactory(
        participant=p,
        offer=OfferFactory(starts_on=week_start),
        state="angemeldet",
        created_by=caseworker,
    )  # offer begins this week
    ReferralFactory(
        participant=case(),
        offer=OfferFactory(starts_on=on(-150), ends_on=on(-3)),
        state="begonnen",
        started_on=on(-150),
        created_by=caseworker,
    )  # ended, no feedback


def test_rows_read_no_column_the_lists_leave_out(caseworker_client, caseworker, monkeypatch):
    """The lists select only the columns their rows show (`.only()`); a row reading another
    one would cost a query per row. Every list filled, any load of a left-out column fails."""
    from django.db.models import fetch_modes

    _every_list_filled(caseworker)
    response = caseworker_client.get(reverse("home"))
    week = response.context["week"]
    lists = [value for value in week.values() if isinstance(value, list)]
    assert len(lists) == 11 and all(lists), {
        k: len(v) for k, v in week.items() if isinstance(v, list)
    }

    # Recorded, not only raised: `{% if %}` swallows exceptions raised while it evaluates.
    loaded = []

    def refuse(self, fetcher, instance):
        loaded.append(f"{instance._meta.object_name}.{fetcher.field.name}")
        raise AssertionError(f"{loaded[-1]} not selected")

    monkeypatch.setattr(fetch_modes.FetchOne, "fetch", refuse)
    monkeypatch.setattr(fetch_modes.FetchPeers, "fetch", refuse)
    assert caseworker_client.get(reverse("home")).status_code == 200
    from fallmanagement.casework.myweek import LISTS

    for key in LISTS:
        url = reverse("participants:week_list", args=[key])
        assert caseworker_client.get(url).status_code == 200
    assert loaded == []
