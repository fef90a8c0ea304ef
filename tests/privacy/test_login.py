"""Login throttling, security events, session rules and the optional TOTP second factor."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fallmanagement.core.roles import Role
from fallmanagement.privacy.models import RoleSecurityPolicy, SecurityEvent

pytestmark = pytest.mark.django_db

PASSWORD = "ein-sicheres-passwort-123"


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_success_and_failure_are_security_events(client, caseworker):
    assert login(client, "sabine", "falsch-falsch-falsch").status_code == 200
    assert login(client, "sabine", PASSWORD).status_code == 302
    kinds = list(SecurityEvent.objects.order_by("pk").values_list("kind", "username"))
    assert kinds == [("login_failed", "sabine"), ("login", "sabine")]


def test_failed_login_with_unknown_username_does_not_store_the_typed_text(client, caseworker):
    login(client, "Geheimes-Passwort-im-Namensfeld", "x")
    event = SecurityEvent.objects.get(kind="login_failed")
    assert event.username == "" and event.detail == "unknown user"


def test_lockout_after_five_failures_per_user_and_ip(client, caseworker):
    for _ in range(5):
        login(client, "sabine", "falsch-falsch-falsch")
    response = login(client, "sabine", PASSWORD)  # right password, still locked
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind="lockout", username="sabine").exists()
    # Another IP address is not locked for the same user.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert login(other, "sabine", PASSWORD).status_code == 302


def test_four_failures_do_not_lock(client, caseworker):
    for _ in range(4):
        login(client, "sabine", "falsch-falsch-falsch")
    assert login(client, "sabine", PASSWORD).status_code == 302


def test_technical_log_has_no_username_or_query_string(client, caseworker, caplog):
    with caplog.at_level(logging.INFO, logger="fallmanagement.privacy.security"):
        login(client, "sabine", "falsch-falsch-falsch")
        client.force_login(caseworker)
        client.get(reverse("privacy:security_events") + "?name=Husein+Al+Qasin")
    text = caplog.text
    assert "security event=login_failed" in text and "security event=forbidden" in text
    assert "sabine" not in text and "Husein" not in text and "falsch" not in text


def test_forbidden_page_is_recorded_with_path_only(caseworker_client):
    response = caseworker_client.get(reverse("privacy:security_events") + "?q=Name")
    assert response.status_code == 403
    event = SecurityEvent.objects.get(kind="forbidden")
    assert event.path == "/verwaltung/sicherheit/" and event.username == "sabine"


def test_csrf_failure_is_recorded(caseworker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = client.post(reverse("password_change"), {"old_password": PASSWORD})
    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind="csrf", username="sabine").exists()


def test_password_change_logs_out_other_sessions(caseworker):
    first, second = Client(), Client()
    assert login(first, "sabine", PASSWORD).status_code == 302
    assert login(second, "sabine", PASSWORD).status_code == 302
    new = "ein-ganz-neues-passwort-456"
    response = first.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert first.get(reverse("home")).status_code == 200  # the changing session stays
    response = second.get(reverse("home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_password_validators_require_twelve_characters(caseworker_client):
    response = caseworker_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Kurz-123", "new_password2": "Kurz-123"},
    )
    assert response.status_code == 200
    assert get_user_model().objects.get(username="sabine").check_password(PASSWORD)


def test_passwords_are_hashed_with_argon2(caseworker):
    assert caseworker.password.startswith("argon2")


# --- second factor -------------------------------------------------------------------------


def test_without_policy_no_second_factor_is_asked(caseworker_client):
    assert caseworker_client.get(reverse("home")).status_code == 200


def test_role_requiring_2fa_must_set_up_and_verify_a_totp_device(caseworker, client):
    RoleSecurityPolicy.objects.create(role=Role.CASEWORK, require_2fa=True)
    assert login(client, "sabine", PASSWORD).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("otp_verify")
    response = client.get(reverse("otp_verify"))
    assert response["Location"] == reverse("otp_setup")
    page = client.get(reverse("otp_setup"))
    assert page.status_code == 200 and "otpauth://totp/" in page.content.decode()
    # The same link as a QR code to scan, inline SVG with a text alternative.
    assert '<svg role="img" width=' in page.content.decode()
    assert "<title>QR-Code für die Authenticator-App</title>" in page.content.decode()
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    token = f"{totp(device.bin_key):06d}"
    response = client.post(reverse("otp_setup"), {"token": token})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_wrong_token_keeps_the_user_out_and_is_recorded(caseworker, client):
    RoleSecurityPolicy.objects.create(role=Role.CASEWORK, require_2fa=True)
    TOTPDevice.objects.create(user=caseworker, name="App", confirmed=True)
    login(client, "sabine", PASSWORD)
    response = client.post(reverse("otp_verify"), {"token": "123456"})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302
    assert SecurityEvent.objects.filter(kind="otp_failed").exists()


def test_other_roles_are_not_affected_by_a_casework_policy(reporter_client):
    RoleSecurityPolicy.objects.create(role=Role.CASEWORK, require_2fa=True)
    assert reporter_client.get(reverse("home")).status_code == 200


def test_password_change_is_a_security_event(caseworker_client):
    new = "ein-ganz-neues-passwort-456"
    caseworker_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    event = SecurityEvent.objects.get(kind="password_changed")
    assert event.username == "sabine"


def test_log_lines_lose_their_query_strings():
    from fallmanagement.core.logfilters import StripQueryStringFilter

    record = logging.LogRecord(
        "django.server",
        logging.WARNING,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /teilnehmende/?q=Husein+Al+Qasin&page=2 HTTP/1.1", 404, 179),
        None,
    )
    assert StripQueryStringFilter().filter(record)
    assert record.getMessage() == '"GET /teilnehmende/ HTTP/1.1" 404 179'


def test_console_handler_uses_the_query_string_filter():
    from django.conf import settings

    assert "no_query_strings" in settings.LOGGING["handlers"]["console"]["filters"]


def test_runserver_request_lines_reach_only_handlers_that_strip_query_strings():
    # Django's own handler for django.server is dropped by the settings; unless the logger
    # propagates to the filtered console handler, Python's last-resort handler would print 4xx
    # request lines with their query strings.
    from django.conf import settings

    server = settings.LOGGING["loggers"]["django.server"]
    assert server.get("propagate") is True and not server.get("handlers")
    assert settings.LOGGING["root"]["handlers"] == ["console"]
    assert logging.getLogger("django.server").propagate
