"""Caseload list: who sees which cases, filters, sorting, columns, pagination and a constant
number of queries per page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fallmanagement.core.models import KldbGroup
from participants.models import Participant, VocationalExperience
from tests.factories import FollowUpFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

LIST = reverse("participants:list")


def listed(client, query: str = "") -> str:
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_caseworker_sees_own_and_shared_cases_only(caseworker_client, caseworker, other_caseworker):
    ParticipantFactory(caseworker=caseworker, last_name="Eigen")
    shared = ParticipantFactory(caseworker=other_caseworker, last_name="Vertretung")
    shared.shared_with.add(caseworker)
    ParticipantFactory(caseworker=other_caseworker, last_name="Fremd")
    html = listed(caseworker_client)
    assert "Eigen" in html
    assert "Vertretung" in html
    assert "Fremd" not in html


def test_administration_sees_all_cases_and_the_caseworker_filter(
    admin_client_role, caseworker, other_caseworker
):
    ParticipantFactory(caseworker=caseworker, last_name="Eigen")
    ParticipantFactory(caseworker=other_caseworker, last_name="Fremd")
    html = listed(admin_client_role)
    assert "Eigen" in html and "Fremd" in html
    assert 'name="caseworker"' in html
    html = listed(admin_client_role, f"?caseworker={other_caseworker.pk}")
    assert "Fremd" in html and "Eigen" not in html


def test_filter_selects_keep_the_choice_and_escape_names(admin_client_role, caseworker):
    caseworker.first_name, caseworker.last_name = "<b>Eva</b>", "O'Neil & Co"
    caseworker.save()
    html = listed(admin_client_role, f"?caseworker={caseworker.pk}&country=SY")
    expected = (
        f'<option value="{caseworker.pk}" selected>&lt;b&gt;Eva&lt;/b&gt; O&#x27;Neil &amp; Co'
    )
    assert expected in html
    assert '<option value="SY" selected>Syrien</option>' in html
    assert '<option value="AF">Afghanistan</option>' in html
    select = re.search(r'<select name="caseworker".*?</select>', html, re.S).group(0)
    assert select.count(" selected") == 1


def test_caseload_sorts_names_as_in_german(caseworker_client, caseworker):
    for last_name in ("Zimmermann", "Özdemir", "van Dijk", "al-Hassan", "Abbas"):
        ParticipantFactory(caseworker=caseworker, last_name=last_name)
    response = caseworker_client.get(LIST, {"sort": "name"})
    order = [p.last_name for p in response.context["page"]]
    assert order == ["Abbas", "al-Hassan", "Özdemir", "van Dijk", "Zimmermann"]
    response = caseworker_client.get(LIST, {"sort": "-name"})
    assert [p.last_name for p in response.context["page"]] == order[::-1]


def test_caseworker_filter_is_not_offered_to_caseworkers(
    caseworker_client, caseworker, other_caseworker
):
    ParticipantFactory(caseworker=caseworker, last_name="Eigen")
    html = listed(caseworker_client, f"?caseworker={other_caseworker.pk}")
    assert 'name="caseworker"' not in html
    # The parameter is ignored, it does not widen or empty the list.
    assert "Eigen" in html


def test_berichtswesen_and_no_role_get_403(reporter_client, no_role_client):
    assert reporter_client.get(LIST).status_code == 403
    assert no_role_client.get(LIST).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_columns_show_status_country_german_caseworker_and_next_followup(
    caseworker_client, caseworker
):
    p = ParticipantFactory(caseworker=caseworker, last_name="Haddad", country_of_origin="SY")
    FollowUpFactory(participant=p, due_on=datetime.date(2030, 5, 6))
    FollowUpFactory(participant=p, due_on=datetime.date(2030, 5, 1))
    FollowUpFactory(participant=p, due_on=datetime.date(2030, 4, 1), done_on=datetime.date.today())
    html = listed(caseworker_client)
    assert "Syrien" in html
    assert "Aufnahme" in html
    assert "A2" in html
    assert caseworker.get_full_name() in html
    assert "01.05.2030" in html
    assert "06.05.2030" not in html
    assert "01.04.2030" not in html
    assert reverse("participants:detail", args=[p.pk]) in html


def test_overdue_followup_is_marked_in_words(caseworker_client, caseworker):
    p = ParticipantFactory(caseworker=caseworker)
    FollowUpFactory(participant=p, due_on=datetime.date(2020, 1, 1))
    assert "überfällig" in listed(caseworker_client)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=profiling", {"Profil"}),
        ("?country=AF", {"Afghan"}),
        ("?residence_status=duldung", {"Geduldet"}),
        ("?german_level=B1", {"Profil"}),
        ("?kldb_area=2", {"Metall", "Interesse"}),
        ("?status=profiling&country=SY", set()),
    ],
)
def test_filters(caseworker_client, caseworker, query, expected):
    metal = KldbGroup.objects.get(code="24")
    ParticipantFactory(
        caseworker=caseworker,
        last_name="Profil",
        status=Participant.Status.PROFILING,
        german_level="B1",
        country_of_origin="IQ",
    )
    ParticipantFactory(caseworker=caseworker, last_name="Afghan", country_of_origin="AF")
    ParticipantFactory(
        caseworker=caseworker,
        last_name="Geduldet",
        residence_status=Participant.ResidenceStatus.DULDUNG,
    )
    with_experience = ParticipantFactory(caseworker=caseworker, last_name="Metall")
    VocationalExperience.objects.create(participant=with_experience, kldb_group=metal, years=3)
    ParticipantFactory(caseworker=caseworker, last_name="Interesse").interest_groups.add(metal)
    html = listed(caseworker_client, query)
    for name in ("Profil", "Afghan", "Geduldet", "Metall", "Interesse"):
        assert (f">{name}, " in html) == (name in expected), name
    if not expected:
        assert "Keine Teilnehmenden gefunden" in html


def test_sorting(caseworker_client, caseworker):
    early = ParticipantFactory(
        caseworker=caseworker, last_name="Zeta", entry_date=datetime.date(2024, 1, 1)
    )
    late = ParticipantFactory(
        caseworker=caseworker, last_name="Alpha", entry_date=datetime.date(2026, 1, 1)
    )
    FollowUpFactory(participant=early, due_on=datetime.date(2026, 12, 1))
    FollowUpFactory(participant=late, due_on=datetime.date(2026, 12, 9))

    def order(query):
        html = listed(caseworker_client, query)
        return html.index(">Zeta, ") < html.index(">Alpha, ")

    assert not order("")  # name A-Z
    assert order("?sort=-name")
    assert order("?sort=entry")
    assert not order("?sort=-entry")
    assert order("?sort=followup")


def test_pagination_shows_25_per_page(caseworker_client, caseworker):
    ParticipantFactory.create_batch(30, caseworker=caseworker)
    html = listed(caseworker_client)
    assert html.count('<th scope="row">') == 25
    assert "Seite 1 von 2" in html
    html = listed(caseworker_client, "?page=2")
    assert html.count('<th scope="row">') == 5


def test_empty_caseload_invites_to_intake(caseworker_client):
    html = listed(caseworker_client)
    assert "Noch keine Teilnehmenden." in html
    assert reverse("participants:create") in html


def _queries(client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("query", ["", "?sort=followup&kldb_area=2", "?status=aufnahme"])
def test_list_runs_constant_queries_with_10_and_200_rows(
    caseworker_client, caseworker, other_caseworker, query
):
    metal = KldbGroup.objects.get(code="24")

    def make(n):
        for p in ParticipantFactory.create_batch(n, caseworker=caseworker):
            FollowUpFactory(participant=p)
            p.interest_groups.add(metal)
            p.shared_with.add(other_caseworker)

    make(10)
    few = _queries(caseworker_client, query)
    make(190)
    many = _queries(caseworker_client, query)
    assert few == many


def test_admin_list_runs_constant_queries(admin_client_role, caseworker, other_caseworker):
    ParticipantFactory.create_batch(10, caseworker=caseworker)
    few = _queries(admin_client_role)
    ParticipantFactory.create_batch(100, caseworker=other_caseworker)
    ParticipantFactory.create_batch(90, caseworker=caseworker)
    assert _queries(admin_client_role) == few


def test_two_people_of_the_same_name_are_told_apart(caseworker_client, caseworker):
    first = ParticipantFactory(
        caseworker=caseworker,
        first_name="Zahra",
        last_name="Rahimi",
        date_of_birth=datetime.date(1998, 2, 1),
    )
    second = ParticipantFactory(
        caseworker=caseworker, first_name="Zahra", last_name="Rahimi", date_of_birth=None
    )
    html = caseworker_client.get(reverse("participants:list")).content.decode()
    assert f"Jg. 1998 · Fall-Nr. {first.pk}" in html
    assert f"Fall-Nr. {second.pk}" in html
