"""Special-category data and confidential notes stay with the assigned caseworker.

A substitute with shared access may work on the case, but health notes, residence details and
confidential case notes reach no page, PDF or export they can open (markers planted, every URL
searched). The assigned caseworker does see them, which proves the search would find a leak.
"""

import pytest
from django.test import Client

from tests.factories import make_user
from tests.participants.test_need_to_know import _leaks, planted  # noqa: F401 (fixture)
from tests.privacy.test_hostile_input import discover_urls

pytestmark = pytest.mark.django_db

SPECIAL = {"Gesundheitsmarker", "Aufenthaltsmarker", "Notizmarker"}


def _seen_by(user, urls) -> set[str]:
    client = Client(raise_request_exception=True)
    client.force_login(user)
    seen: set[str] = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        seen.update(_leaks(response))
    return seen


def test_substitute_sees_the_case_but_no_special_categories_or_confidential_notes(
    planted,  # noqa: F811
    caseworker,
):
    from participants.models import Participant

    substitute = make_user("Fallmanagement", username="vertretung")
    Participant.objects.get(pk=planted["pk"]).shared_with.add(substitute)
    seen = _seen_by(substitute, discover_urls(planted))
    assert "Markernachname" in seen  # the substitute does work on the case
    assert seen & SPECIAL == set()


def test_assigned_caseworker_sees_special_categories_and_confidential_notes(
    planted,  # noqa: F811
    caseworker,
):
    seen = _seen_by(caseworker, discover_urls(planted))
    assert seen >= SPECIAL
