"""Administration's import pages: upload → column mapping → preview (dry run) → confirm,
the list of imports and the undo. Small files run during the request, large ones as a
background task (tasks.import_job) whose progress the page polls."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.roles import Role, role_required
from participants.models import Participant

from . import caseload, engine, reassignment
from .forms import BulkReassignForm, MappingForm, ReassignFilterForm, UploadForm
from .models import ImportRun, MappingTemplate
from .reading import UnreadableFile
from .tasks import import_job

# Up to this many rows a run happens during the request; above, in the background.
INLINE_MAX_ROWS = 500
SAMPLE_ROWS = 3


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    engine.expire_stale_runs()
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = ImportRun(
            kind=form.cleaned_data["kind"],
            filename=upload.name[:255],
            content=upload.read(),
            started_by=request.user,
        )
        try:
            table = engine.read(run)
        except UnreadableFile as error:
            form.add_error("file", str(error))
        else:
            template = form.cleaned_data["template"]
            run.mapping = engine.suggest_mapping(
                run.kind, table.headers, template.mapping if template else None
            )
            run.save()
            return redirect("imports:mapping", pk=run.pk)
    runs = Paginator(
        ImportRun.objects.select_related("started_by", "undone_by").defer("content", "rows"), 20
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/index.html",
        {"form": form, "runs": runs},
        status=400 if request.method == "POST" else 200,
    )


def _run(pk: int, **kwargs) -> ImportRun:
    return get_object_or_404(ImportRun.objects.select_related("started_by"), pk=pk, **kwargs)


def _start(run: ImportRun, *, dry_run: bool) -> None:
    """Run now (small file) or queue it (large file)."""
    if engine.read(run).count_rows() <= INLINE_MAX_ROWS:
        engine.process(run, dry_run=dry_run)
    else:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED, progress=0)
        transaction.on_commit(lambda: import_job.enqueue(run.pk, dry_run))


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    engine.expire_stale_runs()
    run = _run(pk, status__in=ImportRun.STARTABLE)
    table = engine.read(run)
    form = MappingForm(
        request.POST or None, kind=run.kind, headers=table.headers, initial_mapping=run.mapping
    )
    if request.method == "POST" and form.is_valid():
        run.mapping = form.mapping
        run.save(update_fields=["mapping"])
        name = form.cleaned_data["template_name"].strip()
        if name:
            MappingTemplate.objects.update_or_create(
                kind=run.kind,
                name=name,
                defaults={"mapping": run.mapping, "created_by": request.user},
            )
        _start(run, dry_run=True)
        return redirect("imports:detail", pk=run.pk)
    samples = [row for _n, row in zip(range(SAMPLE_ROWS), table.rows(), strict=False)]
    columns = [
        (form[name], [str(row[1].get(header) or "") for row in samples])
        for name, header in zip(form.column_fields, table.headers, strict=True)
    ]
    return render(
        request,
        "imports/mapping.html",
        {"run": run, "form": form, "columns": columns},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    engine.expire_stale_runs()
    run = _run(pk)
    # The rows name people: the page is a view of case data.
    log_access(request, AccessAction.VIEW, run)
    template = "imports/detail.html#status" if request.htmx else "imports/detail.html"
    return render(request, template, {"run": run, "columns": engine.columns_of(run.kind)})


@role_required(Role.ADMINISTRATION)
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk, status=ImportRun.Status.PREVIEWED)
    _start(run, dry_run=False)
    run.refresh_from_db()
    if run.status == ImportRun.Status.DONE:
        messages.success(
            request,
            _("Import abgeschlossen: %(c)s neu, %(u)s geändert, %(n)s unverändert, %(e)s Fehler.")
            % {"c": run.created, "u": run.updated, "n": run.unchanged, "e": run.errors},
        )
    return redirect("imports:detail", pk=run.pk)


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk, status=ImportRun.Status.DONE)
    problems = engine.undo_problems(run)
    if request.method == "POST" and not problems:
        try:
            engine.undo(run, request.user)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(request, _("Der Import wurde rückgängig gemacht."))
            return redirect("imports:index")
    return render(
        request,
        "imports/undo.html",
        {"run": run, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
@require_http_methods(["GET"])
def caseload_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The cases the user may see, as CSV or XLSX (logged as an export)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    cases = Participant.objects.visible_to(request.user).filter(anonymised_at__isnull=True)
    log_access(request, AccessAction.EXPORT, object_type="participants.Participant")
    if fmt == "csv":
        content, mime = caseload.to_csv(cases), "text/csv; charset=utf-8"
    else:
        content = caseload.to_xlsx(cases)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=mime)
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="faelle-{stamp}.{fmt}"'
    return response


BULK_MAX_ROWS = 200


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def bulk_reassign(request: HttpRequest) -> HttpResponse:
    """Filter the cases, tick them, name the new caseworker and the reason (Administration)."""
    # Own ids: the filter and the form below both have a "caseworker" field.
    filters = ReassignFilterForm(request.GET or None, auto_id="filter_%s")
    cases = Participant.objects.visible_to(request.user).select_related("caseworker")
    if filters.is_valid():
        if filters.cleaned_data["caseworker"]:
            cases = cases.filter(caseworker=filters.cleaned_data["caseworker"])
        if filters.cleaned_data["status"]:
            cases = cases.filter(status=filters.cleaned_data["status"])
    form = BulkReassignForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        moved = reassignment.reassign(
            form.cleaned_data["cases"],
            form.cleaned_data["caseworker"],
            reason=form.cleaned_data["reason"],
            by=request.user,
            handover_until=form.cleaned_data["handover_until"],
        )
        messages.success(
            request,
            _("%(n)s Fälle sind jetzt %(name)s zugewiesen.")
            % {
                "n": moved,
                "name": form.cleaned_data["caseworker"].get_full_name()
                or form.cleaned_data["caseworker"].get_username(),
            },
        )
        return redirect(request.get_full_path())
    shown = list(cases[: BULK_MAX_ROWS + 1])
    log_access(request, AccessAction.VIEW, object_type="participants.Participant")
    return render(
        request,
        "imports/bulk_reassign.html",
        {
            "filters": filters,
            "form": form,
            "cases": shown[:BULK_MAX_ROWS],
            "more": len(shown) > BULK_MAX_ROWS,
            "selected": {str(pk) for pk in request.POST.getlist("cases")},
        },
        status=400 if request.method == "POST" else 200,
    )
