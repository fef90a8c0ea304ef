"""The two matching pages (employers for a participant, participants for an employer): filters,
reasons, pagination, who may use them, constant queries; and the placement form opened from a
match, prefilled."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employers.models import EmployerField
from participants.models import Participant
from placements.models import Placement
from tests.factories import ContactPersonFactory, EmployerFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

CARE_HELPER = "82101"
HAIR_HELPER = "82311"


def employer(name, *codes, **kwargs):
    e = EmployerFactory(name=name, **kwargs)
    for code in codes:
        EmployerField.objects.create(
            employer=e, kldb_group_id=code[:2], kldb_occupation_id=code if len(code) > 2 else None
        )
    return e


def next_monday():
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


@pytest.fixture
def care_wish(participant):
    participant.status = Participant.Status.PROFILING
    participant.save()
    participant.interest_occupations.add(CARE_HELPER)
    return participant


def test_matching_page_shows_care_before_hairdressing_with_reasons(caseworker_client, care_wish):
    employer("Salon Schnittpunkt", HAIR_HELPER, capacity=5)
    home = employer("Seniorenheim Am Park", CARE_HELPER, capacity=1)
    response = caseworker_client.get(reverse("employers:matching", args=[care_wish.pk]))
    content = response.content.decode()
    assert content.index("Seniorenheim Am Park") < content.index("Salon Schnittpunkt")
    assert "gleiche Berufsgattung: bietet 82101 Berufe in der Altenpflege" in content
    assert "gleiche Berufshauptgruppe: bietet 82311 Berufe im Friseurgewerbe" in content
    plan = (
        f"{reverse('placements:create')}?participant={care_wish.pk}&amp;employer={home.pk}"
        f"&amp;kldb={CARE_HELPER}"
    )
    assert plan in content


def test_matching_page_filters_by_field_and_place(caseworker_client, care_wish):
    care_wish.interest_occupations.add(HAIR_HELPER)
    employer("Salon Kassel", HAIR_HELPER)
    employer("Heim Göttingen", CARE_HELPER, postcode="37073", city="Göttingen")
    url = reverse("employers:matching", args=[care_wish.pk])
    by_field = caseworker_client.get(url, {"field": HAIR_HELPER}).content.decode()
    assert "Salon Kassel" in by_field and "Heim Göttingen" not in by_field
    by_place = caseworker_client.get(url, {"place": "370"}).content.decode()
    assert "Heim Göttingen" in by_place and "Salon Kassel" not in by_place
    # A code the person does not have is refused by the form, the page still answers.
    bad = caseworker_client.get(url, {"field": "11101"})
    assert bad.status_code == 200
    assert "Heim Göttingen" in bad.content.decode()


def test_matching_page_paginates(caseworker_client, care_wish):
    for i in range(27):
        employer(f"Heim {i:02d}", CARE_HELPER)
    url = reverse("employers:matching", args=[care_wish.pk])
    first = caseworker_client.get(url)
    assert len(first.context["employers"]) == 25 and first.context["total"] == 27
    second = caseworker_client.get(url, {"page": "2"})
    assert [e.name for e in second.context["employers"]] == ["Heim 25", "Heim 26"]
    beyond = caseworker_client.get(url, {"page": "9"})
    assert beyond.context["employers"][0].name == "Heim 00"


def queries_of(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    return len(queries), response


def test_matching_page_query_count_is_the_same_at_2_and_50_rows(caseworker_client, care_wish):
    url = reverse("employers:matching", args=[care_wish.pk])
    for i in range(2):
        employer(f"Heim {i}", CARE_HELPER, "82102")
    few, response = queries_of(caseworker_client, url)
    assert len(response.context["employers"]) == 2
    for i in range(2, 50):
        employer(f"Heim {i}", CARE_HELPER, "82102")
    many, response = queries_of(caseworker_client, url, {"place": "Kassel", "free": "now"})
    assert len(response.context["employers"]) == 25
    assert many == few <= 15


# --- participants for an employer --------------------------------------------------------------


def seeking(caseworker, last_name, code, **kwargs):
    p = ParticipantFactory(
        caseworker=caseworker, last_name=last_name, status=Participant.Status.PROFILING, **kwargs
    )
    if len(code) == 2:
        p.interest_groups.add(code)
    else:
        p.interest_occupations.add(code)
    return p


def test_seeking_page_lists_own_cases_best_first_with_reasons(caseworker, caseworker_client):
    home = employer("Seniorenheim Am Park", CARE_HELPER)
    seeking(caseworker, "Ahmadi", HAIR_HELPER)
    seeking(caseworker, "Yilmaz", CARE_HELPER)
    ParticipantFactory(last_name="Fremd", status=Participant.Status.PROFILING)
    response = caseworker_client.get(reverse("employers:seeking", args=[home.pk]))
    content = response.content.decode()
    assert content.index("Yilmaz") < content.index("Ahmadi")
    assert "Fremd" not in content
    assert "gleiche Berufsgattung" in content and "gleiche Berufshauptgruppe" in content
    filtered = caseworker_client.get(
        reverse("employers:seeking", args=[home.pk]), {"place": "99999"}
    )
    assert "Yilmaz" not in filtered.content.decode()
    assert "oder die Filter schließen alle aus" in filtered.content.decode()


def test_seeking_page_query_count_is_the_same_at_2_and_50_rows(caseworker, caseworker_client):
    home = employer("Heim", CARE_HELPER, "82102")
    url = reverse("employers:seeking", args=[home.pk])
    for i in range(2):
        seeking(caseworker, f"Person{i:02d}", CARE_HELPER if i % 2 else "82")
    few, response = queries_of(caseworker_client, url)
    assert len(response.context["page"].object_list) == 2
    for i in range(2, 50):
        seeking(caseworker, f"Person{i:02d}", CARE_HELPER if i % 2 else "82")
    many, response = queries_of(caseworker_client, url, {"field": CARE_HELPER})
    assert len(response.context["page"].object_list) == 25
    assert many == few <= 15


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("caseworker_client", 200),
        ("admin_client_role", 200),
        ("reporter_client", 403),
        ("no_role_client", 403),
    ],
)
def test_seeking_page_roles(request, client_name, expected):
    home = employer("Heim", CARE_HELPER)
    client = request.getfixturevalue(client_name)
    assert client.get(reverse("employers:seeking", args=[home.pk])).status_code == expected


def test_employer_page_links_to_the_seeking_page_and_gives_reasons(caseworker, caseworker_client):
    home = employer("Heim", CARE_HELPER)
    seeking(caseworker, "Yilmaz", CARE_HELPER)
    content = caseworker_client.get(reverse("employers:detail", args=[home.pk])).content.decode()
    assert reverse("employers:seeking", args=[home.pk]) in content
    assert "gleiche Berufsgattung" in content


# --- from a match to a placement ---------------------------------------------------------------


def test_placement_form_opens_prefilled_from_a_match(caseworker_client, care_wish):
    home = employer("Seniorenheim Am Park", CARE_HELPER)
    ContactPersonFactory(employer=home, name="Zora Ziegler")
    anna = ContactPersonFactory(employer=home, name="Anna Albers")
    url = reverse("placements:create")
    response = caseworker_client.get(
        url, {"participant": care_wish.pk, "employer": home.pk, "kldb": CARE_HELPER}
    )
    form = response.context["form"]
    start = next_monday()
    expected = {
        "employer": home.pk,
        "kind": Placement.Kind.INTERNSHIP,
        "legal_basis": Placement.LegalBasis.MILOG,
        "planned_start": start,
        "planned_end": start + datetime.timedelta(days=27),
        "supervisor": anna.pk,
        "kldb_group": "82",
        "kldb_occupation": CARE_HELPER,
    }
    assert {key: form.initial.get(key) for key in expected} == expected
    content = response.content.decode()
    assert f'<option value="{CARE_HELPER}" selected>' in content
    assert f'<option value="{anna.pk}" selected>' in content


def test_prefill_ignores_a_field_the_employer_does_not_offer_and_a_foreign_employer(
    caseworker_client, care_wish
):
    home = employer("Heim", CARE_HELPER)
    paused = employer("Pausiert", CARE_HELPER, state="pausiert")
    url = reverse("placements:create")
    response = caseworker_client.get(
        url, {"participant": care_wish.pk, "employer": home.pk, "kldb": HAIR_HELPER}
    )
    initial = response.context["form"].initial
    assert (initial["employer"], initial.get("kldb_occupation")) == (home.pk, None)
    response = caseworker_client.get(url, {"participant": care_wish.pk, "employer": paused.pk})
    assert response.context["form"].initial.get("employer") is None
    response = caseworker_client.get(url, {"participant": care_wish.pk, "employer": "²"})
    assert response.status_code == 200


def test_prefilled_placement_saves(caseworker_client, care_wish):
    home = employer("Seniorenheim Am Park", CARE_HELPER)
    start = next_monday()
    response = caseworker_client.post(
        f"{reverse('placements:create')}?participant={care_wish.pk}",
        {
            "employer": home.pk,
            "kind": Placement.Kind.INTERNSHIP,
            "kldb_group": "82",
            "kldb_occupation": CARE_HELPER,
            "job_title": "Pflegehelferin (Orientierung)",
            "planned_start": start.isoformat(),
            "planned_end": (start + datetime.timedelta(days=27)).isoformat(),
            "legal_basis": Placement.LegalBasis.MILOG,
            "version": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    placement = Placement.objects.get()
    assert (placement.kldb_group_id, placement.kldb_occupation_id) == ("82", CARE_HELPER)


def test_placement_refuses_an_occupation_outside_its_main_group(caseworker_client, care_wish):
    home = employer("Heim", CARE_HELPER)
    start = next_monday()
    response = caseworker_client.post(
        f"{reverse('placements:create')}?participant={care_wish.pk}",
        {
            "employer": home.pk,
            "kind": Placement.Kind.INTERNSHIP,
            "kldb_group": "81",
            "kldb_occupation": CARE_HELPER,
            "job_title": "Pflegehelferin",
            "planned_start": start.isoformat(),
            "planned_end": (start + datetime.timedelta(days=27)).isoformat(),
            "legal_basis": Placement.LegalBasis.MILOG,
        },
    )
    assert response.status_code == 200
    assert not Placement.objects.exists()


def test_kldb_options_lists_the_finer_codes_of_a_main_group(caseworker_client, reporter_client):
    url = reverse("kldb_options")
    content = caseworker_client.get(url, {"fields-0-kldb_group": "82"}).content.decode()
    assert '<option value="821">821 ' in content and '<option value="82311">' in content
    assert '<option value="81302">' not in content
    assert caseworker_client.get(url, {"kldb_group": "x'"}).content.decode().count("<option") == 1
    assert reporter_client.get(url, {"kldb_group": "82"}).status_code == 403
