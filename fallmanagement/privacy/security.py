"""Security events (login, lockout, 403, CSRF ...) and the optional second factor (TOTP).

Security events go to the `SecurityEvent` table (readable by Administration) and, reduced to a
fixed code, the user id and the path, to the technical log `fallmanagement.privacy.security`.
Neither carries form values, query strings, session ids or participants' names.
"""

from __future__ import annotations

import base64
import logging

import segno
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fallmanagement.core.accesslog import stored_path
from fallmanagement.core.roles import user_roles
from participants.models import CaseShareChange

from .models import RoleSecurityPolicy, SecurityEvent

logger = logging.getLogger("fallmanagement.privacy.security")
QUIET_KINDS = {"login", "logout", "otp_verified", "password_changed"}


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    request: HttpRequest | None,
    kind: str,
    *,
    user=None,
    username: str = "",
    participant_id: int | None = None,
    detail: str = "",
) -> SecurityEvent | None:
    """Store a security event and write a log line without personal data."""
    if request is not None and user is None and not getattr(request, "_fm_anonymous_event", False):
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if request is not None:
        request._fm_security_logged = True
    user_id = user.pk if user is not None else None
    username = username or (user.get_username() if user is not None else "")
    path = stored_path(request)
    level = logging.INFO if kind in QUIET_KINDS else logging.WARNING
    logger.log(
        level,
        "security event=%s user_id=%s path=%s",
        kind,
        user_id if user_id else "-",
        path or "-",
    )
    try:
        with transaction.atomic():
            return SecurityEvent.objects.create(
                kind=kind,
                user_id=user_id,
                username=username[:150],
                ip_address=client_ip(request),
                path=path,
                participant_id=participant_id,
                detail=detail[:300],
            )
    except DatabaseError:  # the log must never turn a request into a 500
        logger.exception("security event could not be stored")
        return None


@receiver(post_save, sender=CaseShareChange)
def _on_share_change(sender, instance, created, **kwargs):
    # Every sharing and revocation (page, admin, reassignment) goes through the workflow,
    # which writes a CaseShareChange: recorded here, with ids only.
    if not created:
        return
    kind = (
        SecurityEvent.Kind.SHARE_GRANTED
        if instance.action == CaseShareChange.Action.GRANTED
        else SecurityEvent.Kind.SHARE_REVOKED
    )
    record_event(
        None,
        kind,
        user=instance.changed_by,
        participant_id=instance.participant_id,
        detail=f"substitute user_id={instance.substitute_id}",
    )


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    record_event(request, SecurityEvent.Kind.LOGIN, user=user)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(request, SecurityEvent.Kind.LOGOUT, user=user)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Only a username that belongs to an account is stored: a mistyped password typed into the
    # username field must not end up in the log.
    name = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=name).first() if name else None
    if request is not None:
        request._fm_anonymous_event = True  # never attribute it to a logged-in session
    record_event(
        request,
        SecurityEvent.Kind.LOGIN_FAILED,
        user=user,
        username=user.get_username() if user else "",
        detail="" if user else "unknown user",
    )


def _on_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    name = str(username or "")[:150]
    user = get_user_model().objects.filter(username=name).first() if name else None
    record_event(
        request,
        SecurityEvent.Kind.LOCKOUT,
        user=user,
        username=user.get_username() if user else "",
    )


try:  # django-axes sends this when a user+IP pair gets locked
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_lockout, dispatch_uid="fm_lockout")
except ImportError:  # pragma: no cover
    pass


# --- second factor -------------------------------------------------------------------------


def remember_second_factor_required(user, required: bool) -> None:
    """Store the answer of `second_factor_required` loaded with the user (one query)."""
    user._fm_requires_2fa = bool(required)


def second_factor_required(user) -> bool:
    """True if one of the user's roles requires a TOTP second factor (cached per request)."""
    cached = getattr(user, "_fm_requires_2fa", None)
    if cached is None:
        roles = user_roles(user)
        cached = (
            bool(roles)
            and RoleSecurityPolicy.objects.filter(role__in=roles, require_2fa=True).exists()
        )
        user._fm_requires_2fa = cached
    return cached


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Sechsstelliger Code aus der Authenticator-App"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Der Code besteht nur aus Ziffern."))
        return token


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url("home")


def otp_verify_view(request: HttpRequest) -> HttpResponse:
    """After login: ask for the TOTP code (users whose role requires a second factor)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            record_event(request, SecurityEvent.Kind.OTP_VERIFIED)
            return redirect(_next_url(request))
        record_event(request, SecurityEvent.Kind.OTP_FAILED)
        form.add_error("token", _("Der Code ist falsch oder abgelaufen."))
    return render(request, "privacy/otp_verify.html", {"form": form})


def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: show the otpauth URI and secret, confirm with one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists() and not (
        request.user.is_verified()
    ):
        return redirect("otp_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            record_event(request, SecurityEvent.Kind.OTP_VERIFIED, detail="device confirmed")
            return redirect(_next_url(request))
        record_event(request, SecurityEvent.Kind.OTP_FAILED, detail="setup")
        form.add_error("token", _("Der Code ist falsch oder abgelaufen."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "privacy/otp_setup.html",
        {
            "form": form,
            "config_url": device.config_url,
            "qr_code": _qr_svg(device.config_url),
            "secret": secret,
        },
    )


def _qr_svg(text: str) -> str:
    """`text` as an inline SVG QR code (segno: pure Python, no image files, no CDN).

    The SVG is drawn with presentation attributes only, so the CSP needs no inline style.
    """
    qr = segno.make(text, error="m")
    svg = qr.svg_inline(
        scale=5,
        border=4,
        light="#fff",  # the quiet zone must be light whatever the page behind it
        title=gettext("QR-Code für die Authenticator-App"),
        svgclass="otp-qr",
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 (segno's SVG)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: record the event (no token, no form values), show the friendly page."""
    record_event(request, SecurityEvent.Kind.CSRF)
    return render(request, "403_csrf.html", status=403)


def axes_username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the attempted username, cut to the column sizes (no 500 on
    overlong input) and without NUL characters."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = getattr(request, "POST", {}).get("username", "")
    return str(name or "").replace("\x00", "")[:150]


def _on_user_pre_save(sender, instance, raw=False, **kwargs):
    """Record password changes (by the user or by Administration) as security events."""
    if raw or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    # set_password() was called (a rehash on login after a hasher upgrade counts too).
    if (
        old is not None
        and old != instance.password
        and getattr(instance, "_password", None) is not None
    ):
        record_event(None, SecurityEvent.Kind.PASSWORD_CHANGED, user=instance)


pre_save.connect(_on_user_pre_save, sender=get_user_model(), dispatch_uid="fm_password_changed")
