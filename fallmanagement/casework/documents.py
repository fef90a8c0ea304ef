"""Documents of a case and its placements: upload, download, delete.

Files are never served from a public URL: the download view checks `visible_to` (404 outside
it) and writes the access log. The rules for what may be stored live in placements.uploads.
"""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.roles import Role, role_required
from fallmanagement.core.widgets import parse_id
from participants.casefile_forms import CONSENT_MISSING
from placements.forms import DocumentForm
from placements.models import Document, Placement
from placements.uploads import save_document

from .casefile import _participant


def _back(document_or_placement) -> str:
    placement_id = getattr(document_or_placement, "placement_id", None)
    if isinstance(document_or_placement, Placement):
        placement_id = document_or_placement.pk
    if placement_id:
        return reverse("placements:detail", args=[placement_id]) + "#dokumente"
    return (
        reverse("participants:detail", args=[document_or_placement.participant_id]) + "#dokumente"
    )


def _document(request: HttpRequest, pk: int, document_pk: int) -> Document:
    participant = _participant(request, pk)
    return get_object_or_404(
        Document.objects.filter(participant=participant).select_related("participant"),
        pk=document_pk,
    )


@role_required(Role.CASEWORK)
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload form for a case (?einsatz=<id>: for one of its placements)."""
    participant = _participant(request, pk)
    placement = None
    raw_placement = request.POST.get("einsatz") or request.GET.get("einsatz")
    if raw_placement:
        placement_id = parse_id(raw_placement)
        if placement_id is None:
            raise Http404
        placement = get_object_or_404(
            Placement.objects.filter(participant=participant), pk=placement_id
        )
    form = DocumentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not participant.has_consent:
            form.is_valid()
            form.add_error(None, CONSENT_MISSING)
        if form.is_valid():
            document = form.save(commit=False)
            document.participant = participant
            document.placement = placement
            document.uploaded_by = request.user
            save_document(document, form.cleaned_data["file"], form.content_type)
            messages.success(request, _("Dokument gespeichert."))
            return redirect(_back(document))
        status = 422
    context = {"participant": participant, "placement": placement, "form": form}
    return render(request, "participants/document_form.html", context, status=status)


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    document = _document(request, pk, document_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    log_access(request, AccessAction.VIEW, document)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or f"dokument-{document.pk}",
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.CASEWORK)
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """Confirmation page (GET), deletion of row and file (POST)."""
    document = _document(request, pk, document_pk)
    if request.method == "POST":
        back = _back(document)
        document.delete()
        messages.success(request, _("Dokument gelöscht."))
        return redirect(back)
    return render(
        request,
        "participants/document_delete.html",
        {"participant": document.participant, "document": document, "back": _back(document)},
    )
