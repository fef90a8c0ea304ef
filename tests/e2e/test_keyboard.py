"""Keyboard-only use: the skip link, and logging in without a mouse."""

import pytest

from fallmanagement.core.roles import Role
from tests.factories import make_user

from .browser import PASSWORD, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def focused(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, tag: document.activeElement.tagName,"
        " text: (document.activeElement.innerText || '').trim()})"
    )


@pytest.fixture
def sabine(transactional_db):
    return make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")


def test_first_tab_reaches_skip_link_and_enter_moves_focus_to_main(page, transactional_db):
    # Berichtswesen's start page has a link in the main content to tab to.
    login(page, make_user(Role.REPORTING, username="petra"))
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Zum Inhalt springen"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # The next Tab continues after the start of the main content, not in the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => !document.querySelector('header').contains(document.activeElement)"
        " && !!(document.getElementById('main').compareDocumentPosition(document.activeElement)"
        " & (Node.DOCUMENT_POSITION_FOLLOWING | Node.DOCUMENT_POSITION_CONTAINED_BY))"
    )


def test_caseworker_logs_in_with_the_keyboard_only(page, sabine):
    page.goto("/accounts/login/")
    # The user name field has the focus right away (autofocus).
    assert focused(page)["id"] == "id_username"
    page.keyboard.type("sabine")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert "Guten Tag, Sabine Krüger" in page.locator("h1").inner_text()


def test_skip_link_is_the_first_stop_before_the_login_form(page):
    page.goto("/accounts/login/")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    # Walking backwards from the autofocused field reaches the skip link at the top.
    stops = []
    for _ in range(8):
        stops.append(focused(page)["text"])
        page.keyboard.press("Shift+Tab")
    assert "Zum Inhalt springen" in stops
