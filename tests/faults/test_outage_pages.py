"""Faults: what the app answers around a database outage, without stopping a database (the
real outage is tests/faults/test_database_outage.py)."""

from django.test import Client

from fallmanagement.core.outage import unavailable_response


def test_healthz_runs_one_query_and_never_touches_the_session(
    caseworker_client, django_assert_num_queries
):
    caseworker_client.get("/")  # a session exists and its cookie is sent along
    with django_assert_num_queries(1) as queries:
        response = caseworker_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    # The session was neither loaded nor saved: no cookie at all (no session, no CSRF token),
    # and the answer does not vary by cookie (it would, had the session been read).
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"].startswith("max-age=0")


def test_outage_page_is_german_503_and_needs_no_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = unavailable_response()
    assert response.status_code == 503
    assert response["Retry-After"]
    content = response.content.decode()
    assert "Vorübergehend nicht erreichbar" in content
    assert "Ihre Eingaben wurden nicht gespeichert" in content


def test_anonymous_healthz_answers_without_login(db):
    assert Client().get("/healthz").status_code == 200
