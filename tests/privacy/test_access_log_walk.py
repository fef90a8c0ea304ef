"""Every response that shows case data leaves an access-log row: full pages, htmx partials,
form answers, PDFs and exports, for every URL of the project (walked from the URL resolver).

A response shows case data when it contains the planted participant's name, note or goal (or
is a PDF or a JSON export of them). The walk sends GET, GET with `HX-Request` (and the
timeline's filter and "show more" parameters) and, for views that take POST, an invalid POST
with and without `HX-Request` (a form answered with the case file re-rendered).
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from fallmanagement.privacy.models import AccessLog
from placements.models import Assessment, Placement
from tests.factories import (
    CaseNoteFactory,
    FollowUpFactory,
    NetworkPartnerFactory,
    ParticipantFactory,
    PlacementFactory,
    case_extras,
)
from tests.participants.test_need_to_know import _leaks
from tests.test_url_access_matrix import _kwargs, all_url_names

pytestmark = pytest.mark.django_db

MARKER = "Markernachname"
# Texts of the case that partials show without the name (the timeline, side lists).
CASE_TEXTS = (MARKER, "Notiz zur Akte", "Deutsch B1")
# Pages that do not show any one case's data (even when the marker could appear, e.g. in a
# report's aggregates it never does).
NOT_CASE_DATA = ("reports:", "login", "logout", "healthz", "password_change", "otp_")


@pytest.fixture
def world(caseworker):
    participant = ParticipantFactory(caseworker=caseworker, last_name=MARKER)
    CaseNoteFactory(participant=participant, text="Notiz zur Akte")
    placement = PlacementFactory(
        participant=participant,
        state=Placement.State.COMPLETED,
        actual_start=datetime.date(2026, 3, 2),
        actual_end=datetime.date(2026, 3, 27),
    )
    Assessment.objects.create(
        placement=placement,
        recorded_by=caseworker,
        assessed_on=datetime.date(2026, 3, 27),
        recommendation="empfohlen",
        **dict.fromkeys(Assessment.RATED_FIELDS, 2),
    )
    network = NetworkPartnerFactory()
    return {
        "participant": participant,
        "placement": placement,
        "employer": placement.employer,
        "network": network,
        "followup": FollowUpFactory(participant=participant, due_on=datetime.date(2026, 12, 7)),
        "goal": participant.goals.create(
            text="Deutsch B1", agreed_on=datetime.date(2026, 1, 5), author=caseworker
        ),
        "recognition": participant.recognitions.create(
            reference_profession="Koch", network_partner=network
        ),
        "report": None,
        "job": None,
        **case_extras(participant, caseworker),
    }


def _shows_case_data(response) -> bool:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf") or "json" in content_type:
        return response.status_code == 200
    text = _leaks_text(response)
    return any(marker in text for marker in CASE_TEXTS)


def _leaks_text(response) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        return MARKER if "Markernachname" in _leaks(response) else ""
    body = b"".join(response) if response.streaming else response.content
    return body.decode(errors="replace")


def _requests(url: str, name: str):
    """(label, method, data, headers) for every way the walk calls `url`."""
    htmx = {"HTTP_HX_REQUEST": "true"}
    yield "GET", "get", {}, {}
    yield "GET htmx", "get", {}, htmx
    if name == "participants:detail":
        yield (
            "timeline",
            "get",
            {"art": "notiz", "anzahl": "1000"},
            {
                **htmx,
                "HTTP_HX_TARGET": "timeline",
            },
        )
    yield "POST invalid", "post", {}, {}
    yield "POST invalid htmx", "post", {}, htmx


def _walk(client, world):
    checked = []
    for name, pattern in all_url_names():
        if name.startswith(NOT_CASE_DATA):
            continue
        url = reverse(name, kwargs=_kwargs(name, pattern, world))
        if name == "participants:erase":
            continue  # a valid POST would erase; its GET is walked below with the others
        for label, method, data, headers in _requests(url, name):
            before = AccessLog.objects.count()
            response = getattr(client, method)(url, data, **headers)
            assert response.status_code < 500, (name, label)
            if response.status_code in (301, 302, 405):
                continue
            if _shows_case_data(response):
                assert AccessLog.objects.count() > before, (name, label, "no access-log row")
                checked.append((name, label))
    return checked


def test_every_response_with_case_data_is_access_logged_for_caseworkers(caseworker, world):
    client = Client(raise_request_exception=False)
    client.force_login(caseworker)
    checked = _walk(client, world)
    names = {name for name, _label in checked}
    assert {
        "participants:detail",
        "participants:recognition_edit",
        "participants:note_add",
        "placements:detail",
        "placements:certificate_pdf",
        "employers:matching",
        "employers:network_detail",
        "participants:list",
        "home",
    } <= names, names
    assert ("participants:detail", "timeline") in checked
    assert ("participants:note_add", "POST invalid htmx") in checked


def test_every_response_with_case_data_is_access_logged_for_administration(administrator, world):
    client = Client(raise_request_exception=False)
    client.force_login(administrator)
    checked = _walk(client, world)
    names = {name for name, _label in checked}
    assert {
        "participants:detail",
        "privacy:participant_history",
        "privacy:art15_json",
        "privacy:art15_pdf",
        "participants:reassign",
    } <= names, names


def test_htmx_timeline_names_the_case_in_the_log(caseworker_client, caseworker, world):
    participant = world["participant"]
    url = reverse("participants:detail", args=[participant.pk])
    response = caseworker_client.get(
        url, {"art": "notiz", "anzahl": "1000"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline"
    )
    assert response.status_code == 200
    assert "Notiz zur Akte" in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.user, log.participant_id, log.action, log.path) == (
        caseworker,
        participant.pk,
        AccessLog.Action.VIEW,
        url,  # never the query string
    )


def test_invalid_htmx_note_form_re_renders_the_case_file_and_logs(caseworker_client, world):
    participant = world["participant"]
    response = caseworker_client.post(
        reverse("participants:note_add", args=[participant.pk]),
        {"note-text": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert MARKER in response.content.decode()
    assert AccessLog.objects.filter(participant_id=participant.pk).count() == 1


def test_recognition_page_logs(caseworker_client, world):
    participant, procedure = world["participant"], world["recognition"]
    url = reverse("participants:recognition_edit", args=[participant.pk, procedure.pk])
    assert caseworker_client.get(url).status_code == 200
    log = AccessLog.objects.get()
    assert log.participant_id == participant.pk


def test_no_row_for_a_case_the_user_may_not_see(other_caseworker_client, world):
    url = reverse("participants:detail", args=[world["participant"].pk])
    assert other_caseworker_client.get(url).status_code == 404
    assert not AccessLog.objects.exists()
