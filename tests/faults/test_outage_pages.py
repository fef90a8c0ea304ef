"""Faults: what the app answers around a database outage, without stopping a database (the
real outage is tests/faults/test_database_outage.py)."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fallmanagement.core.outage import unavailable_response


def test_healthz_runs_one_query_and_never_touches_the_session(caseworker_client):
    caseworker_client.get("/")  # a session exists and its cookie is sent along
    with CaptureQueriesContext(connection) as queries:
        response = caseworker_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    assert "sessionid" not in response.cookies


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
