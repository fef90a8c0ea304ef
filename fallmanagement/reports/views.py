"""Report page, exports, issued reports, background report jobs and funding targets
(Berichtswesen and Administration). Only Administration may scope a report to one caseworker
and enter targets; which kinds of report (funder / publication) a role may make is the
setting REPORT_KINDS_BY_ROLE. Reports for the funder (exact counts) are access-logged."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.locking import (
    StaleObjectError,
    VersionedFormMixin,
    handle_stale,
    save_versioned,
)
from fallmanagement.core.roles import Role, has_role, role_required, user_roles
from fallmanagement.reports.models import FundingTarget, IssuedReport, ReportJob, ReportKind
from fallmanagement.reports.tasks import build_report_job

from .charts import render_charts
from .exports import CONTENT_TYPES, EXPORT_LANGUAGE, build_report, render_report, store_issued
from .figures import Context
from .periods import Period

REPORT_ROLES = (Role.REPORTING, Role.ADMINISTRATION)
FORMATS = tuple(CONTENT_TYPES)
MAX_PERIOD_DAYS = 10 * 366


def inline_max() -> int:
    """Up to this many participants a report is built during the page view."""
    return getattr(settings, "REPORT_INLINE_MAX", 5000)


def allowed_kinds(user) -> list[str]:
    """The kinds of report `user` may make (setting REPORT_KINDS_BY_ROLE), in ReportKind order."""
    by_role = getattr(settings, "REPORT_KINDS_BY_ROLE", {})
    allowed = {kind for role in user_roles(user) for kind in by_role.get(role, [])}
    return [kind for kind in ReportKind.values if kind in allowed]


def _log_kind(request: HttpRequest, kind: str, action: str, obj=None) -> None:
    log_access(request, action, obj, object_type=f"report/{kind}")


class PeriodForm(forms.Form):
    KIND_CHOICES = [
        ("jahr", gettext_lazy("Kalenderjahr")),
        ("halbjahr", gettext_lazy("Halbjahr")),
        ("quartal", gettext_lazy("Quartal")),
        ("frei", gettext_lazy("Freier Zeitraum")),
    ]
    report_kind = forms.ChoiceField(
        label=gettext_lazy("Art des Berichts"),
        choices=ReportKind.choices,
        help_text=gettext_lazy(
            "Bericht an den Fördergeber: exakte Zahlen, wie im Zuwendungsbescheid gefordert. "
            "Veröffentlichung (Stadtverordnete, Presse, Website): kleine Fallzahlen geschützt."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Zeitraum"), choices=KIND_CHOICES)
    year = forms.IntegerField(
        label=gettext_lazy("Jahr"), min_value=2000, max_value=2100, required=False
    )
    half = forms.TypedChoiceField(
        label=gettext_lazy("Halbjahr"),
        choices=[("", "–"), (1, gettext_lazy("1. Halbjahr")), (2, gettext_lazy("2. Halbjahr"))],
        coerce=int,
        required=False,
        empty_value=None,
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quartal"),
        choices=[("", "–")] + [(q, f"{q}. Quartal") for q in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    date_from = forms.DateField(
        label=gettext_lazy("von"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("bis"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    caseworker = forms.ModelChoiceField(
        label=gettext_lazy("Umfang"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Gesamtes Programm"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ReportKind.choices)
        self.fields["report_kind"].choices = [(k, labels[k]) for k in allowed_kinds(user)]
        if has_role(user, Role.ADMINISTRATION):
            self.fields["caseworker"].queryset = (
                get_user_model()
                .objects.filter(groups__name=Role.CASEWORK)
                .order_by("last_name", "first_name", "username")
            )
            self.fields["caseworker"].label_from_instance = lambda u: (
                _("Fallmanager:in %s") % (u.get_full_name() or u.get_username())
            )
        else:
            del self.fields["caseworker"]  # only Administration may scope a report

    def clean(self):
        data = super().clean()
        kind, year = data.get("kind"), data.get("year")
        if kind in ("jahr", "halbjahr", "quartal") and not year:
            self.add_error("year", _("Bitte ein Jahr angeben."))
        if kind == "halbjahr" and not data.get("half"):
            self.add_error("half", _("Bitte das Halbjahr wählen."))
        if kind == "quartal" and not data.get("quarter"):
            self.add_error("quarter", _("Bitte das Quartal wählen."))
        if kind == "frei":
            start, end = data.get("date_from"), data.get("date_to")
            if not start:
                self.add_error("date_from", _("Bitte den Beginn angeben."))
            if not end:
                self.add_error("date_to", _("Bitte das Ende angeben."))
            if start and end and end < start:
                self.add_error("date_to", _("Das Ende darf nicht vor dem Beginn liegen."))
            elif start and end and (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("date_to", _("Der Zeitraum darf höchstens zehn Jahre umfassen."))
        return data

    @property
    def period(self) -> Period:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == "jahr":
            return Period.year(data["year"])
        if kind == "halbjahr":
            return Period.half(data["year"], data["half"])
        if kind == "quartal":
            return Period.quarter(data["year"], data["quarter"])
        return Period.free(data["date_from"], data["date_to"])

    @property
    def scope(self):
        return self.cleaned_data.get("caseworker")

    @property
    def chosen_kind(self) -> str:
        return self.cleaned_data["report_kind"]


def _period_form(request: HttpRequest) -> PeriodForm:
    data = request.POST if request.method == "POST" else request.GET
    if "kind" not in data:
        # No period chosen yet: the current year.
        data = data.copy()
        data.update({"kind": "jahr", "year": timezone.localdate().year})
    if "report_kind" not in data:
        # The first kind the user may make (the funder's, by default).
        kinds = allowed_kinds(request.user)
        data = data.copy()
        data["report_kind"] = kinds[0] if kinds else ""
    return PeriodForm(data, user=request.user)


def _is_large(form: PeriodForm) -> bool:
    ctx = Context(form.period, form.scope)
    return ctx.active.count() > inline_max()


def _query(form: PeriodForm) -> str:
    """The period parameters as a query string (for export, issue and job links)."""
    params = {k: v for k, v in form.data.items() if k in form.fields and v not in (None, "")}
    query = QueryDict(mutable=True)
    query.update(params)
    return query.urlencode()


@role_required(*REPORT_ROLES)
def report_index(request: HttpRequest) -> HttpResponse:
    form = _period_form(request)
    context = {
        "form": form,
        "can_edit_targets": has_role(request.user, Role.ADMINISTRATION),
        "issued": Paginator(
            IssuedReport.objects.only(
                "pk",
                "kind",
                "period_label",
                "scope_label",
                "issued_at",
                "issued_by_name",
                "sha256",
            ),
            25,
        ).get_page(request.GET.get("page")),
        "jobs": ReportJob.objects.filter(owner=request.user).defer("result")[:10],
    }
    status = 200
    if form.is_valid():
        context["query"] = _query(form)
        if _is_large(form):
            context["large"] = True
        else:
            report = build_report(form.period, form.scope, request.user, kind=form.chosen_kind)
            if not report.protected:
                _log_kind(request, report.kind, AccessAction.VIEW)
            charts = render_charts(report.tables, report.suppressed_text)
            for section in report.sections:
                for table in section["tables"]:
                    table["chart_data"] = charts.get(table["key"])
            context["report"] = report
    else:
        status = 400
    return render(request, "reports/index.html", context, status=status)


def _attachment(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*REPORT_ROLES)
def report_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form = _period_form(request)
    if fmt not in FORMATS or not form.is_valid():
        messages.error(request, _("Bitte einen gültigen Zeitraum wählen."))
        return redirect("reports:index")
    if _is_large(form):
        messages.info(
            request,
            _("Dieser Bericht ist groß und wird im Hintergrund erstellt."),
        )
        return redirect(f"{reverse('reports:index')}?{_query(form)}")
    report = build_report(
        form.period, form.scope, request.user, kind=form.chosen_kind, language=EXPORT_LANGUAGE
    )
    content = render_report(report, fmt)
    _log_kind(request, report.kind, AccessAction.EXPORT)
    return _attachment(content, fmt, report.filename(fmt))


@role_required(*REPORT_ROLES)
def report_issue(request: HttpRequest) -> HttpResponse:
    """Confirmation page (GET), then store the report as issued (POST): never changed again."""
    form = _period_form(request)
    if not form.is_valid():
        messages.error(request, _("Bitte einen gültigen Zeitraum wählen."))
        return redirect("reports:index")
    if request.method != "POST":
        return render(
            request,
            "reports/issue_confirm.html",
            {
                "form": form,
                "period": form.period,
                "scope": form.scope,
                "report_kind": ReportKind(form.chosen_kind).label,
                "query": _query(form),
            },
        )
    if _is_large(form):
        # Too large for a page view: issued by the background worker (see tasks).
        job = _start_job(request, form, "pdf", issue=True)
        messages.info(request, _("Der Bericht wird im Hintergrund erstellt und ausgestellt."))
        return redirect("reports:job", pk=job.pk)
    report = build_report(
        form.period, form.scope, request.user, kind=form.chosen_kind, language=EXPORT_LANGUAGE
    )
    pdf = render_report(report, "pdf")
    with transaction.atomic():
        issued = store_issued(report, pdf, request.user)
        _log_kind(request, issued.kind, AccessAction.PDF, issued)
    messages.success(
        request,
        _("Der Bericht „%(label)s“ ist ausgestellt und unveränderlich gespeichert.")
        % {"label": issued.period_label},
    )
    return redirect(f"{reverse('reports:index')}?{_query(form)}#issued")


@role_required(*REPORT_ROLES)
def issued_download(request: HttpRequest, pk: int) -> HttpResponse:
    issued = get_object_or_404(IssuedReport, pk=pk)
    _log_kind(request, issued.kind, AccessAction.EXPORT, issued)
    name = "foerderbericht" if issued.kind == ReportKind.FUNDER else "veroeffentlichung"
    filename = (
        f"{name}_{issued.period_start:%Y-%m-%d}_{issued.period_end:%Y-%m-%d}"
        f"_ausgestellt_{issued.pk}.pdf"
    )
    return _attachment(bytes(issued.pdf), "pdf", filename)


@role_required(*REPORT_ROLES)
def issued_figures(request: HttpRequest, pk: int) -> JsonResponse:
    """The issued figures as data (JSON), exactly as reported."""
    issued = get_object_or_404(IssuedReport.objects.defer("pdf"), pk=pk)
    _log_kind(request, issued.kind, AccessAction.EXPORT, issued)
    response = JsonResponse(
        {
            "kind": issued.kind,
            "kind_label": issued.get_kind_display(),
            "period": {
                "start": issued.period_start.isoformat(),
                "end": issued.period_end.isoformat(),
                "label": issued.period_label,
            },
            "scope": issued.scope_label,
            "issued_at": issued.issued_at.isoformat(),
            "issued_by": issued.issued_by_name,
            "pdf_sha256": issued.sha256,
            "tables": issued.figures,
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Content-Disposition"] = f'attachment; filename="kennzahlen_{issued.pk}.json"'
    return response


@role_required(*REPORT_ROLES)
@require_POST
def job_start(request: HttpRequest) -> HttpResponse:
    form = _period_form(request)
    fmt = request.POST.get("format", "pdf")
    if fmt not in FORMATS or not form.is_valid():
        messages.error(request, _("Bitte einen gültigen Zeitraum wählen."))
        return redirect("reports:index")
    job = _start_job(request, form, fmt)
    return redirect("reports:job", pk=job.pk)


def _start_job(request: HttpRequest, form: PeriodForm, fmt: str, *, issue: bool = False):
    period = form.period
    job = ReportJob.objects.create(
        owner=request.user,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        scope_caseworker=form.scope,
        kind=form.chosen_kind,
        format=fmt,
        issue=issue,
    )
    transaction.on_commit(lambda: build_report_job.enqueue(job.pk))
    return job


def _own_job(request: HttpRequest, pk: int, **kwargs) -> ReportJob:
    # Another user's job is a 404: its existence is none of their business.
    return get_object_or_404(ReportJob.objects.defer("result"), pk=pk, owner=request.user, **kwargs)


@role_required(*REPORT_ROLES)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    template = "reports/job.html#status" if request.htmx else "reports/job.html"
    return render(request, template, {"job": job})


@role_required(*REPORT_ROLES)
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ReportJob, pk=pk, owner=request.user, status=ReportJob.Status.DONE)
    _log_kind(request, job.kind, AccessAction.EXPORT, job)
    return _attachment(bytes(job.result), job.format, job.filename)


# --- Funding targets (Administration) ---------------------------------------------------------


class FundingTargetForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = FundingTarget
        fields = ["period_start", "period_end", "metric", "target", "note"]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Das Ende darf nicht vor dem Beginn liegen."))
        target = data.get("target")
        if target is not None and target < 0:
            self.add_error("target", _("Ein Zielwert kann nicht negativ sein."))
        if (
            target is not None
            and data.get("metric") == FundingTarget.Metric.INTEGRATION_RATE
            and target > 100
        ):
            self.add_error("target", _("Eine Quote kann höchstens 100 % betragen."))
        return data


@role_required(Role.ADMINISTRATION)
def targets(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """List the funding targets; add one, or edit the one with `pk`."""
    instance = get_object_or_404(FundingTarget, pk=pk) if pk is not None else None
    form = FundingTargetForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form)
        except StaleObjectError:
            handle_stale(form)
        else:
            messages.success(request, _("Zielwert gespeichert."))
            return redirect("reports:targets")
    return render(
        request,
        "reports/targets.html",
        {
            "form": form,
            "instance": instance,
            "targets": Paginator(FundingTarget.objects.all(), 50).get_page(request.GET.get("page")),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(Role.ADMINISTRATION)
@require_POST
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(FundingTarget, pk=pk).delete()
    messages.success(request, _("Zielwert gelöscht."))
    return redirect("reports:targets")
