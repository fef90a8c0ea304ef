"""The session store writes a session only when it changed or its idle timeout has to move on
by at least a minute (fallmanagement.core.sessions)."""

import datetime

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ParticipantFactory


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in ctx.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    )


def _stored(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_an_unchanged_session_is_not_written_again_within_a_minute(caseworker_client):
    url = reverse("participants:list")
    _session_writes(caseworker_client, url)
    before = _stored(caseworker_client).expire_date
    assert _session_writes(caseworker_client, url) == 0
    assert _stored(caseworker_client).expire_date == before


def test_the_idle_timeout_moves_on_once_the_stored_one_is_a_minute_behind(caseworker_client):
    url = reverse("participants:list")
    _session_writes(caseworker_client, url)
    behind = timezone.now() + datetime.timedelta(minutes=28)
    Session.objects.filter(session_key=caseworker_client.session.session_key).update(
        expire_date=behind
    )
    assert _session_writes(caseworker_client, url) == 1
    moved = _stored(caseworker_client).expire_date
    assert timezone.now() + datetime.timedelta(minutes=29) < moved
    assert moved <= timezone.now() + datetime.timedelta(minutes=30)


def test_a_changed_session_is_written_at_once(caseworker_client, caseworker):
    ParticipantFactory(caseworker=caseworker, last_name="Haddad")
    url = reverse("participants:list")
    _session_writes(caseworker_client, url)
    # The name search lives in the session: storing it writes the session.
    caseworker_client.post(url, {"q": "Haddad"})
    assert caseworker_client.session["participants_search"] == "Haddad"
    assert "Haddad" in caseworker_client.get(url).text


def test_an_idle_session_still_ends(caseworker_client):
    url = reverse("participants:list")
    _session_writes(caseworker_client, url)
    Session.objects.filter(session_key=caseworker_client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = caseworker_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
