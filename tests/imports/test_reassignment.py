"""Bulk reassignment (Administration): filter, select, new caseworker, reason, handover."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fallmanagement.imports.models import Reassignment
from participants.models import CaseHandover, Participant

from ..factories import ParticipantFactory

URL = reverse("participants:bulk_reassign")


@pytest.fixture
def cases(caseworker, other_caseworker):
    return [ParticipantFactory(caseworker=caseworker, last_name=f"Fall{i}") for i in range(3)]


@pytest.mark.parametrize(
    "client_fixture", ["caseworker_client", "reporter_client", "no_role_client"]
)
def test_only_administration_may_reassign_in_bulk(request, client_fixture, cases, other_caseworker):
    client = request.getfixturevalue(client_fixture)
    assert client.get(URL).status_code == 403
    response = client.post(
        URL, {"cases": [cases[0].pk], "caseworker": other_caseworker.pk, "reason": "x"}
    )
    assert response.status_code == 403
    assert Participant.objects.filter(caseworker=other_caseworker).count() == 0


def test_reassign_selected_cases_with_reason(
    admin_client_role, administrator, cases, caseworker, other_caseworker
):
    page = admin_client_role.get(URL, {"caseworker": caseworker.pk})
    assert page.status_code == 200
    assert [c.pk for c in page.context["cases"]] == sorted(
        (c.pk for c in cases), key=lambda pk: Participant.objects.get(pk=pk).last_name
    )
    response = admin_client_role.post(
        f"{URL}?caseworker={caseworker.pk}",
        {
            "cases": [cases[0].pk, cases[1].pk],
            "caseworker": other_caseworker.pk,
            "reason": "Elternzeit von Sabine",
        },
    )
    assert response.status_code == 302
    assert set(Participant.objects.filter(caseworker=other_caseworker)) == {cases[0], cases[1]}
    assert Participant.objects.get(pk=cases[2].pk).caseworker == caseworker
    rows = Reassignment.objects.order_by("participant_id")
    assert [(r.participant_id, r.from_caseworker, r.to_caseworker, r.reason) for r in rows] == [
        (cases[0].pk, caseworker, other_caseworker, "Elternzeit von Sabine"),
        (cases[1].pk, caseworker, other_caseworker, "Elternzeit von Sabine"),
    ]
    assert Participant.objects.get(pk=cases[0].pk).version == 2
    # Without a handover the previous caseworker loses access at once.
    assert not Participant.objects.visible_to(caseworker).filter(pk=cases[0].pk).exists()


def test_reason_and_selection_are_required(admin_client_role, cases, other_caseworker):
    response = admin_client_role.post(URL, {"caseworker": other_caseworker.pk, "reason": ""})
    assert response.status_code == 400
    assert "Bitte mindestens einen Fall auswählen." in response.text
    assert not Reassignment.objects.exists()


def test_handover_keeps_access_until_it_ends(
    admin_client_role, cases, caseworker, other_caseworker
):
    until = timezone.localdate() + datetime.timedelta(days=14)
    admin_client_role.post(
        URL,
        {
            "cases": [cases[0].pk],
            "caseworker": other_caseworker.pk,
            "reason": "Umzug ins andere Team",
            "handover_until": until.isoformat(),
        },
    )
    visible = Participant.objects.visible_to(type(caseworker).objects.get(pk=caseworker.pk))
    assert visible.filter(pk=cases[0].pk).exists()
    # Read access only: a handover, not a share (tests/participants/test_handover.py).
    assert not cases[0].shared_with.filter(pk=caseworker.pk).exists()
    assert list(
        CaseHandover.objects.values_list("participant", "previous_caseworker", "until")
    ) == [(cases[0].pk, caseworker.pk, until)]
    CaseHandover.objects.update(until=timezone.localdate() - datetime.timedelta(days=1))
    again = type(caseworker).objects.get(pk=caseworker.pk)  # a new request: nothing cached
    assert not Participant.objects.visible_to(again).filter(pk=cases[0].pk).exists()


def test_handover_longer_than_90_days_is_refused(admin_client_role, cases, other_caseworker):
    until = timezone.localdate() + datetime.timedelta(days=91)
    response = admin_client_role.post(
        URL,
        {
            "cases": [cases[0].pk],
            "caseworker": other_caseworker.pk,
            "reason": "x",
            "handover_until": until.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "höchstens in 90 Tagen" in response.text


@pytest.mark.parametrize("n", [2, 50])
def test_page_queries_do_not_grow(admin_client_role, caseworker, n, django_assert_max_num_queries):
    for i in range(n):
        ParticipantFactory(caseworker=caseworker, last_name=f"Q{i}")
    with django_assert_max_num_queries(14):
        assert admin_client_role.get(URL).status_code == 200
