"""Who may use which employer and network-partner page (deny by default)."""

import pytest
from django.urls import reverse

from tests.factories import EmployerFactory, NetworkPartnerFactory

pytestmark = pytest.mark.django_db

CLIENTS = {
    "caseworker": "caseworker_client",
    "reporter": "reporter_client",
    "administrator": "admin_client_role",
    "no_role": "no_role_client",
}
READ = {"caseworker", "administrator"}
ADMIN = {"administrator"}

# url name -> (needs: "employer" | "partner" | None, roles allowed for GET)
PAGES = {
    "employers:list": (None, READ),
    "employers:export": (None, ADMIN),
    "employers:create": (None, READ),
    "employers:detail": ("employer", READ),
    "employers:edit": ("employer", ADMIN),
    "employers:change_state": ("employer", ADMIN),
    "employers:deactivate": ("employer", ADMIN),
    "employers:delete": ("employer", ADMIN),
    "employers:network_list": (None, READ),
    "employers:network_create": (None, ADMIN),
    "employers:network_detail": ("partner", READ),
    "employers:network_edit": ("partner", ADMIN),
}


def _url(name, needs):
    if needs == "employer":
        return reverse(name, args=[EmployerFactory().pk])
    if needs == "partner":
        return reverse(name, args=[NetworkPartnerFactory().pk])
    return reverse(name)


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_anonymous_user_is_sent_to_login(client, url_name):
    response = client.get(_url(url_name, PAGES[url_name][0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", sorted(CLIENTS))
@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_each_role_reaches_only_its_employer_pages(request, role, url_name):
    needs, allowed = PAGES[url_name]
    client = request.getfixturevalue(CLIENTS[role])
    response = client.get(_url(url_name, needs))
    if role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["employers:edit", "employers:change_state", "employers:deactivate", "employers:delete"],
)
def test_caseworker_cannot_change_employers_by_post(caseworker_client, url_name):
    employer = EmployerFactory(name="Bleibt so")
    response = caseworker_client.post(reverse(url_name, args=[employer.pk]), {"name": "Neu"})
    assert response.status_code == 403
    employer.refresh_from_db()
    assert employer.name == "Bleibt so"
    assert employer.is_active


def test_contact_history_allowed_for_caseworker_not_for_reporting(
    caseworker_client, reporter_client
):
    employer = EmployerFactory()
    url = reverse("employers:contact_add", args=[employer.pk])
    data = {"date": "2026-11-20", "kind": "anruf", "text": "Telefonat"}
    assert reporter_client.post(url, data).status_code == 403
    assert caseworker_client.post(url, data).status_code == 302
    assert employer.history.count() == 1


def test_unknown_employer_is_404(admin_client_role):
    assert admin_client_role.get(reverse("employers:detail", args=[999999])).status_code == 404


def test_caseworker_sees_no_edit_buttons_on_employer_page(caseworker_client):
    employer = EmployerFactory()
    content = caseworker_client.get(reverse("employers:detail", args=[employer.pk])).content
    assert reverse("employers:edit", args=[employer.pk]).encode() not in content
    assert reverse("employers:deactivate", args=[employer.pk]).encode() not in content


def test_caseworker_sees_no_export_link(caseworker_client, admin_client_role):
    export = reverse("employers:export").encode()
    assert export not in caseworker_client.get(reverse("employers:list")).content
    assert export in admin_client_role.get(reverse("employers:list")).content
