"""The Django admin's case form (Administration reassigns and shares cases there)."""

import pytest

from participants.models import CaseShareChange, Participant
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _url(participant) -> str:
    return f"/admin/participants/participant/{participant.pk}/change/"


def test_second_of_two_admin_saves_is_refused_and_changes_nothing(
    admin_client_role, participant, caseworker
):
    other = make_user("Fallmanagement", username="vertretung2")
    loaded = participant.version
    first = admin_client_role.post(
        _url(participant),
        {"caseworker": caseworker.pk, "shared_with": [other.pk], "version": loaded},
    )
    assert first.status_code == 302
    participant.refresh_from_db()
    assert participant.version == loaded + 1
    assert list(participant.shared_with.all()) == [other]

    # The second administrator still has the form as it was loaded before the first save.
    second = admin_client_role.post(
        _url(participant), {"caseworker": caseworker.pk, "shared_with": [], "version": loaded}
    )
    assert second.status_code == 200
    assert "inzwischen von jemand anderem geändert" in second.text
    participant.refresh_from_db()
    assert list(participant.shared_with.all()) == [other]  # the first save stands
    assert CaseShareChange.objects.filter(participant=participant).count() == 1


def test_caseworker_cannot_open_the_admin_case_form(caseworker_client, participant):
    response = caseworker_client.get(_url(participant))
    assert response.status_code == 302  # to the admin login, not the form
    assert Participant.objects.filter(pk=participant.pk).exists()
