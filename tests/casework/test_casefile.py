"""The case file page (Fallakte): who may open it, what it shows, and the in-page forms."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fallmanagement.privacy.models import AccessLog
from participants.models import CaseNote, FollowUp, Goal, Participant, RecognitionProcedure
from tests.factories import (
    CaseNoteFactory,
    FollowUpFactory,
    NetworkPartnerFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "casefile"}


def detail_url(participant):
    return reverse("participants:detail", args=[participant.pk])


def today():
    return timezone.localdate()


def note_data(**overrides):
    data = {
        "note-date": today().isoformat(),
        "note-contact_kind": CaseNote.ContactKind.PHONE,
        "note-duration_minutes": "20",
        "note-with_interpreter": "on",
        "note-text": "Termin beim Jobcenter besprochen.",
    }
    data.update(overrides)
    return data


# --- access -------------------------------------------------------------------------------

WRITE_URLS = ["note_add", "goal_add", "followup_add", "recognition_add", "status_change"]


def test_caseworker_opens_own_case_file(caseworker_client, participant):
    response = caseworker_client.get(detail_url(participant))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Al Qasin" in body
    assert "Verlauf" in body


def test_opening_the_case_file_is_logged(caseworker_client, caseworker, participant):
    caseworker_client.get(detail_url(participant))
    entry = AccessLog.objects.get(participant_id=participant.pk)
    assert entry.user == caseworker
    assert entry.action == AccessLog.Action.VIEW


def test_caseworker_cannot_open_foreign_case(other_caseworker_client, participant):
    assert other_caseworker_client.get(detail_url(participant)).status_code == 404
    assert not AccessLog.objects.exists()


def test_substitute_with_shared_access_opens_case(
    other_caseworker_client, other_caseworker, participant
):
    participant.shared_with.add(other_caseworker)
    assert other_caseworker_client.get(detail_url(participant)).status_code == 200


def test_reporting_gets_403(reporter_client, participant):
    assert reporter_client.get(detail_url(participant)).status_code == 403


def test_no_role_gets_403(no_role_client, participant):
    assert no_role_client.get(detail_url(participant)).status_code == 403


def test_anonymous_is_sent_to_login(client, participant):
    response = client.get(detail_url(participant))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_administration_reads_but_gets_no_forms(admin_client_role, participant):
    response = admin_client_role.get(detail_url(participant))
    assert response.status_code == 200
    assert reverse("participants:note_add", args=[participant.pk]) not in response.content.decode()
    assert AccessLog.objects.filter(participant_id=participant.pk).count() == 1


@pytest.mark.parametrize("name", WRITE_URLS)
def test_write_views_refuse_other_roles(
    name,
    participant,
    other_caseworker_client,
    reporter_client,
    admin_client_role,
    no_role_client,
    client,
):
    url = reverse(f"participants:{name}", args=[participant.pk])
    assert other_caseworker_client.post(url, {}).status_code == 404
    assert no_role_client.post(url, {}).status_code == 403
    assert reporter_client.post(url, {}).status_code == 403
    assert admin_client_role.post(url, {}).status_code == 403
    response = client.post(url, {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", WRITE_URLS)
def test_write_views_accept_post_only(name, participant, caseworker_client):
    url = reverse(f"participants:{name}", args=[participant.pk])
    assert caseworker_client.get(url).status_code == 405


def test_substitute_may_add_a_note(other_caseworker_client, other_caseworker, participant):
    participant.shared_with.add(other_caseworker)
    url = reverse("participants:note_add", args=[participant.pk])
    response = other_caseworker_client.post(url, note_data())
    assert response.status_code == 302
    assert CaseNote.objects.get().author == other_caseworker


def test_goal_and_followup_item_views_check_access(
    participant, caseworker, other_caseworker_client, reporter_client, caseworker_client
):
    goal = Goal.objects.create(
        participant=participant, text="B1", agreed_on=today(), author=caseworker
    )
    followup = FollowUpFactory(participant=participant)
    urls = [
        reverse("participants:goal_close", args=[participant.pk, goal.pk]),
        reverse("participants:followup_done", args=[participant.pk, followup.pk]),
    ]
    for url in urls:
        assert other_caseworker_client.post(url, {"state": "erreicht"}).status_code == 404
        assert reporter_client.post(url, {"state": "erreicht"}).status_code == 403
    # An item of another participant is not reachable through this participant's URL.
    foreign = FollowUpFactory()
    url = reverse("participants:followup_done", args=[participant.pk, foreign.pk])
    assert caseworker_client.post(url, {}).status_code == 404


def test_recognition_edit_checks_access(
    participant, caseworker_client, other_caseworker_client, reporter_client, admin_client_role
):
    procedure = RecognitionProcedure.objects.create(
        participant=participant, reference_profession="Elektroniker:in"
    )
    url = reverse("participants:recognition_edit", args=[participant.pk, procedure.pk])
    assert caseworker_client.get(url).status_code == 200
    assert other_caseworker_client.get(url).status_code == 404
    assert reporter_client.get(url).status_code == 403
    assert admin_client_role.get(url).status_code == 403


# --- what the page shows ------------------------------------------------------------------


def test_header_shows_status_caseworker_entry_and_links(caseworker_client, participant):
    body = caseworker_client.get(detail_url(participant)).content.decode()
    assert "Status: Aufnahme" in body
    assert "10.01.2026" in body  # entry date
    assert reverse("participants:edit", args=[participant.pk]) in body
    assert reverse("employers:matching", kwargs={"participant_pk": participant.pk}) in body
    assert f"{reverse('placements:create')}?participant={participant.pk}" in body


def test_case_without_consent_warns_and_hides_forms(caseworker_client, participant):
    participant.consent_date = None
    participant.save()
    body = caseworker_client.get(detail_url(participant)).content.decode()
    assert "Ohne Einwilligung kann der Fall nicht bearbeitet werden" in body
    assert reverse("participants:note_add", args=[participant.pk]) not in body
    assert "Einsatz planen" not in body


@pytest.mark.parametrize(
    "name,data",
    [
        ("note_add", note_data()),
        ("goal_add", {"goal-text": "B1", "goal-agreed_on": "2026-01-01"}),
        ("followup_add", {"followup-due_on": "2026-12-01", "followup-subject": "Anrufen"}),
        ("recognition_add", {"rec-reference_profession": "Koch", "rec-state": "beraten"}),
    ],
)
def test_adding_entries_is_refused_without_consent(caseworker_client, participant, name, data):
    participant.consent_withdrawn_on = datetime.date(2026, 5, 1)
    participant.save()
    url = reverse(f"participants:{name}", args=[participant.pk])
    response = caseworker_client.post(url, data)
    assert response.status_code == 422
    assert "Ohne Einwilligung kann der Fall nicht bearbeitet werden" in response.content.decode()
    assert not CaseNote.objects.exists()
    assert not Goal.objects.exists()
    assert not FollowUp.objects.exists()
    assert not RecognitionProcedure.objects.exists()


def test_next_due_followup_and_placements_are_shown(caseworker_client, participant):
    FollowUpFactory(
        participant=participant, due_on=today() + datetime.timedelta(days=9), subject="Später"
    )
    FollowUpFactory(
        participant=participant,
        due_on=today() - datetime.timedelta(days=2),
        subject="Lebenslauf fertigstellen",
    )
    PlacementFactory(
        participant=participant,
        job_title="Helfer Lager",
        planned_start=today() + datetime.timedelta(days=14),
        planned_end=today() + datetime.timedelta(days=27),
    )
    response = caseworker_client.get(detail_url(participant))
    context = response.context
    assert context["next_followup"].subject == "Lebenslauf fertigstellen"
    assert context["next_placement"].job_title == "Helfer Lager"
    assert context["current_placement"] is None
    body = response.content.decode()
    assert "überfällig" in body
    assert "Helfer Lager" in body


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({"residence_valid_until": "past"}, "Aufenthaltstitel abgelaufen am"),
        ({"residence_valid_until": "soon"}, "Aufenthaltstitel läuft am"),
        ({"work_permit_valid_until": "soon"}, "Beschäftigungserlaubnis läuft am"),
        (
            {"residence_status": Participant.ResidenceStatus.DULDUNG, "work_permit": "nein"},
            "Keine Beschäftigungserlaubnis erfasst",
        ),
    ],
)
def test_permit_warnings(caseworker_client, participant, changes, expected):
    dates = {
        "past": today() - datetime.timedelta(days=1),
        "soon": today() + datetime.timedelta(days=20),
    }
    for field, value in changes.items():
        setattr(participant, field, dates.get(value, value))
    participant.save()
    assert expected in caseworker_client.get(detail_url(participant)).content.decode()


def test_no_permit_warning_when_far_away(caseworker_client, participant):
    participant.residence_valid_until = today() + datetime.timedelta(days=200)
    participant.save()
    response = caseworker_client.get(detail_url(participant))
    assert response.context["permit_warnings"] == []


# --- notes -------------------------------------------------------------------------------


def test_adding_a_note_redirects_back(caseworker_client, caseworker, participant):
    url = reverse("participants:note_add", args=[participant.pk])
    response = caseworker_client.post(url, note_data(**{"note-confidential": "on"}))
    assert response.status_code == 302
    assert response["Location"] == detail_url(participant)
    note = CaseNote.objects.get()
    assert note.author == caseworker
    assert note.with_interpreter and note.confidential
    assert note.duration_minutes == 20


def test_adding_a_note_with_htmx_returns_the_partial(caseworker_client, participant):
    url = reverse("participants:note_add", args=[participant.pk])
    response = caseworker_client.post(url, note_data(), **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="casefile"' in body
    assert "Termin beim Jobcenter besprochen." in body
    assert "Gesprächsnotiz gespeichert." in body


def test_invalid_note_shows_errors_and_saves_nothing(caseworker_client, participant):
    url = reverse("participants:note_add", args=[participant.pk])
    future = (today() + datetime.timedelta(days=3)).isoformat()
    response = caseworker_client.post(
        url, note_data(**{"note-text": "", "note-date": future, "note-duration_minutes": "900"})
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Eine Gesprächsnotiz kann nicht in der Zukunft liegen." in body
    assert "zwischen 1 und 600 Minuten" in body
    assert not CaseNote.objects.exists()


def test_invalid_note_with_htmx_rerenders_the_form(caseworker_client, participant):
    url = reverse("participants:note_add", args=[participant.pk])
    response = caseworker_client.post(url, note_data(**{"note-text": ""}), **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "Dieses Feld ist zwingend erforderlich." in body
    assert '<details class="entry-form" open>' in body


# --- goals -------------------------------------------------------------------------------


def test_adding_and_closing_a_goal(caseworker_client, participant):
    url = reverse("participants:goal_add", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {"goal-text": "Führerschein", "goal-agreed_on": "2026-03-01", "goal-due_on": "2026-09-01"},
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.state == Goal.State.OPEN
    close = reverse("participants:goal_close", args=[participant.pk, goal.pk])
    response = caseworker_client.post(close, {"state": "erreicht"}, **HX)
    assert response.status_code == 200
    goal.refresh_from_db()
    assert goal.state == Goal.State.ACHIEVED
    assert goal.closed_on == today()


def test_goal_due_before_agreement_is_refused(caseworker_client, participant):
    url = reverse("participants:goal_add", args=[participant.pk])
    response = caseworker_client.post(
        url, {"goal-text": "B1", "goal-agreed_on": "2026-03-01", "goal-due_on": "2026-02-01"}
    )
    assert response.status_code == 422
    assert "Das Zieldatum darf nicht vor der Vereinbarung liegen." in response.content.decode()
    assert not Goal.objects.exists()


def test_dropping_a_goal_and_bad_state(caseworker_client, caseworker, participant):
    goal = Goal.objects.create(
        participant=participant, text="B2", agreed_on=today(), author=caseworker
    )
    close = reverse("participants:goal_close", args=[participant.pk, goal.pk])
    assert caseworker_client.post(close, {"state": "kaputt"}).status_code == 422
    assert caseworker_client.post(close, {"state": "verworfen"}).status_code == 302
    goal.refresh_from_db()
    assert goal.state == Goal.State.DROPPED


# --- follow-ups --------------------------------------------------------------------------


def test_adding_and_ticking_off_a_followup(caseworker_client, caseworker, participant):
    url = reverse("participants:followup_add", args=[participant.pk])
    response = caseworker_client.post(
        url, {"followup-due_on": "2026-12-01", "followup-subject": "Zeugnisse abholen"}, **HX
    )
    assert response.status_code == 200
    followup = FollowUp.objects.get()
    assert followup.created_by == caseworker
    assert followup.kind == FollowUp.Kind.GENERAL
    done = reverse("participants:followup_done", args=[participant.pk, followup.pk])
    assert caseworker_client.post(done, {}).status_code == 302
    followup.refresh_from_db()
    assert followup.done_on == today()
    assert followup.done_by == caseworker


def test_invalid_followup_is_refused(caseworker_client, participant):
    url = reverse("participants:followup_add", args=[participant.pk])
    response = caseworker_client.post(
        url, {"followup-due_on": "kein Datum", "followup-subject": ""}
    )
    assert response.status_code == 422
    assert "Bitte ein gültiges Datum eingeben." in response.content.decode()
    assert not FollowUp.objects.exists()


def test_whereabouts_followup_needs_whereabouts(caseworker_client, participant):
    followup = FollowUpFactory(
        participant=participant, kind=FollowUp.Kind.WHEREABOUTS_4W, subject="Verbleib 4 Wochen"
    )
    done = reverse("participants:followup_done", args=[participant.pk, followup.pk])
    response = caseworker_client.post(done, {})
    assert response.status_code == 422
    assert "Bitte den Verbleib angeben." in response.content.decode()
    followup.refresh_from_db()
    assert followup.done_on is None
    response = caseworker_client.post(done, {f"done-{followup.pk}-whereabouts": "ausbildung"})
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.whereabouts == FollowUp.Whereabouts.APPRENTICESHIP
    assert followup.done_on == today()


# --- recognition -------------------------------------------------------------------------


def test_adding_a_recognition_procedure_sets_decision_followup(caseworker_client, participant):
    partner = NetworkPartnerFactory()
    url = reverse("participants:recognition_add", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {
            "rec-reference_profession": "Elektroniker:in",
            "rec-competent_body": "HWK Kassel",
            "rec-network_partner": partner.pk,
            "rec-state": "in_pruefung",
            "rec-applied_on": "2026-06-01",
            "rec-file_complete_on": "2026-06-15",
        },
    )
    assert response.status_code == 302
    procedure = RecognitionProcedure.objects.get()
    assert procedure.network_partner == partner
    followup = FollowUp.objects.get(recognition=procedure)
    assert followup.kind == FollowUp.Kind.RECOGNITION_DECISION
    assert followup.due_on == datetime.date(2026, 9, 15)


def test_invalid_recognition_procedure_is_refused(caseworker_client, participant):
    url = reverse("participants:recognition_add", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {
            "rec-reference_profession": "Koch",
            "rec-state": "teilweise_gleichwertigkeit",
            "rec-applied_on": "2026-06-01",
        },
    )
    assert response.status_code == 422
    assert "Bitte das Datum des Bescheids angeben." in response.content.decode()
    assert not RecognitionProcedure.objects.exists()


def test_editing_a_recognition_procedure_updates_followups(caseworker_client, participant):
    procedure = RecognitionProcedure.objects.create(
        participant=participant,
        reference_profession="Koch",
        state="in_pruefung",
        applied_on=datetime.date(2026, 1, 5),
        file_complete_on=datetime.date(2026, 1, 20),
    )
    url = reverse("participants:recognition_edit", args=[participant.pk, procedure.pk])
    data = {
        "rec-reference_profession": "Koch",
        "rec-state": "teilweise_gleichwertigkeit",
        "rec-applied_on": "2026-01-05",
        "rec-file_complete_on": "2026-01-20",
        "rec-decided_on": "2026-04-10",
    }
    assert caseworker_client.post(url, data).status_code == 302
    assert caseworker_client.post(url, data).status_code == 302  # re-save: no duplicates
    kinds = sorted(FollowUp.objects.filter(recognition=procedure).values_list("kind", flat=True))
    assert kinds == sorted([FollowUp.Kind.RECOGNITION_DECISION, FollowUp.Kind.RECOGNITION_FOLLOWUP])
    later = FollowUp.objects.get(kind=FollowUp.Kind.RECOGNITION_FOLLOWUP)
    assert later.due_on == datetime.date(2031, 1, 10)
    assert "10.04.2031" in later.subject
    response = caseworker_client.post(url, {**data, "rec-decided_on": "2026-01-01"})
    assert response.status_code == 422
    assert "zeitlicher Reihenfolge" in response.content.decode()


# --- status ------------------------------------------------------------------------------


def test_status_form_offers_only_allowed_transitions(caseworker_client, participant):
    form = caseworker_client.get(detail_url(participant)).context["status_form"]
    offered = [value for value, _label in form.fields["to_status"].widget.choices if value]
    assert offered == ["profiling", "pausiert", "abgeschlossen"]


def test_status_change_via_page(caseworker_client, caseworker, participant):
    url = reverse("participants:status_change", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {"status-to_status": "profiling", "status-on": today().isoformat(), "status-reason": "ok"},
        **HX,
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.status == Participant.Status.PROFILING
    change = participant.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == (
        "aufnahme",
        "profiling",
        caseworker,
    )
    assert "Status geändert: Profiling." in response.content.decode()


def test_refused_status_change_shows_message(caseworker_client, participant):
    url = reverse("participants:status_change", args=[participant.pk])
    response = caseworker_client.post(
        url, {"status-to_status": "vermittelt", "status-on": today().isoformat()}
    )
    assert response.status_code == 422
    assert "ist kein erlaubter Statuswechsel" in response.content.decode()
    participant.refresh_from_db()
    assert participant.status == Participant.Status.INTAKE


def test_closing_via_page_needs_exit_reason(caseworker_client, participant):
    url = reverse("participants:status_change", args=[participant.pk])
    data = {"status-to_status": "abgeschlossen", "status-on": today().isoformat()}
    response = caseworker_client.post(url, data)
    assert response.status_code == 422
    assert "Zum Abschließen bitte einen Austrittsgrund angeben." in response.content.decode()
    response = caseworker_client.post(url, {**data, "status-exit_reason": "umzug"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert participant.exit_date == today()
    assert participant.followups.count() == 2


def test_without_consent_only_pause_or_close_is_offered(caseworker_client, participant):
    participant.consent_date = None
    participant.save()
    form = caseworker_client.get(detail_url(participant)).context["status_form"]
    offered = [value for value, _label in form.fields["to_status"].widget.choices if value]
    assert offered == ["pausiert", "abgeschlossen"]


def test_case_file_query_count_is_constant(
    caseworker_client, participant, django_assert_max_num_queries
):
    url = detail_url(participant)
    caseworker_client.get(url)
    for i in range(30):
        CaseNoteFactory(participant=participant, text=f"Notiz {i}")
        FollowUpFactory(participant=participant, subject=f"WV {i}")
    # Target of issue 19: at most 12 queries per page, whatever the length of the history.
    with django_assert_max_num_queries(12):
        assert caseworker_client.get(url).status_code == 200


def test_case_file_markup_is_accessible_and_csp_clean(caseworker_client, participant):
    CaseNoteFactory(participant=participant)
    body = caseworker_client.get(detail_url(participant)).content.decode()
    assert body.count("<h1") == 1
    assert "style=" not in body
    assert "<script>" not in body
    assert " onclick=" not in body
    # Every form field of the in-page forms has a label.
    for field in ("id_note-date", "id_note-text", "id_goal-text", "id_followup-subject"):
        assert f'for="{field}"' in body


def test_show_more_with_htmx_returns_only_the_timeline(caseworker_client, participant):
    for i in range(55):
        CaseNoteFactory(participant=participant, text=f"Notiz {i}")
    url = detail_url(participant)
    first = caseworker_client.get(url)
    assert "Ältere Einträge anzeigen" in first.content.decode()
    response = caseworker_client.get(
        url, {"anzahl": "100"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="timeline">')
    assert body.count('class="timeline-entry') == 55
    assert "Ältere Einträge anzeigen" not in body
