"""Need-to-know over every URL: markers planted in a participant's data never reach a user who
may not see that participant (another caseworker, Berichtswesen, no role, anonymous).

URLs are discovered from the URL configuration, so views added later are covered too.
"""

import pytest
from django.test import Client

from tests.factories import CaseNoteFactory, ParticipantFactory, PlacementFactory
from tests.privacy.test_hostile_input import discover_urls

pytestmark = pytest.mark.django_db

MARKERS = ["Markernachname", "Gesundheitsmarker", "Aufenthaltsmarker", "Notizmarker"]


@pytest.fixture
def planted(caseworker):
    p = ParticipantFactory(
        caseworker=caseworker,
        last_name="Markernachname",
        health_notes="Gesundheitsmarker",
        residence_details="Aufenthaltsmarker",
    )
    CaseNoteFactory(participant=p, text="Notizmarker", confidential=True)
    placement = PlacementFactory(participant=p)
    return {
        "pk": p.pk,
        "participant_pk": p.pk,
        "placement_pk": placement.pk,
        "employer_pk": placement.employer_id,
    }


def _leaks(response) -> list[str]:
    if response.get("Content-Type", "").startswith("application/pdf"):
        from io import BytesIO

        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    else:
        text = (
            b"".join(response).decode(errors="replace")
            if response.streaming
            else (response.content.decode(errors="replace"))
        )
    return [m for m in MARKERS if m in text]


@pytest.mark.parametrize("who", ["other_caseworker", "reporter", "no_role_user", "anonymous"])
def test_no_url_shows_a_participant_to_someone_without_need_to_know(who, planted, request):
    client = Client(raise_request_exception=True)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    checked = 0
    for url in discover_urls(planted):
        response = client.get(url)
        assert response.status_code < 500, url
        if who == "anonymous" and not url.startswith(("/healthz", "/accounts/")):
            assert response.status_code in {302, 404}, url
        assert _leaks(response) == [], (who, url)
        checked += 1
    assert checked > 10


def test_the_marker_check_would_notice_a_leak(planted, administrator):
    # Sanity check of the test itself: Administration does see the planted data somewhere.
    client = Client()
    client.force_login(administrator)
    seen = set()
    for url in discover_urls(planted):
        seen.update(_leaks(client.get(url)))
    assert "Markernachname" in seen
