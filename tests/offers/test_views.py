"""The offer catalogue and the referral pages through the test client, as every role:
who may and who may not, 404 for other caseworkers' cases, access log, optimistic locking,
bad input without 500, constant queries."""

import datetime

import pytest
from django.urls import reverse

from fallmanagement.privacy.models import AccessLog
from offers.models import Offer, Referral
from participants.models import Participant
from tests.factories import NetworkPartnerFactory, ParticipantFactory, PlacementFactory

from .factories import OfferFactory, ReferralFactory

pytestmark = pytest.mark.django_db
D = datetime.date
S = Referral.State


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 7, 10)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


@pytest.fixture
def offer():
    return OfferFactory(title="Berufssprachkurs B1 Pflege", starts_on=D(2026, 9, 1), ends_on=None)


@pytest.fixture
def referral(participant, offer):
    return ReferralFactory(participant=participant, offer=offer, proposed_on=D(2026, 2, 1))


# --- catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "status"),
    [
        ("caseworker_client", 200),
        ("admin_client_role", 200),
        ("reporter_client", 403),
        ("no_role_client", 403),
    ],
)
def test_catalogue_is_for_caseworkers_and_administration(request, client_name, status, offer):
    client = request.getfixturevalue(client_name)
    assert client.get(reverse("offers:list")).status_code == status
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == status


def test_catalogue_lists_bookable_offers_and_hides_one_offs(caseworker_client, today, offer):
    OfferFactory(title="Vergangener Kurs", starts_on=D(2026, 1, 5), ends_on=D(2026, 6, 30))
    OfferFactory(title="Einzeltermin Beratung", is_one_off=True)
    body = caseworker_client.get(reverse("offers:list")).content.decode()
    assert "Berufssprachkurs B1 Pflege" in body
    assert "Vergangener Kurs" not in body
    assert "Einzeltermin Beratung" not in body
    body = caseworker_client.get(reverse("offers:list") + "?alle=1").content.decode()
    assert "Vergangener Kurs" in body


def test_catalogue_filters_by_kind_and_search_and_shows_empty_state(caseworker_client, offer):
    url = reverse("offers:list")
    assert "Berufssprachkurs B1 Pflege" in caseworker_client.get(url + "?q=pflege").content.decode()
    body = caseworker_client.get(url + "?art=kinderbetreuung").content.decode()
    assert "Keine Angebote passen zur Suche." in body
    # nonsense parameters are ignored, not a 500
    assert caseworker_client.get(url + "?art=xyz&page=x&q=" + "a" * 500).status_code == 200


def test_catalogue_shows_taken_places_and_full(caseworker_client, offer):
    offer.places = 1
    offer.save()
    ReferralFactory(offer=offer, state=S.REGISTERED)
    body = caseworker_client.get(reverse("offers:list")).content.decode()
    assert "1 / 1" in body
    assert "ausgebucht" in body


def test_catalogue_query_count_is_constant(caseworker_client, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            ReferralFactory(offer=OfferFactory(), state=S.REGISTERED)

    make(2)
    with django_assert_max_num_queries(12) as few:
        assert caseworker_client.get(reverse("offers:list")).status_code == 200
    make(48)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert caseworker_client.get(reverse("offers:list")).status_code == 200


def _offer_data(partner_obj, **changes):
    data = {
        "partner": partner_obj.pk,
        "title": "Integrationskurs mit Kinderbetreuung",
        "kind": Offer.Kind.INTEGRATION_COURSE,
        "target_level": "B1",
        "starts_on": "2026-09-01",
        "ends_on": "2027-03-31",
        "schedule": "Mo–Fr 8:30–12:45 Uhr",
        "place": "Kassel",
        "places": "20",
        "funding": Offer.Funding.BAMF,
        "contact": "",
        "notes": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_administration_creates_and_edits_an_offer(admin_client_role, administrator):
    partner = NetworkPartnerFactory(name="VHS Region Kassel")
    response = admin_client_role.post(reverse("offers:create"), _offer_data(partner))
    offer = Offer.objects.get()
    assert response.status_code == 302
    assert (offer.kind, offer.places, offer.created_by, offer.is_one_off) == (
        "integrationskurs",
        20,
        administrator,
        False,
    )
    data = _offer_data(partner, places="25", version=offer.version)
    assert admin_client_role.post(reverse("offers:edit", args=[offer.pk]), data).status_code == 302
    offer.refresh_from_db()
    assert (offer.places, offer.version) == (25, 2)


def test_offer_edit_with_a_stale_version_is_refused(admin_client_role, offer):
    data = _offer_data(offer.partner, places="3", version=offer.version)
    Offer.objects.filter(pk=offer.pk).update(version=5)
    response = admin_client_role.post(reverse("offers:edit", args=[offer.pk]), data)
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in response.content.decode()
    offer.refresh_from_db()
    assert offer.places == 12


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_on": "2026-08-01"},  # before the start
        {"kind": "bewerbungstraining"},  # a target level without a language course
        {"places": "-3"},
        {"partner": "999999"},
        {"starts_on": "31.02.2026"},
        {"contact": "abc"},
    ],
)
def test_offer_form_refuses_bad_input_without_500(admin_client_role, changes):
    partner = NetworkPartnerFactory()
    response = admin_client_role.post(reverse("offers:create"), _offer_data(partner, **changes))
    assert response.status_code == 422
    assert not Offer.objects.exists()


def test_contact_of_another_partner_is_refused(admin_client_role):
    partner, other = NetworkPartnerFactory(), NetworkPartnerFactory()
    contact = other.contacts.create(name="Frau Demir")
    data = _offer_data(partner, contact=contact.pk)
    response = admin_client_role.post(reverse("offers:create"), data)
    assert response.status_code == 422
    assert "gehört nicht zu diesem Netzwerkpartner" in response.content.decode()


@pytest.mark.parametrize("name", ["offers:create", "offers:edit"])
def test_caseworkers_cannot_keep_the_catalogue(caseworker_client, offer, name):
    args = [offer.pk] if name == "offers:edit" else []
    assert caseworker_client.get(reverse(name, args=args)).status_code == 403
    assert caseworker_client.post(reverse(name, args=args), {}).status_code == 403


# --- referring ---------------------------------------------------------------------------


def test_caseworker_refers_to_a_catalogue_offer(caseworker_client, caseworker, participant, offer):
    goal = participant.goals.create(text="Deutsch B1", agreed_on=D(2026, 1, 5), author=caseworker)
    url = reverse("offers:referral_create", args=[participant.pk])
    assert caseworker_client.get(url).status_code == 200
    response = caseworker_client.post(
        url, {"offer": offer.pk, "goal": goal.pk, "proposed_on": "2026-02-01", "notes": ""}
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:referral_detail", args=[referral.pk])
    assert (referral.participant, referral.offer, referral.goal) == (participant, offer, goal)


def test_caseworker_records_a_one_off_offer_while_referring(caseworker_client, participant):
    partner = NetworkPartnerFactory(name="Jobcenter Kassel")
    url = reverse("offers:referral_create", args=[participant.pk])
    response = caseworker_client.post(
        url,
        {
            "offer": "",
            "proposed_on": "2026-02-01",
            "einzel-partner": partner.pk,
            "einzel-title": "Bewerbungscoaching Einzeltermin",
            "einzel-kind": Offer.Kind.APPLICATION_TRAINING,
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.is_one_off
    assert offer.referrals.get().participant == participant


def test_referring_without_any_offer_is_refused(caseworker_client, participant):
    url = reverse("offers:referral_create", args=[participant.pk])
    response = caseworker_client.post(url, {"offer": "", "proposed_on": "2026-02-01"})
    assert response.status_code == 422
    assert "Einzelangebot erfassen" in response.content.decode()
    assert not Referral.objects.exists()
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"offer": "abc"},
        {"offer": "99999999999999999999"},
        {"offer": "", "einzel-partner": "x", "einzel-title": "a" * 500},
        {"proposed_on": "2099-01-01"},
        {"goal": "123456"},
    ],
)
def test_referring_with_bad_input_gives_422_not_500(caseworker_client, participant, offer, data):
    url = reverse("offers:referral_create", args=[participant.pk])
    response = caseworker_client.post(url, {"offer": offer.pk, "proposed_on": "2026-02-01", **data})
    assert response.status_code == 422
    assert not Referral.objects.exists()


def test_referring_without_consent_is_refused(caseworker_client, participant, offer):
    Participant.objects.filter(pk=participant.pk).update(consent_date=None)
    url = reverse("offers:referral_create", args=[participant.pk])
    response = caseworker_client.post(url, {"offer": offer.pk, "proposed_on": "2026-02-01"})
    assert response.status_code == 422
    assert not Referral.objects.exists()


def test_referring_to_a_full_offer_warns(caseworker_client, participant, offer):
    offer.places = 1
    offer.save()
    ReferralFactory(offer=offer, state=S.REGISTERED)
    url = reverse("offers:referral_create", args=[participant.pk])
    response = caseworker_client.post(
        url, {"offer": offer.pk, "proposed_on": "2026-02-01"}, follow=True
    )
    assert "Das Angebot ist ausgebucht: 1 von 1 Plätzen belegt." in response.content.decode()


def test_course_overlapping_an_internship_warns_on_the_referral(caseworker_client, participant):
    PlacementFactory(
        participant=participant, planned_start=D(2026, 3, 2), planned_end=D(2026, 3, 29)
    )
    course = OfferFactory(starts_on=D(2026, 3, 16), ends_on=D(2026, 5, 1))
    referral = ReferralFactory(participant=participant, offer=course)
    body = caseworker_client.get(reverse("offers:referral_detail", args=[referral.pk])).content
    assert "Überschneidung mit dem Praktikum" in body.decode()


def test_other_caseworker_gets_404_everywhere_on_the_case(other_caseworker_client, referral):
    client = other_caseworker_client
    urls = [
        reverse("offers:referral_create", args=[referral.participant_id]),
        reverse("offers:referral_detail", args=[referral.pk]),
        reverse("offers:referral_edit", args=[referral.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    post = reverse("offers:referral_transition", args=[referral.pk, "anmelden"])
    assert (
        client.post(post, {"anmelden-date": "2026-02-02", "anmelden-version": 1}).status_code == 404
    )
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED
    assert not AccessLog.objects.exists()


def test_substitute_with_shared_access_may_open_the_referral(
    other_caseworker_client, other_caseworker, referral
):
    referral.participant.shared_with.add(other_caseworker)
    url = reverse("offers:referral_detail", args=[referral.pk])
    assert other_caseworker_client.get(url).status_code == 200


def test_referral_page_is_logged_for_caseworker_and_administration(
    caseworker_client, admin_client_role, referral
):
    url = reverse("offers:referral_detail", args=[referral.pk])
    assert caseworker_client.get(url).status_code == 200
    body = admin_client_role.get(url).content.decode()
    entries = AccessLog.objects.filter(participant_id=referral.participant_id)
    assert entries.count() == 2
    assert set(entries.values_list("object_type", flat=True)) == {"offers.Referral"}
    # Administration reads but gets no step forms
    assert "referral_transition" not in body and "/stand/" not in body


@pytest.mark.parametrize("client_name", ["reporter_client", "no_role_client"])
def test_reporting_and_no_role_get_no_referral(request, client_name, referral):
    client = request.getfixturevalue(client_name)
    assert client.get(reverse("offers:referral_detail", args=[referral.pk])).status_code == 403


def test_administration_may_not_refer_or_step(admin_client_role, referral):
    url = reverse("offers:referral_create", args=[referral.participant_id])
    assert admin_client_role.get(url).status_code == 403
    post = reverse("offers:referral_transition", args=[referral.pk, "anmelden"])
    assert admin_client_role.post(post, {"anmelden-date": "2026-02-02"}).status_code == 403


# --- steps -------------------------------------------------------------------------------


def _step(client, referral, action, **data):
    payload = {f"{action}-{k}": v for k, v in data.items()}
    payload.setdefault(f"{action}-version", Referral.objects.get(pk=referral.pk).version)
    return client.post(reverse("offers:referral_transition", args=[referral.pk, action]), payload)


def test_refer_start_complete_updates_the_german_level(
    caseworker_client, participant, referral, today
):
    assert _step(caseworker_client, referral, "anmelden", date="2026-02-10").status_code == 302
    assert _step(caseworker_client, referral, "beginnen", date="2026-03-02").status_code == 302
    response = _step(
        caseworker_client,
        referral,
        "abschliessen",
        date="2026-06-26",
        certificate="DTZ B1",
        level_reached="B1",
        outcome_notes="",
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    participant.refresh_from_db()
    assert (referral.state, referral.level_reached) == (S.COMPLETED, "B1")
    assert participant.german_level == "B1"
    body = caseworker_client.get(response["Location"]).content.decode()
    assert "Deutschkenntnisse aktualisiert: B1." in body


def test_step_with_a_stale_version_gives_409(caseworker_client, referral, today):
    response = _step(caseworker_client, referral, "anmelden", date="2026-02-10", version=0)
    assert response.status_code == 409
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("anmelden", {"date": ""}),
        ("anmelden", {"date": "kein Datum"}),
        ("anmelden", {"date": "2030-01-01"}),
        ("anmelden", {"date": "2026-01-01"}),  # before the proposal
        ("beginnen", {"date": "2026-03-02"}),  # not registered yet
        ("nicht_angetreten", {"date": "2026-03-02", "outcome_notes": ""}),
    ],
)
def test_bad_steps_give_422_and_change_nothing(caseworker_client, referral, today, action, data):
    response = _step(caseworker_client, referral, action, **data)
    assert response.status_code == 422
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


def test_unknown_step_is_404(caseworker_client, referral):
    url = reverse("offers:referral_transition", args=[referral.pk, "loeschen"])
    assert caseworker_client.post(url, {}).status_code == 404


def test_step_view_accepts_post_only(caseworker_client, referral):
    url = reverse("offers:referral_transition", args=[referral.pk, "anmelden"])
    assert caseworker_client.get(url).status_code == 405


def test_editing_a_referral_uses_optimistic_locking(
    caseworker_client, caseworker, participant, referral
):
    goal = participant.goals.create(text="B1", agreed_on=D(2026, 1, 5), author=caseworker)
    url = reverse("offers:referral_edit", args=[referral.pk])
    assert caseworker_client.get(url).status_code == 200
    data = {"goal": goal.pk, "notes": "Kinderbetreuung klären", "version": referral.version}
    assert caseworker_client.post(url, data).status_code == 302
    referral.refresh_from_db()
    assert (referral.goal, referral.version) == (goal, 2)
    data["notes"] = "veraltet"
    data["version"] = 1
    assert caseworker_client.post(url, data).status_code == 409
    referral.refresh_from_db()
    assert referral.notes == "Kinderbetreuung klären"


def test_referral_edit_refuses_a_goal_of_another_case(caseworker_client, caseworker, referral):
    other = ParticipantFactory(caseworker=caseworker)
    goal = other.goals.create(text="fremd", agreed_on=D(2026, 1, 5), author=caseworker)
    url = reverse("offers:referral_edit", args=[referral.pk])
    response = caseworker_client.post(url, {"goal": goal.pk, "notes": "", "version": 1})
    assert response.status_code == 422


def test_network_partner_page_lists_its_current_offers(caseworker_client, offer, today):
    OfferFactory(partner=offer.partner, title="Alter Kurs", starts_on=D(2026, 1, 5))
    url = reverse("employers:network_detail", args=[offer.partner.pk])
    body = caseworker_client.get(url).content.decode()
    assert "Berufssprachkurs B1 Pflege" in body
    assert "Alter Kurs" not in body  # ended 01.05.2026
