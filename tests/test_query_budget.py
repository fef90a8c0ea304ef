"""Issue 19: every main page runs at most 12 queries, with 2 cases and with 50 (session, user
with roles/2FA/shared cases, the page's own queries and the access log included)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CaseNoteFactory,
    EmployerFactory,
    FollowUpFactory,
    ParticipantFactory,
    PlacementFactory,
)

BUDGET = 12


def _cases(caseworker, other_caseworker, n: int):
    today = timezone.localdate()
    cases = []
    for i in range(n):
        p = ParticipantFactory(
            caseworker=caseworker,
            residence_valid_until=today + datetime.timedelta(days=i % 20),
        )
        FollowUpFactory(participant=p, due_on=today - datetime.timedelta(days=i % 5))
        CaseNoteFactory(participant=p, date=today - datetime.timedelta(days=40))
        PlacementFactory(
            participant=p,
            employer=EmployerFactory(),
            planned_start=today + datetime.timedelta(days=1 + i % 3),
            planned_end=today + datetime.timedelta(days=20),
        )
        cases.append(p)
    shared = ParticipantFactory(caseworker=other_caseworker)
    shared.shared_with.add(caseworker)
    return cases


PAGES = [
    ("start page", "caseworker_client", lambda case: reverse("home")),
    ("caseload list", "caseworker_client", lambda case: reverse("participants:list")),
    (
        "caseload list, filtered",
        "caseworker_client",
        lambda case: reverse("participants:list") + "?status=aufnahme&sort=followup",
    ),
    ("caseload list (Administration)", "admin_client_role", lambda c: reverse("participants:list")),
    ("case file", "caseworker_client", lambda case: reverse("participants:detail", args=[case.pk])),
    ("employer list", "caseworker_client", lambda case: reverse("employers:list")),
    (
        "matching",
        "caseworker_client",
        lambda case: reverse("employers:matching", args=[case.pk]),
    ),
    ("placement board", "caseworker_client", lambda case: reverse("placements:board")),
    # The page of a large programme (the figures are built by a background job); the figures a
    # small programme gets on the page itself have their own budget (tests/reports).
    ("funding report page", "reporter_client", lambda case: reverse("reports:index")),
    ("start page (Administration)", "admin_client_role", lambda case: reverse("home")),
]


@pytest.mark.parametrize("rows", [2, 50])
@pytest.mark.parametrize(("name", "client_fixture", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_page_stays_within_twelve_queries(
    request,
    settings,
    caseworker,
    other_caseworker,
    django_assert_max_num_queries,
    rows,
    name,
    client_fixture,
    url,
):
    settings.REPORT_INLINE_MAX = 0
    case = _cases(caseworker, other_caseworker, rows)[0]
    client = request.getfixturevalue(client_fixture)
    path = url(case)
    assert client.get(path).status_code == 200  # warm: the session is written once
    with django_assert_max_num_queries(BUDGET):
        assert client.get(path).status_code == 200
