"""Administration pages for data protection: history, access log, security log, Art. 15, erasure."""

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from fallmanagement.core.pdf import render_pdf
from fallmanagement.core.roles import Role, role_required
from participants.models import Participant
from participants.queries import visible_participant

from . import gdpr
from .history import participant_history
from .models import AccessLog, SecurityEvent
from .security import record_event

PAGE_SIZE = 25


def _participant(
    request: HttpRequest, pk: int, object_type: str, action: str = AccessLog.Action.VIEW
) -> Participant:
    # Every page here loads the case through the one access-logged loader.
    return visible_participant(request, pk, action=action, object_type=object_type)


@role_required(Role.ADMINISTRATION)
def participant_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every recorded change to one participant and their notes, placements etc."""
    participant = _participant(request, pk, "history")
    history = participant_history(participant.pk, reader=request.user)
    page = Paginator(history, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "privacy/history.html", {"participant": participant, "page": page})


@role_required(Role.ADMINISTRATION)
def participant_access_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Wer hat diese Akte angesehen? The access log of one participant."""
    participant = _participant(request, pk, "access-log")
    entries = AccessLog.objects.filter(participant_id=participant.pk).order_by("-at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "privacy/access_log.html", {"participant": participant, "page": page})


@role_required(Role.ADMINISTRATION)
def security_events_view(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("art", "")
    events = SecurityEvent.objects.order_by("-at", "-pk")
    if kind in SecurityEvent.Kind.values:
        events = events.filter(kind=kind)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/security_events.html",
        {"page": page, "kinds": SecurityEvent.Kind.choices, "kind": kind},
    )


@role_required(Role.ADMINISTRATION)
def art15_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Overview page with the two download links (JSON and PDF) and the erasure link."""
    participant = _participant(request, pk, "art15")
    return render(request, "privacy/art15_overview.html", {"participant": participant})


def _filename(participant: Participant, ext: str) -> str:
    return f"auskunft-art15-teilnehmende-{participant.pk}-{timezone.localdate():%Y%m%d}.{ext}"


@role_required(Role.ADMINISTRATION)
def art15_json(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk, "art15-json", AccessLog.Action.EXPORT)
    data = gdpr.art15_data(participant)
    record_event(request, SecurityEvent.Kind.ART15_EXPORT, participant_id=participant.pk)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(participant, "json")}"'
    return response


@role_required(Role.ADMINISTRATION)
def art15_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk, "art15-pdf", AccessLog.Action.PDF)
    data = gdpr.art15_readable(participant)
    pdf = render_pdf(
        "privacy/art15.html",
        {"data": data, "participant": participant, "programme": settings.PROGRAMME},
    )
    record_event(request, SecurityEvent.Kind.ART15_EXPORT, participant_id=participant.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(participant, "pdf")}"'
    return response


class ErasureForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Zur Bestätigung bitte „LÖSCHEN“ eingeben"), max_length=20, strip=True
    )

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"]
        if value.upper() != "LÖSCHEN":
            raise forms.ValidationError(_("Bitte genau „LÖSCHEN“ eingeben."))
        return value


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Erasure on request (Art. 17) after a typed confirmation."""
    participant = _participant(request, pk, "erase")
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        gdpr.erase(participant, request.user, request)
        messages.success(
            request,
            _("Die Daten der/des Teilnehmenden Nr. %(pk)s wurden vollständig gelöscht.")
            % {"pk": pk},
        )
        return redirect("privacy:security_events")
    return render(request, "privacy/erase_confirm.html", {"participant": participant, "form": form})
