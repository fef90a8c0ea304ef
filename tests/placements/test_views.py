"""Placement pages: who may use them, planning and editing, state changes, check-ins,
assessment, outcome with follow-on placement and case status, and the board."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fallmanagement.privacy.models import AccessLog
from participants.models import Participant
from placements.models import Assessment, CheckIn, Placement
from tests.factories import (
    ContactPersonFactory,
    EmployerFactory,
    ParticipantFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
S = Placement.State

RATINGS = {
    "punctuality": 1,
    "reliability": 2,
    "pace": 3,
    "care": 2,
    "teamwork": 1,
    "german_at_work": 3,
    "aptitude": 2,
}


@pytest.fixture
def placement(participant):
    return PlacementFactory(participant=participant)


@pytest.fixture
def running(participant):
    return PlacementFactory(
        participant=participant,
        state=S.RUNNING,
        agreement_signed_on=D(2026, 2, 20),
        insurance_confirmed_on=D(2026, 2, 21),
        actual_start=D(2026, 3, 2),
    )


@pytest.fixture
def completed(participant):
    return PlacementFactory(
        participant=participant,
        state=S.COMPLETED,
        agreement_signed_on=D(2026, 2, 20),
        insurance_confirmed_on=D(2026, 2, 21),
        actual_start=D(2026, 3, 2),
        actual_end=D(2026, 3, 27),
    )


@pytest.fixture
def foreign_placement(other_caseworker):
    return PlacementFactory(participant=ParticipantFactory(caseworker=other_caseworker))


def form_data(participant=None, employer=None, **overrides) -> dict:
    data = {
        "employer": employer.pk if employer else "",
        "kind": Placement.Kind.INTERNSHIP,
        "employment_type": "",
        "kldb_group": "24",
        "job_title": "Helfer/in Metallbau",
        "supervisor": "",
        "planned_start": "2026-12-01",
        "planned_end": "2026-12-28",
        "hours_per_week": "30",
        "daily_hours": "Mo–Fr 7:30–13:30 Uhr",
        "pay": "unvergütet",
        "leave": "kein Urlaubsanspruch",
        "goals": "Fachsprache lernen",
        "tasks": "Schweißen unter Anleitung",
        "legal_basis": Placement.LegalBasis.MILOG,
        "agreement_signed_on": "",
        "insurance_confirmed_on": "",
        "agency_approval_on": "",
    }
    if participant is not None:
        data["participant"] = participant.pk
    data.update(overrides)
    return data


# --- access ------------------------------------------------------------------------------

GET_VIEWS = ["detail", "edit", "assessment", "agreement_pdf", "certificate_pdf"]
POST_VIEWS = {
    "transition": {"action": "agree"},
    "checkin_add": {},
    "outcome": {},
}
ADMIN_MAY_SEE = {"detail", "agreement_pdf", "certificate_pdf"}


def _url(name, pk):
    if name == "transition":
        return reverse("placements:transition", args=[pk, "agree"])
    return reverse(f"placements:{name}", args=[pk])


@pytest.mark.parametrize("name", GET_VIEWS + list(POST_VIEWS))
def test_caseworker_opens_own_placement_pages(caseworker_client, completed, name):
    if name in POST_VIEWS:
        response = caseworker_client.post(_url(name, completed.pk), {})
        assert response.status_code in (200, 302, 422)
    else:
        response = caseworker_client.get(_url(name, completed.pk))
        assert response.status_code == 200


@pytest.mark.parametrize("name", GET_VIEWS + list(POST_VIEWS))
def test_other_caseworkers_placement_is_not_found(caseworker_client, foreign_placement, name):
    method = caseworker_client.post if name in POST_VIEWS else caseworker_client.get
    assert method(_url(name, foreign_placement.pk)).status_code == 404


@pytest.mark.parametrize("name", GET_VIEWS + list(POST_VIEWS))
def test_reporting_staff_are_refused(reporter_client, completed, name):
    method = reporter_client.post if name in POST_VIEWS else reporter_client.get
    assert method(_url(name, completed.pk)).status_code == 403


@pytest.mark.parametrize("name", GET_VIEWS + list(POST_VIEWS))
def test_anonymous_user_is_sent_to_login(client, completed, name):
    method = client.post if name in POST_VIEWS else client.get
    response = method(_url(name, completed.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", GET_VIEWS + list(POST_VIEWS))
def test_administration_may_look_but_not_plan(admin_client_role, completed, name):
    method = admin_client_role.post if name in POST_VIEWS else admin_client_role.get
    expected = 200 if name in ADMIN_MAY_SEE else 403
    assert method(_url(name, completed.pk)).status_code == expected


def test_create_page_access(caseworker_client, reporter_client, admin_client_role, client):
    url = reverse("placements:create")
    assert caseworker_client.get(url).status_code == 200
    assert reporter_client.get(url).status_code == 403
    assert admin_client_role.get(url).status_code == 403
    assert client.get(url)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "value", ["11¿'\"(", "http://example.org/", "1.5", "-3", "²", "9" * 30, "%20"]
)
def test_create_with_a_participant_that_is_no_number_is_not_found(caseworker_client, value):
    response = caseworker_client.get(reverse("placements:create"), {"participant": value})
    assert response.status_code == 404
    response = caseworker_client.get(reverse("placements:create"), {"employer": value})
    assert response.status_code == 200


def test_create_for_foreign_participant_is_not_found(caseworker_client, other_caseworker):
    foreign = ParticipantFactory(caseworker=other_caseworker)
    url = reverse("placements:create") + f"?participant={foreign.pk}"
    assert caseworker_client.get(url).status_code == 404
    assert caseworker_client.post(url, form_data(employer=EmployerFactory())).status_code == 404


def test_detail_view_is_logged(caseworker_client, placement, caseworker):
    caseworker_client.get(reverse("placements:detail", args=[placement.pk]))
    log = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (log.user, log.participant_id) == (caseworker, placement.participant_id)


# --- create and edit ---------------------------------------------------------------------


def test_plan_internship_with_prefill(caseworker_client, participant):
    employer = EmployerFactory(name="Metallbau Schäfer")
    supervisor = ContactPersonFactory(employer=employer)
    url = reverse("placements:create") + f"?participant={participant.pk}&employer={employer.pk}"
    page = caseworker_client.get(url).content.decode()
    assert "Husein Al Qasin" in page
    assert f'<option value="{employer.pk}" selected>' in page
    assert supervisor.name in page
    response = caseworker_client.post(url, form_data(employer=employer, supervisor=supervisor.pk))
    placement = Placement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("placements:detail", args=[placement.pk])
    assert (placement.participant, placement.supervisor, placement.state) == (
        participant,
        supervisor,
        S.PLANNED,
    )
    assert placement.created_by.username == "sabine"


def test_plan_without_prefill_offers_only_visible_participants(
    caseworker_client, participant, other_caseworker
):
    foreign = ParticipantFactory(caseworker=other_caseworker, last_name="Fremd")
    page = caseworker_client.get(reverse("placements:create")).content.decode()
    assert "Al Qasin" in page
    assert "Fremd" not in page
    response = caseworker_client.post(
        reverse("placements:create"), form_data(participant=foreign, employer=EmployerFactory())
    )
    assert response.status_code == 200
    assert not Placement.objects.exists()


def test_many_employers_are_searched_not_listed(caseworker_client, participant, settings):
    settings.EMPLOYER_SELECT_MAX = 1
    chosen = EmployerFactory(name="Metallbau Schäfer", city="Kassel")
    other = EmployerFactory(name="Bäckerei Abel", city="Vellmar")
    EmployerFactory(name="Metallbau Alt", city="Baunatal", state="pausiert")
    url = reverse("placements:create") + f"?participant={participant.pk}&employer={chosen.pk}"
    page = caseworker_client.get(url).content.decode()
    select = re.search(r'<select name="employer".*?</select>', page, re.S).group(0)
    assert f'<option value="{chosen.pk}" selected>Metallbau Schäfer (Kassel)</option>' in select
    assert "Bäckerei Abel" not in page  # never the whole table
    assert 'name="employer_q"' in page and 'aria-controls="id_employer"' in page

    # The search (htmx) offers active partners by name, place or postcode; the choice stays.
    choices = reverse("employers:choices")
    found = caseworker_client.get(choices, {"employer_q": "metall", "employer": chosen.pk})
    assert found.status_code == 200
    assert f'<option value="{chosen.pk}" selected>' in found.text
    assert "Metallbau Alt" not in found.text  # paused
    by_place = caseworker_client.get(choices, {"employer_q": "Vell"}).text
    assert f'<option value="{other.pk}">Bäckerei Abel (Vellmar)</option>' in by_place
    assert "kein passender Betrieb" in caseworker_client.get(choices, {"employer_q": "xyz"}).text

    # An employer found by the search (not rendered before) is a valid choice.
    response = caseworker_client.post(url, form_data(employer=other))
    assert response.status_code == 302
    assert Placement.objects.get().employer == other


def test_employer_choices_are_for_staff_only(reporter_client, client):
    for name in ("employers:choices", "employers:contact_choices"):
        url = reverse(name)
        assert reporter_client.get(url, {"employer_q": "a", "employer": 1}).status_code == 403
        assert client.get(url).status_code == 302


def test_choosing_the_employer_fills_the_supervisor_list(caseworker_client, participant):
    employer = EmployerFactory(name="Metallbau Schäfer")
    meyer = ContactPersonFactory(employer=employer, name="Jens Meyer")
    ContactPersonFactory(employer=employer, name="Ausgeschieden", is_active=False)
    ContactPersonFactory(employer=EmployerFactory(), name="Anderer Betrieb")
    page = caseworker_client.get(reverse("placements:create")).content.decode()
    select = re.search(r'<select name="employer".*?>', page).group(0)
    assert f'data-hx-get="{reverse("employers:contact_choices")}"' in select
    assert 'data-hx-target="#id_supervisor"' in select

    options = caseworker_client.get(
        reverse("employers:contact_choices"), {"employer": employer.pk}
    ).text
    assert f'<option value="{meyer.pk}">Jens Meyer' in options
    assert "Ausgeschieden" not in options and "Anderer Betrieb" not in options
    paused = EmployerFactory(state="pausiert")
    ContactPersonFactory(employer=paused, name="Pausiert")
    none = caseworker_client.get(reverse("employers:contact_choices"), {"employer": paused.pk})
    assert "Pausiert" not in none.text and "keine Ansprechperson" in none.text
    junk = caseworker_client.get(reverse("employers:contact_choices"), {"employer": "1 OR 1=1"})
    assert junk.status_code == 200 and "keine Ansprechperson" in junk.text


@pytest.mark.parametrize("junk", ["²", "٣", "99999999999999999999999", "-1", ""])
def test_odd_employer_ids_are_no_choice_and_no_500(caseworker_client, participant, settings, junk):
    settings.EMPLOYER_SELECT_MAX = 0  # the search widget renders the posted value again
    for name in ("employers:choices", "employers:contact_choices"):
        response = caseworker_client.get(reverse(name), {"employer": junk, "employer_q": "x"})
        assert response.status_code == 200
        assert " selected" not in response.text
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(url, form_data(employer=None) | {"employer": junk})
    assert response.status_code == 200
    assert not Placement.objects.exists()


def test_search_keeps_the_current_employer_of_an_edited_placement(caseworker_client):
    paused = EmployerFactory(name="Früher Partner", state="pausiert")
    found = caseworker_client.get(
        reverse("employers:choices"), {"employer_q": "zzz", "employer": paused.pk}
    )
    assert f'<option value="{paused.pk}" selected>Früher Partner' in found.text


def test_inactive_employer_cannot_be_chosen(caseworker_client, participant):
    employer = EmployerFactory(state="pausiert")
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(url, form_data(employer=employer))
    assert "Bitte einen aktiven Partnerbetrieb wählen." in response.content.decode()
    assert not Placement.objects.exists()


def test_form_shows_28_day_rule(caseworker_client, participant):
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(
        url, form_data(employer=EmployerFactory(), planned_end="2026-12-29")
    )
    assert response.status_code == 200
    assert (
        "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen); geplant "
        "sind 29 Tage." in response.content.decode()
    )
    assert not Placement.objects.exists()


def test_form_shows_overlap(caseworker_client, participant):
    PlacementFactory(
        participant=participant, planned_start=D(2026, 12, 10), planned_end=D(2026, 12, 20)
    )
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(url, form_data(employer=EmployerFactory()))
    assert "gibt es in diesem Zeitraum schon ein Praktikum" in response.content.decode()
    assert Placement.objects.count() == 1


def test_overbooking_warns_and_can_be_confirmed(caseworker_client, participant):
    employer = EmployerFactory(capacity=1)
    PlacementFactory(employer=employer, planned_start=D(2026, 12, 5), planned_end=D(2026, 12, 20))
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(url, form_data(employer=employer))
    assert "Der Betrieb hat 1 Praktikumsplatz/-plätze gleichzeitig" in response.content.decode()
    assert Placement.objects.count() == 1
    response = caseworker_client.post(url, form_data(employer=employer, confirm_overbooking="on"))
    assert response.status_code == 302
    assert Placement.objects.count() == 2


def test_edit_with_two_sessions_keeps_input_and_refuses_stale_save(caseworker, placement):
    first, second = Client(), Client()
    first.force_login(caseworker)
    second.force_login(caseworker)
    url = reverse("placements:edit", args=[placement.pk])
    first.get(url)
    second.get(url)
    data = form_data(
        employer=placement.employer, planned_start="2026-03-02", planned_end="2026-03-29"
    )
    data["version"] = placement.version
    assert first.post(url, {**data, "job_title": "Schweißer-Helfer"}).status_code == 302
    response = second.post(url, {**data, "job_title": "Lagerhelfer"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "inzwischen von jemand anderem geändert" in page
    assert 'value="Lagerhelfer"' in page
    placement.refresh_from_db()
    assert (placement.job_title, placement.version) == ("Schweißer-Helfer", 2)


# --- state changes on the detail page ------------------------------------------------------


def test_transitions_as_post_actions(caseworker_client, placement):
    url = lambda action: reverse("placements:transition", args=[placement.pk, action])  # noqa: E731
    assert caseworker_client.get(url("agree")).status_code == 405
    caseworker_client.post(
        url("agree"),
        {"agree-agreement_signed_on": "2026-02-20", "agree-insurance_confirmed_on": "2026-02-21"},
    )
    placement.refresh_from_db()
    assert placement.state == S.AGREED
    response = caseworker_client.post(url("start"), {"start-actual_start": "2026-03-02"})
    assert response.status_code == 302
    caseworker_client.post(url("complete"), {"complete-actual_end": "2026-03-27"})
    placement.refresh_from_db()
    assert (placement.state, placement.actual_start, placement.actual_end) == (
        S.COMPLETED,
        D(2026, 3, 2),
        D(2026, 3, 27),
    )


def test_start_refusal_is_shown_on_the_detail_page(caseworker_client, caseworker):
    participant = ParticipantFactory(caseworker=caseworker, consent_date=None)
    # The factory signs agreements; this one is agreed on but the signature is missing.
    placement = PlacementFactory(participant=participant, state=S.AGREED)
    Placement.objects.filter(pk=placement.pk).update(agreement_signed_on=None)
    response = caseworker_client.post(
        reverse("placements:transition", args=[placement.pk, "start"]),
        {"start-actual_start": "2026-03-02"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Die Praktikumsvereinbarung ist noch nicht unterschrieben." in page
    assert "Die Einwilligung der/des Teilnehmenden zur Datenverarbeitung ist nicht erfasst." in page
    placement.refresh_from_db()
    assert placement.state == S.AGREED


def test_abort_needs_a_reason(caseworker_client, placement):
    url = reverse("placements:transition", args=[placement.pk, "abort"])
    response = caseworker_client.post(url, {"abort-actual_end": "2026-03-01"})
    assert response.status_code == 422
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    caseworker_client.post(url, {"abort-actual_end": "2026-03-01", "abort-reason": "Umzug"})
    placement.refresh_from_db()
    assert (placement.state, placement.state_reason) == (S.ABORTED, "Umzug")


# --- check-ins ----------------------------------------------------------------------------


def test_add_checkin_plain_post_redirects(caseworker_client, running):
    response = caseworker_client.post(
        reverse("placements:checkin_add", args=[running.pk]),
        {"date": "2026-03-05", "with_whom": "Meister Hofmann", "rating": "gut", "issues": ""},
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().author.username == "sabine"


def test_add_checkin_with_htmx_returns_the_partial(caseworker_client, running):
    response = caseworker_client.post(
        reverse("placements:checkin_add", args=[running.pk]),
        {"date": "2026-03-05", "with_whom": "Meister Hofmann", "rating": "schwierig"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="begleitung"' in page
    assert "Meister Hofmann" in page and "schwierig" in page


def test_checkin_form_errors_are_shown(caseworker_client, running):
    response = caseworker_client.post(
        reverse("placements:checkin_add", args=[running.pk]),
        {"date": "", "with_whom": "", "rating": "gut"},
        headers={"HX-Request": "true"},
    )
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not CheckIn.objects.exists()


# --- assessment and outcome -----------------------------------------------------------------


def test_assessment_only_after_the_end(caseworker_client, placement):
    response = caseworker_client.get(
        reverse("placements:assessment", args=[placement.pk]), follow=True
    )
    assert (
        "Eine Beurteilung ist erst möglich, wenn der Einsatz beendet oder abgebrochen ist."
        in response.content.decode()
    )


def test_record_assessment(caseworker_client, completed):
    url = reverse("placements:assessment", args=[completed.pk])
    page = caseworker_client.get(url).content.decode()
    assert "sehr gut" in page and "mangelhaft" in page and "Pünktlichkeit" in page
    response = caseworker_client.post(
        url,
        {
            "assessed_on": "2026-03-27",
            **RATINGS,
            "comments": "Sehr motiviert",
            "recommendation": "empfohlen",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.punctuality, assessment.recorded_by.username) == (1, "sabine")


def test_outcome_apprenticeship_creates_follow_on_and_moves_case_to_placed(
    caseworker_client, completed
):
    Participant.objects.filter(pk=completed.participant_id).update(
        status=Participant.Status.EVALUATION
    )
    response = caseworker_client.post(
        reverse("placements:outcome", args=[completed.pk]),
        {
            "outcome": "ausbildung",
            "offer_from_employer": "on",
            "change_case_status": "on",
            "follow_on_job_title": "Ausbildung Pflegefachfrau",
        },
    )
    follow_on = Placement.objects.get(follows=completed)
    assert follow_on.job_title == "Ausbildung Pflegefachfrau"
    assert response.status_code == 302
    assert response["Location"] == reverse("placements:edit", args=[follow_on.pk])
    assert (follow_on.kind, follow_on.state, follow_on.employer, follow_on.participant) == (
        Placement.Kind.APPRENTICESHIP,
        S.PLANNED,
        completed.employer,
        completed.participant,
    )
    participant = Participant.objects.get(pk=completed.participant_id)
    assert (participant.status, participant.placed_as) == ("vermittelt", "ausbildung")
    assert participant.status_changes.get().changed_by.username == "sabine"
    completed.refresh_from_db()
    assert (completed.outcome, completed.offer_from_employer) == ("ausbildung", True)


def test_outcome_refuses_a_case_status_change_that_is_not_allowed(caseworker_client, completed):
    Participant.objects.filter(pk=completed.participant_id).update(status=Participant.Status.INTAKE)
    response = caseworker_client.post(
        reverse("placements:outcome", args=[completed.pk]),
        {"outcome": "beschaeftigung", "change_case_status": "on", "follow_on_job_title": "Helfer"},
    )
    assert response.status_code == 422
    assert (
        "Der Fallstatus kann nicht auf „Vermittelt“ gesetzt werden: von „Aufnahme“ ist das "
        "kein erlaubter Wechsel." in response.content.decode()
    )
    completed.refresh_from_db()
    assert completed.outcome == ""
    assert not Placement.objects.filter(follows=completed).exists()


def test_outcome_without_status_change_keeps_case_status(caseworker_client, completed):
    response = caseworker_client.post(
        reverse("placements:outcome", args=[completed.pk]), {"outcome": "qualifizierung"}
    )
    assert response.status_code == 302
    assert Participant.objects.get(pk=completed.participant_id).status == "aufnahme"
    assert not Placement.objects.filter(follows=completed).exists()


def test_outcome_another_internship_creates_a_28_day_internship(caseworker_client, completed):
    caseworker_client.post(
        reverse("placements:outcome", args=[completed.pk]),
        {"outcome": "weiteres_praktikum", "follow_on_job_title": "Lagerhelfer"},
    )
    follow_on = Placement.objects.get(follows=completed)
    assert follow_on.kind == Placement.Kind.INTERNSHIP
    assert follow_on.duration_days == 28
    # Submitting again does not create a second one.
    caseworker_client.post(
        reverse("placements:outcome", args=[completed.pk]), {"outcome": "weiteres_praktikum"}
    )
    assert Placement.objects.filter(follows=completed).count() == 1


def test_outcome_with_a_follow_on_asks_for_its_own_job_title(caseworker_client, completed):
    completed.job_title = "Pflegehelferin (Orientierung)"
    completed.save()
    url = reverse("placements:outcome", args=[completed.pk])
    response = caseworker_client.post(url, {"outcome": "ausbildung"})
    assert response.status_code == 422
    assert "Bitte die Tätigkeit des Anschluss-Einsatzes angeben" in response.content.decode()
    assert not Placement.objects.filter(follows=completed).exists()
    completed.refresh_from_db()
    assert completed.outcome == ""
    caseworker_client.post(
        url, {"outcome": "ausbildung", "follow_on_job_title": " Pflegefachfrau "}
    )
    assert Placement.objects.get(follows=completed).job_title == "Pflegefachfrau"


def test_outcome_without_follow_on_needs_no_job_title(caseworker_client, completed):
    response = caseworker_client.post(
        reverse("placements:outcome", args=[completed.pk]), {"outcome": "kein_anschluss"}
    )
    assert response.status_code == 302


def test_outcome_only_after_the_end(caseworker_client, placement):
    response = caseworker_client.post(
        reverse("placements:outcome", args=[placement.pk]), {"outcome": "ausbildung"}, follow=True
    )
    placement.refresh_from_db()
    assert placement.outcome == ""
    assert "wenn der Einsatz beendet oder abgebrochen ist" in response.content.decode()


# --- board ---------------------------------------------------------------------------------


def test_board_lists_sections_and_only_visible_placements(
    caseworker_client, participant, completed, foreign_placement
):
    running = PlacementFactory(
        participant=ParticipantFactory(caseworker=participant.caseworker, last_name="Laufend"),
        state=S.RUNNING,
        agreement_signed_on=D(2026, 11, 1),
        insurance_confirmed_on=D(2026, 11, 1),
        planned_start=D(2026, 11, 20),
        planned_end=D(2026, 12, 1),
    )
    page = caseworker_client.get(reverse("placements:board")).content.decode()
    assert "Laufende Praktika" in page and "Beendet, Beurteilung fehlt" in page
    assert reverse("placements:detail", args=[running.pk]) in page
    assert reverse("placements:detail", args=[completed.pk]) in page
    assert reverse("placements:detail", args=[foreign_placement.pk]) not in page
    assert "Kein Einsatz geplant." in page


def test_running_placements_ending_soon_come_first(caseworker_client, caseworker):
    def running(last_name, end):
        return PlacementFactory(
            participant=ParticipantFactory(caseworker=caseworker, last_name=last_name),
            state=S.RUNNING,
            agreement_signed_on=D(2026, 11, 1),
            insurance_confirmed_on=D(2026, 11, 1),
            planned_start=end - datetime.timedelta(days=20),
            planned_end=end,
        )

    running("Spaeter", D(2026, 12, 15))
    running("Frueher", D(2026, 12, 1))
    page = caseworker_client.get(reverse("placements:board")).content.decode()
    assert page.index("Frueher") < page.index("Spaeter")


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("placements:board")).status_code == 200
    return len(ctx.captured_queries)


def _make_rows(caseworker, n):
    for i in range(n):
        p = ParticipantFactory(caseworker=caseworker)
        start = D(2026, 1, 1) + datetime.timedelta(days=i)
        PlacementFactory(participant=p, planned_start=start, planned_end=start)
        PlacementFactory(
            participant=p,
            state=S.COMPLETED,
            planned_start=start - datetime.timedelta(days=60),
            planned_end=start - datetime.timedelta(days=50),
            agreement_signed_on=start,
            insurance_confirmed_on=start,
        )


def test_board_runs_a_constant_number_of_queries(caseworker_client, caseworker):
    _make_rows(caseworker, 2)
    few = _board_queries(caseworker_client)
    _make_rows(caseworker, 48)
    many = _board_queries(caseworker_client)
    assert few == many


def test_case_status_follows_the_internship_when_it_starts_and_ends(caseworker_client, participant):
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.INTERNSHIP_PREP)
    placement = PlacementFactory(
        participant=participant,
        state=S.AGREED,
        agreement_signed_on=D(2026, 2, 20),
        insurance_confirmed_on=D(2026, 2, 21),
    )
    response = caseworker_client.post(
        reverse("placements:transition", args=[placement.pk, "start"]),
        {"start-actual_start": "2026-03-02"},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == Participant.Status.INTERNSHIP
    response = caseworker_client.post(
        reverse("placements:transition", args=[placement.pk, "complete"]),
        {"complete-actual_end": "2026-03-27"},
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == Participant.Status.EVALUATION
    assert list(
        participant.status_changes.order_by("changed_at").values_list("to_status", "changed_on")
    ) == [("praktikum", D(2026, 3, 2)), ("auswertung", D(2026, 3, 27))]


def test_start_offers_no_forbidden_case_status_and_keeps_the_case(caseworker_client, participant):
    # Seen: the page offered "Fallstatus auf Praktikum setzen" and then refused it.
    placement = PlacementFactory(
        participant=participant,
        state=S.AGREED,
        agreement_signed_on=D(2026, 2, 20),
        insurance_confirmed_on=D(2026, 2, 21),
    )
    page = caseworker_client.get(reverse("placements:detail", args=[placement.pk]))
    assert "Fallstatus auf" not in page.content.decode()
    response = caseworker_client.post(
        reverse("placements:transition", args=[placement.pk, "start"]),
        {"start-actual_start": "2026-03-02"},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    participant.refresh_from_db()
    assert (placement.state, participant.status) == (S.RUNNING, Participant.Status.INTAKE)


def test_overlap_caught_only_by_the_database_is_shown_as_form_error(
    caseworker_client, participant, monkeypatch
):
    # As if another caseworker saved an overlapping internship between clean() and save().
    PlacementFactory(
        participant=participant, planned_start=D(2026, 12, 10), planned_end=D(2026, 12, 20)
    )
    monkeypatch.setattr(Placement, "overlapping_internships", lambda p, others: [])
    url = reverse("placements:create") + f"?participant={participant.pk}"
    response = caseworker_client.post(url, form_data(employer=EmployerFactory()))
    assert response.status_code == 200
    assert (
        "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein Praktikum."
        in response.content.decode()
    )
    assert Placement.objects.count() == 1


def test_list_partial_for_participant_and_employer_pages(caseworker, participant, completed):
    from django.template.loader import render_to_string

    from placements.queries import placements_of_employer, placements_of_participant

    foreign = PlacementFactory(
        employer=completed.employer, planned_start=D(2026, 6, 1), planned_end=D(2026, 6, 5)
    )
    assert list(placements_of_participant(caseworker, participant)) == [completed]
    assert list(placements_of_employer(caseworker, completed.employer)) == [completed]
    html = render_to_string(
        "placements/partials/list.html",
        {"placements": placements_of_employer(caseworker, completed.employer)},
    )
    assert reverse("placements:detail", args=[completed.pk]) in html
    assert reverse("placements:detail", args=[foreign.pk]) not in html


def test_running_internship_cannot_lose_its_agreement_in_the_edit_form(
    caseworker_client, participant
):
    placement = PlacementFactory(
        participant=participant,
        state=S.RUNNING,
        actual_start=D(2026, 3, 2),
        agreement_signed_on=D(2026, 2, 20),
        insurance_confirmed_on=D(2026, 2, 21),
    )
    data = form_data(
        employer=placement.employer,
        planned_start="2026-03-02",
        planned_end="2026-03-29",
        insurance_confirmed_on="2026-02-21",
        version=placement.version,
    )
    response = caseworker_client.post(reverse("placements:edit", args=[placement.pk]), data)
    assert response.status_code == 200
    assert "Ein laufendes Praktikum braucht die Vereinbarung." in response.content.decode()
    placement.refresh_from_db()
    assert placement.agreement_signed_on == D(2026, 2, 20)
