"""The employer list: search, filters, sorting, pagination, query count and the CSV export."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employers.models import Employer, EmployerField
from fallmanagement.privacy.models import AccessLog
from tests.factories import EmployerFactory, PlacementFactory

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    """The office's today when called (a run may cross midnight in Berlin)."""
    return timezone.localdate()


def names(response):
    return [e.name for e in response.context["page"]]


def with_field(e, code):
    EmployerField.objects.create(employer=e, kldb_group_id=code)
    return e


def running_internship(e):
    return PlacementFactory(
        employer=e,
        state="laeuft",
        planned_start=today() - datetime.timedelta(days=2),
        planned_end=today() + datetime.timedelta(days=20),
    )


def test_search_by_name_and_place(caseworker_client):
    EmployerFactory(name="Bäckerei Jobi", city="Kassel")
    EmployerFactory(name="Hotel Schmid", city="Baunatal", postcode="34225")
    url = reverse("employers:list")
    assert names(caseworker_client.get(url, {"q": "bäck"})) == ["Bäckerei Jobi"]
    assert names(caseworker_client.get(url, {"q": "baunatal"})) == ["Hotel Schmid"]


def test_filter_by_state_area_training_and_free_capacity(caseworker_client):
    metal = with_field(EmployerFactory(name="Metall", capacity=1), "24")
    running_internship(metal)  # no free place today
    with_field(EmployerFactory(name="Hotel", is_training_company=True, chamber="ihk"), "63")
    with_field(EmployerFactory(name="Kfz", state=Employer.PartnershipState.PAUSED), "25")
    url = reverse("employers:list")
    assert names(caseworker_client.get(url, {"state": "pausiert"})) == ["Kfz"]
    assert names(caseworker_client.get(url, {"area": "2"})) == ["Kfz", "Metall"]
    assert names(caseworker_client.get(url, {"is_training_company": "on"})) == ["Hotel"]
    assert names(caseworker_client.get(url, {"free_now": "on"})) == ["Hotel", "Kfz"]


def test_employer_with_two_fields_in_one_area_is_listed_once(caseworker_client):
    e = EmployerFactory(name="Metall")
    with_field(e, "24")
    with_field(e, "25")
    assert names(caseworker_client.get(reverse("employers:list"), {"area": "2"})) == ["Metall"]


def test_deactivated_employers_are_hidden_unless_asked_for(caseworker_client):
    EmployerFactory(name="Aktiv")
    EmployerFactory(name="Deaktiviert", is_active=False)
    url = reverse("employers:list")
    assert names(caseworker_client.get(url)) == ["Aktiv"]
    assert names(caseworker_client.get(url, {"show_inactive": "on"})) == ["Aktiv", "Deaktiviert"]


def test_sorting_by_place_and_free_places(caseworker_client):
    EmployerFactory(name="A", city="Vellmar", capacity=1)
    EmployerFactory(name="B", city="Baunatal", capacity=3)
    url = reverse("employers:list")
    assert names(caseworker_client.get(url, {"sort": "city"})) == ["B", "A"]
    assert names(caseworker_client.get(url, {"sort": "-free_now"})) == ["B", "A"]
    assert names(caseworker_client.get(url, {"sort": "free_now"})) == ["A", "B"]


def test_names_and_places_sort_as_in_german(caseworker_client):
    # Byte order (a C-locale database) would put umlauts and lower-case names last.
    for name, city in [
        ("Zahntechnik Ost", "Zierenberg"),
        ("Ärztehaus Nord", "Ahnatal"),
        ("von Berg KG", "Österreich"),
        ("Bäckerei Abel", "bad Arolsen"),
    ]:
        EmployerFactory(name=name, city=city)
    url = reverse("employers:list")
    assert names(caseworker_client.get(url)) == [
        "Ärztehaus Nord",
        "Bäckerei Abel",
        "von Berg KG",
        "Zahntechnik Ost",
    ]
    by_city = names(caseworker_client.get(url, {"sort": "city"}))
    assert by_city == ["Ärztehaus Nord", "Bäckerei Abel", "von Berg KG", "Zahntechnik Ost"]


def test_list_is_paginated(caseworker_client):
    EmployerFactory.create_batch(30)
    response = caseworker_client.get(reverse("employers:list"))
    assert len(response.context["page"]) == 25
    second = caseworker_client.get(reverse("employers:list"), {"page": 2})
    assert len(second.context["page"]) == 5


def test_empty_list_says_so(caseworker_client):
    response = caseworker_client.get(reverse("employers:list"))
    assert "Noch keine Betriebe erfasst." in response.content.decode()


def test_list_query_count_is_constant(caseworker_client):
    def make(n):
        for _ in range(n):
            e = with_field(EmployerFactory(), "24")
            with_field(e, "25")
            running_internship(e)

    url = reverse("employers:list")
    make(2)
    with CaptureQueriesContext(connection) as few:
        assert caseworker_client.get(url).status_code == 200
    make(48)
    with CaptureQueriesContext(connection) as many:
        response = caseworker_client.get(url)
    assert response.context["page"].paginator.count == 50
    assert len(many) == len(few)


def test_free_capacity_in_list_counts_agreed_and_running_today_only(caseworker_client):
    e = EmployerFactory(name="Metall", capacity=3)
    running_internship(e)
    PlacementFactory(employer=e, state="geplant", planned_start=today(), planned_end=today())
    PlacementFactory(employer=e, state="beendet")
    listed = caseworker_client.get(reverse("employers:list")).context["page"][0]
    assert listed.free_now == 2


# --- CSV export ------------------------------------------------------------------------------


def test_csv_export_for_german_excel_with_filter_and_log(admin_client_role, administrator):
    with_field(EmployerFactory(name="Bäckerei Jobi", phone="0561 12345"), "29")
    EmployerFactory(name="Hotel Schmid", state=Employer.PartnershipState.PAUSED)
    response = admin_client_role.get(reverse("employers:export"), {"state": "aktiv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Name", "Rechtsform", "Straße", "PLZ", "Ort"]
    assert len(rows) == 2
    assert rows[1][0] == "Bäckerei Jobi"
    assert rows[1][9] == "29"
    assert "aktiver Partner" in rows[1]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == administrator and log.object_type == "employers.Employer"


def test_csv_export_refused_for_caseworker(caseworker_client):
    assert caseworker_client.get(reverse("employers:export")).status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_bad_filter_input_does_not_break_the_list(caseworker_client):
    EmployerFactory(name="Metall")
    response = caseworker_client.get(
        reverse("employers:list"), {"state": "quatsch", "area": "x", "sort": "nix", "page": "z"}
    )
    assert response.status_code == 200


def test_employer_page_query_count_is_constant(caseworker_client, caseworker):
    from tests.factories import ParticipantFactory

    e = EmployerFactory(capacity=5)
    url = reverse("employers:detail", args=[e.pk])
    PlacementFactory(employer=e, participant=ParticipantFactory(caseworker=caseworker))
    with CaptureQueriesContext(connection) as few:
        caseworker_client.get(url)
    for i in range(15):
        start = datetime.date(2025, 1, 6) + datetime.timedelta(days=35 * i)
        PlacementFactory(
            employer=e,
            planned_start=start,
            planned_end=start + datetime.timedelta(days=27),
            state="beendet",
            outcome="beschaeftigung",
        )
    with CaptureQueriesContext(connection) as many:
        response = caseworker_client.get(url)
    assert len(response.context["past_placements"]) == 15
    assert len(response.context["current_placements"]) == 1
    assert len(many) == len(few)


def test_csv_export_neutralises_formulas_but_keeps_phone_numbers(admin_client_role):
    EmployerFactory(name="=HYPERLINK(1)", phone="+49 561 12345")
    response = admin_client_role.get(reverse("employers:export"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[1][7] == "+49 561 12345"
