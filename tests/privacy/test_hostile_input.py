"""Hostile input against every form the app serves: no 500, nothing stored raw or half.

Forms are discovered from the URL configuration: every GET-able page (as Administration and
as Fallmanagement, with the ids of a seeded participant, placement and employer) that shows a
`<form method="post">` gets each hostile payload in all its text fields at once.
"""

import html
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import CaseNoteFactory, EmployerFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('xss')</script>"
PAYLOADS = {
    "script": SCRIPT + '"><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE participants_participant; -- ' OR '1'='1",
    "overlong": "A" * 20_000,
    "nul": "Na\x00me",
    "unicode": "\u202eevil\u202c \ufeff Zero\u200bWidth 👩🏽‍🔧 𝔘𝔫𝔦 ﷽ " + "e\u0301" * 10,
    "wrong_date": "2026-02-30",
    "negative": "-99999999999999999999",
}
SKIP_PREFIXES = ("/admin/", "/accounts/logout/", "/static/", "/i18n/")


class FormParser(HTMLParser):
    """Collects the post forms of a page: action and fields (name, type, options)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.forms.append({"action": a.get("action") or "", "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            self.forms[-1]["fields"].append(
                {
                    "name": a["name"],
                    "type": (a.get("type") or "text").lower(),
                    "value": a.get("value") or "",
                    "checked": "checked" in a,
                }
            )
        elif tag == "textarea" and a.get("name"):
            self.forms[-1]["fields"].append({"name": a["name"], "type": "textarea", "value": ""})
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "type": "select", "options": []}
            self.forms[-1]["fields"].append(self._select)
        elif tag == "option" and self._select is not None and a.get("value"):
            self._select["options"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def discover_urls(ids: dict) -> list[str]:
    urls = []
    for route in _patterns():
        if "(?P" in route or route.startswith("^"):
            continue
        path = route
        for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
            value = ids.get(name, ids["pk"])
            path = re.sub(r"<(?:\w+:)?" + name + ">", str(value), path)
        path = "/" + path
        if not path.startswith(SKIP_PREFIXES):
            urls.append(path)
    return sorted(set(urls))


def form_data(fields, payload) -> dict:
    data = {}
    for field in fields:
        kind, name = field["type"], field["name"]
        if name == "csrfmiddlewaretoken":
            continue
        if kind == "hidden":
            data[name] = field["value"]
        elif kind == "select":
            data[name] = field["options"][0] if field["options"] else payload
        elif kind in {"checkbox", "radio"}:
            if field.get("checked") or kind == "checkbox":
                data.setdefault(name, field["value"] or "on")
        elif kind in {"submit", "button", "file", "image", "reset"}:
            continue
        elif kind == "date":
            data[name] = PAYLOADS["wrong_date"]
        else:
            data[name] = payload
    return data


def assert_escaped(content: str):
    assert "<script>alert('xss')</script>" not in content
    assert "onerror=alert(1)>" not in content or html.escape("onerror") in content


@pytest.fixture
def world(caseworker):
    participant = ParticipantFactory(caseworker=caseworker)
    CaseNoteFactory(participant=participant)
    placement = PlacementFactory(participant=participant)
    return {
        "pk": participant.pk,
        "participant_pk": participant.pk,
        "placement_pk": placement.pk,
        "employer_pk": placement.employer_id,
        "other_employer": EmployerFactory().pk,
    }


def _clients(caseworker, administrator):
    result = []
    for user in (caseworker, administrator):
        client = Client(raise_request_exception=True)
        client.force_login(user)
        result.append(client)
    return result


def test_hostile_input_to_every_form(world, caseworker, administrator):
    tried = []
    for client in _clients(caseworker, administrator):
        for url in discover_urls(world):
            page = client.get(url)
            assert page.status_code != 500, url
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            parser = FormParser()
            parser.feed(page.content.decode())
            for form in parser.forms:
                action = form["action"] or url
                if action.startswith(SKIP_PREFIXES) or "loeschen" in action:
                    continue
                for name, payload in PAYLOADS.items():
                    data = form_data(form["fields"], payload)
                    response = client.post(action, data)
                    assert response.status_code < 500, (action, name)
                    # A form without free-text fields carries no payload and may succeed.
                    if name == "nul" and payload in data.values():
                        assert response.status_code in {200, 400}, (action, name)
                    assert_escaped(response.content.decode(errors="replace"))
                    tried.append((action, name))
                again = client.get(url)
                assert again.status_code < 500
                assert_escaped(again.content.decode(errors="replace"))
    assert tried, "no forms found"
    assert any("/accounts/password/" in action for action, _ in tried)


def test_hostile_input_to_the_login_form(caseworker):
    client = Client(raise_request_exception=True)
    for payload in PAYLOADS.values():
        response = client.post(reverse("login"), {"username": payload, "password": payload})
        assert response.status_code in {200, 400, 429}
        assert_escaped(response.content.decode())


def test_nul_bytes_are_refused_with_400_not_500(caseworker_client):
    response = caseworker_client.get(reverse("participants:list") + "?q=a%00b")
    assert response.status_code == 400
    response = caseworker_client.post(
        reverse("password_change"),
        {"old_password": "x\x00", "new_password1": "a", "new_password2": "a"},
    )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_stored_script_is_escaped_on_output(admin_client_role, caseworker):
    participant = ParticipantFactory(caseworker=caseworker, city=SCRIPT)
    CaseNoteFactory(participant=participant, text=SCRIPT)
    for name in ("privacy:participant_history", "privacy:art15"):
        response = admin_client_role.get(reverse(name, args=[participant.pk]))
        assert response.status_code == 200
        assert SCRIPT not in response.content.decode()
    response = admin_client_role.get(reverse("privacy:participant_history", args=[participant.pk]))
    assert (
        html.escape(SCRIPT) in response.content.decode()
        or "&lt;script&gt;" in response.content.decode()
    )


# --- NUL bytes in path, cookies and headers --------------------------------------------------


def _nul_events():
    from fallmanagement.privacy.models import SecurityEvent

    return list(SecurityEvent.objects.filter(detail="NUL byte in request").order_by("pk"))


def test_nul_byte_in_the_path_is_refused_and_the_event_is_stored(caseworker_client):
    response = caseworker_client.get("/teilnehmende/%00/")
    assert response.status_code == 400
    (event,) = _nul_events()
    assert event.path == "/teilnehmende/\ufffd/"


def test_nul_byte_in_the_session_cookie_is_refused_before_the_session_is_read(caseworker):
    client = Client(raise_request_exception=True)
    client.force_login(caseworker)
    client.cookies["sessionid"] = client.cookies["sessionid"].value + "\x00"
    response = client.get(reverse("participants:list"))
    assert response.status_code == 400
    assert len(_nul_events()) == 1


@pytest.mark.parametrize(
    "header", ["HTTP_ACCEPT_LANGUAGE", "HTTP_REFERER", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR"]
)
def test_nul_byte_in_a_header_is_refused(caseworker_client, header):
    response = caseworker_client.get(reverse("participants:list"), **{header: "de\x00x"})
    assert response.status_code == 400
    assert len(_nul_events()) == 1


def test_the_path_in_the_access_log_never_carries_control_characters(caseworker_client):
    from django.test import RequestFactory

    from fallmanagement.core.accesslog import stored_path

    request = RequestFactory().get("/a\x01b\x7fc/?q=name")
    assert stored_path(request) == "/a\ufffdb\ufffdc/"
