"""Name search of the caseload: tolerant to accents and transliteration, best matches first,
the search text kept out of URLs (session), and a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fallmanagement.privacy.models import AccessLog
from participants.models import Participant
from participants.queries import possible_duplicates, search, search_terms
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

LIST = reverse("participants:list")


def names(queryset) -> list[str]:
    return [f"{p.first_name} {p.last_name}" for p in queryset]


def ranked(text: str) -> list[str]:
    return names(search(Participant.objects.all(), text).order_by("-search_rank", "pk"))


@pytest.fixture
def people(caseworker):
    rows = [
        ("Mohammed", "Darwish"),
        ("Muhammad", "Abdullah"),
        ("Mohamad", "Haddad"),
        ("Hassan", "Khalil"),
        ("Hussein", "Kareem"),
        ("Husein", "Al Qasin"),
        ("Anna", "Müller"),
        ("Elif", "Öztürk"),
        ("Olena", "Kovalenko"),
    ]
    return [
        ParticipantFactory(caseworker=caseworker, first_name=first, last_name=last)
        for first, last in rows
    ]


def test_mohammed_finds_muhammad_and_mohamad(people):
    found = ranked("Mohammed")
    assert set(found) == {"Mohammed Darwish", "Muhammad Abdullah", "Mohamad Haddad"}
    assert found[0] == "Mohammed Darwish"


def test_muhammad_finds_the_other_spellings_too(people):
    found = ranked("muhammad")
    assert found[0] == "Muhammad Abdullah"
    assert {"Mohammed Darwish", "Mohamad Haddad"} <= set(found)


def test_husein_finds_hussein_but_not_hassan(people):
    found = ranked("Husein")
    assert found[0] == "Husein Al Qasin"
    assert "Hussein Kareem" in found
    assert "Hassan Khalil" not in found


def test_muller_finds_mueller_with_umlaut(people):
    assert ranked("muller") == ["Anna Müller"]
    assert ranked("MÜLLER") == ["Anna Müller"]
    assert ranked("Mueller") == ["Anna Müller"]


def test_search_without_accents_finds_turkish_letters(people):
    assert ranked("ozturk") == ["Elif Öztürk"]


def test_partial_name_and_small_typo_match(people):
    assert ranked("kovalen") == ["Olena Kovalenko"]
    assert ranked("Kowalenko") == ["Olena Kovalenko"]


def test_german_transliteration_meets_english_one(people, caseworker):
    ParticipantFactory(caseworker=caseworker, first_name="Oksana", last_name="Shevchenko")
    assert ranked("Schewtschenko") == ["Oksana Shevchenko"]
    assert ranked("kowal") == ["Olena Kovalenko"]


def test_every_term_must_match(people):
    assert ranked("mohammed haddad") == ["Mohamad Haddad"]
    assert ranked("anna kovalenko") == []


def test_unrelated_name_finds_nothing(people):
    assert ranked("Schmidt") == []


def test_empty_search_leaves_the_list_unchanged(people):
    assert search(Participant.objects.all(), "  ").count() == len(people)
    assert search_terms("  Al-Hussein, 1990 ") == ["al", "hussein"]


def test_search_respects_visibility(people, other_caseworker):
    hidden = ParticipantFactory(caseworker=other_caseworker, first_name="Muhammad", last_name="X")
    visible = search(Participant.objects.visible_to(people[0].caseworker), "Mohammed")
    assert hidden not in visible


def test_possible_duplicates_need_same_birth_date(people):
    born = people[0].date_of_birth
    assert names(possible_duplicates("Muhammad", "Darwisch", born)) == ["Mohammed Darwish"]
    assert not possible_duplicates("Muhammad", "Darwisch", born + datetime.timedelta(days=1))
    assert not possible_duplicates("Muhammad", "Darwisch", None)


# --- the search in the caseload view -------------------------------------------------------


def test_search_is_posted_kept_in_session_and_never_in_the_url(caseworker_client, people):
    response = caseworker_client.post(LIST, {"q": "Mohammed"})
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert "Mohammed" not in response["Location"]
    response = caseworker_client.get(LIST)
    html = response.content.decode()
    assert "Darwish" in html and "Abdullah" in html and "Haddad" in html
    assert "Kovalenko" not in html
    assert "beste Treffer zuerst" in html
    # The search is logged as an action, without the search text.
    log = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert log.path == LIST
    assert "Mohammed" not in log.object_type + log.object_id + log.path


def test_search_keeps_filters_and_drops_the_page(caseworker_client, people):
    response = caseworker_client.post(f"{LIST}?status=aufnahme&page=3", {"q": "Husein"})
    assert response["Location"] == f"{LIST}?status=aufnahme"


def test_results_show_best_match_first(caseworker_client, people):
    caseworker_client.post(LIST, {"q": "Husein"})
    html = caseworker_client.get(LIST).content.decode()
    assert html.index("Al Qasin") < html.index("Kareem")


def test_clear_resets_the_search(caseworker_client, people):
    caseworker_client.post(LIST, {"q": "Mohammed"})
    response = caseworker_client.get(f"{LIST}?clear=1&status=aufnahme")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=aufnahme"
    html = caseworker_client.get(LIST).content.decode()
    assert "Kovalenko" in html


def test_empty_search_clears_it(caseworker_client, people):
    caseworker_client.post(LIST, {"q": "Mohammed"})
    caseworker_client.post(LIST, {"q": ""})
    assert "Kovalenko" in caseworker_client.get(LIST).content.decode()


def test_search_without_hits_shows_empty_state(caseworker_client, people):
    caseworker_client.post(LIST, {"q": "Schmidt"})
    html = caseworker_client.get(LIST).content.decode()
    assert "Keine Teilnehmenden gefunden" in html


def test_berichtswesen_cannot_search(reporter_client, people):
    assert reporter_client.post(LIST, {"q": "Mohammed"}).status_code == 403


def test_search_needs_csrf_token(caseworker):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    assert client.post(LIST, {"q": "Mohammed"}).status_code == 403


def _queries_for_search(client) -> int:
    client.post(LIST, {"q": "Haddad"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{LIST}?sort=followup")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_search_page_runs_constant_queries(caseworker_client, caseworker):
    ParticipantFactory.create_batch(10, caseworker=caseworker)
    few = _queries_for_search(caseworker_client)
    ParticipantFactory.create_batch(190, caseworker=caseworker)
    many = _queries_for_search(caseworker_client)
    assert few == many


# --- hostile search texts --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["12345", "#146", "2026-02-30", "%_*", "١٢٣"])
def test_search_without_letters_finds_nobody_and_never_fails(caseworker_client, people, text):
    assert list(search(Participant.objects.all(), text)) == []
    caseworker_client.post(LIST, {"q": text})
    response = caseworker_client.get(LIST)
    assert response.status_code == 200
    assert "Keine Teilnehmenden gefunden" in response.content.decode()
    # The next visit works too (the search is still in the session and still harmless).
    assert caseworker_client.get(LIST).status_code == 200


def test_a_stored_search_that_fails_is_dropped_not_repeated(caseworker_client, people, monkeypatch):
    from participants import views

    caseworker_client.post(LIST, {"q": "Mohammed"})
    # What the search did before for "12345": the queryset without the `search_rank` that the
    # view orders by, so PostgreSQL never sees a valid query.
    monkeypatch.setattr(views, "search", lambda queryset, text: queryset)
    response = caseworker_client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == LIST
    session = caseworker_client.session
    assert views.SEARCH_SESSION_KEY not in session
    html = caseworker_client.get(LIST).content.decode()
    assert "Die Suche konnte nicht ausgeführt werden" in html
    assert "Kovalenko" in html  # the whole caseload again
    html = caseworker_client.get(LIST).content.decode()
    assert "Die Suche konnte nicht ausgeführt werden" not in html  # shown once, not repeated


def test_a_stored_search_of_the_wrong_type_is_dropped(caseworker_client, people):
    from participants.views import SEARCH_SESSION_KEY

    session = caseworker_client.session
    session[SEARCH_SESSION_KEY] = 12345
    session.save()
    response = caseworker_client.get(LIST)
    assert response.status_code == 200
    assert "Kovalenko" in response.content.decode()
    assert SEARCH_SESSION_KEY not in caseworker_client.session
