"""Foundation: deny-by-default access, role pages, health check, error pages, admin."""

import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLE_PAGES = {
    # url name: roles that may open it
    "home": {"caseworker", "reporter", "administrator", "no_role"},
    "participants:list": {"caseworker", "administrator"},
    "employers:list": {"caseworker", "administrator"},
    "placements:board": {"caseworker", "administrator"},
    "reports:index": {"reporter", "administrator"},
    "password_change": {"caseworker", "reporter", "administrator", "no_role"},
}
CLIENTS = {
    "caseworker": "caseworker_client",
    "reporter": "reporter_client",
    "administrator": "admin_client_role",
    "no_role": "no_role_client",
}


@pytest.mark.parametrize("url_name", sorted(ROLE_PAGES))
def test_anonymous_user_is_sent_to_login(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", sorted(CLIENTS))
@pytest.mark.parametrize("url_name", sorted(ROLE_PAGES))
def test_each_role_reaches_only_its_pages(request, role, url_name):
    client = request.getfixturevalue(CLIENTS[role])
    response = client.get(reverse(url_name))
    if role in ROLE_PAGES[url_name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Kein Zugriff" in response.content.decode()


def test_login_page_is_public_and_german(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="de"' in response.content.decode()
    assert "Anmelden" in response.content.decode()


def test_login_with_password_reaches_start_page(client, caseworker):
    response = client.post(
        reverse("login"),
        {"username": "sabine", "password": "ein-sicheres-passwort-123"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Meine Woche" in response.content.decode()


def test_wrong_password_shows_form_error(client, caseworker):
    response = client.post(reverse("login"), {"username": "sabine", "password": "falsch"})
    assert response.status_code == 200
    assert "Beide Felder berücksichtigen" in response.content.decode()


def test_healthz_ok_when_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["database"] is True


def test_healthz_503_when_database_fails(client, monkeypatch):
    from django.db import DatabaseError

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503


def test_unknown_page_is_friendly_404(caseworker_client):
    response = caseworker_client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("caseworker", 302), ("reporter", 302), ("no_role", 302), ("administrator", 200)],
)
def test_admin_site_only_for_administration(request, role, expected):
    client = request.getfixturevalue(CLIENTS[role])
    response = client.get("/admin/")
    assert response.status_code == expected


def test_pages_with_personal_data_are_not_cached(caseworker_client):
    response = caseworker_client.get(reverse("participants:list"))
    assert "no-store" in response["Cache-Control"]


def test_csp_header_forbids_inline_scripts(caseworker_client):
    response = caseworker_client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp


def test_language_switch_to_english(caseworker_client):
    response = caseworker_client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, follow=True
    )
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()
