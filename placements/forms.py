"""Forms of the placements app: plan/edit a placement, state changes, check-ins,
the assessment and the outcome."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.models import ContactPerson, Employer
from fallmanagement.core.locking import VersionedFormMixin
from fallmanagement.core.rules import ModelRulesFormMixin
from fallmanagement.core.widgets import (
    GermanBlankChoiceMixin,
    SearchSelect,
    kldb_occupation_field,
    parse_id,
)
from participants.models import Participant
from participants.workflow import allowed_transitions

from . import uploads, workflow
from .models import Assessment, CheckIn, Document, Placement


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


OUTCOME_STATUS = {
    # outcome -> (case status, placed_as) the case may follow to
    Placement.Outcome.ANOTHER_INTERNSHIP: (Participant.Status.INTERNSHIP_PREP, ""),
    Placement.Outcome.QUALIFICATION: (Participant.Status.QUALIFICATION, ""),
    Placement.Outcome.EQ: (Participant.Status.PLACED, Participant.PlacedAs.EQ),
    Placement.Outcome.APPRENTICESHIP: (
        Participant.Status.PLACED,
        Participant.PlacedAs.APPRENTICESHIP,
    ),
    Placement.Outcome.EMPLOYMENT: (Participant.Status.PLACED, Participant.PlacedAs.EMPLOYMENT),
}


class PlacementForm(
    ModelRulesFormMixin, GermanBlankChoiceMixin, VersionedFormMixin, forms.ModelForm
):
    confirm_overbooking = forms.BooleanField(
        label=_("Trotzdem planen"),
        required=False,
        help_text=_("Nur nötig, wenn der Betrieb im Zeitraum schon voll belegt ist."),
    )

    class Meta:
        model = Placement
        fields = [
            "participant",
            "employer",
            "kind",
            "employment_type",
            "kldb_group",
            "kldb_occupation",
            "job_title",
            "supervisor",
            "planned_start",
            "planned_end",
            "hours_per_week",
            "daily_hours",
            "pay",
            "leave",
            "goals",
            "tasks",
            "legal_basis",
            "agreement_signed_on",
            "insurance_confirmed_on",
            "agency_approval_on",
        ]
        widgets = {
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "agreement_signed_on": DateInput(),
            "insurance_confirmed_on": DateInput(),
            "agency_approval_on": DateInput(),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "tasks": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "employment_type": _("Nur bei Beschäftigung."),
            "legal_basis": _("Nur bei Orientierungspraktika."),
            "agency_approval_on": _("Nur bei einer Maßnahme nach § 45 SGB III; vor Beginn nötig."),
        }

    def __init__(self, *args, user, fixed_participant: Participant | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or fixed_participant is not None:
            del self.fields["participant"]
        else:
            self.fields["participant"].queryset = (
                Participant.objects.writable_by(user)
                .exclude(status=Participant.Status.CLOSED)
                .order_by("last_name", "first_name")
            )
        employers = Employer.objects.partners()
        if self.instance.employer_id:  # keep the current employer even if no longer active
            employers |= Employer.objects.filter(pk=self.instance.employer_id)
        field = self.fields["employer"]
        field.help_text = _("Nur aktive Partnerbetriebe.")
        if employers.count() > settings.EMPLOYER_SELECT_MAX:
            # Too many to list (a large city has thousands): search, then choose.
            field.widget = SearchSelect(
                reverse("employers:choices"), _("Betrieb suchen (Name, Ort oder PLZ)")
            )
            field.widget.is_required = field.required
            field.help_text = _(
                "Nur aktive Partnerbetriebe. Suchen Sie den Betrieb und wählen Sie ihn dann aus."
            )
        field.queryset = employers.order_by("name")  # also gives the widget its choices
        field.error_messages["invalid_choice"] = _("Bitte einen aktiven Partnerbetrieb wählen.")
        # Choosing the employer fills the supervisor list with its contact persons (htmx).
        field.widget.attrs.update(
            {
                "data-hx-get": reverse("employers:contact_choices"),
                "data-hx-trigger": "change",
                "data-hx-target": "#id_supervisor",
                "aria-controls": "id_supervisor",
            }
        )
        kldb_occupation_field(self)
        employer_id = self.data.get("employer") if self.is_bound else None
        employer_id = parse_id(
            employer_id or self.initial.get("employer") or self.instance.employer_id
        )
        supervisor = self.fields["supervisor"]
        if employer_id is not None:
            supervisor.queryset = ContactPerson.objects.filter(
                employer_id=employer_id, is_active=True
            )
        else:
            supervisor.queryset = ContactPerson.objects.none()
            supervisor.help_text = _(
                "Erst den Betrieb wählen; dann stehen hier seine Ansprechpersonen (ohne "
                "JavaScript nach dem Speichern)."
            )

    def clean(self):
        data = super().clean()
        employer, start, end = (data.get(k) for k in ("employer", "planned_start", "planned_end"))
        if (
            data.get("kind") == Placement.Kind.INTERNSHIP
            and employer
            and start
            and end
            and start <= end
            and self.instance.state != Placement.State.ABORTED
        ):
            check = workflow.capacity_check(employer, start, end, exclude_pk=self.instance.pk)
            if check.overbooked and not data.get("confirm_overbooking"):
                self.add_error("confirm_overbooking", check.message)
        return data

    def validate_constraints(self):
        # clean() already explains every rule; the constraints' general messages would only
        # repeat it. They still run when clean() found nothing (and the database has the last word).
        if not self.errors:
            super().validate_constraints()


class AgreeForm(GermanBlankChoiceMixin, forms.Form):
    agreement_signed_on = forms.DateField(
        label=_("Vereinbarung unterschrieben am"), widget=DateInput()
    )
    insurance_confirmed_on = forms.DateField(
        label=_("Unfallversicherung bestätigt am"), widget=DateInput(), required=False
    )


class StartForm(GermanBlankChoiceMixin, forms.Form):
    actual_start = forms.DateField(label=_("Tatsächlicher Beginn"), widget=DateInput())


class CompleteForm(GermanBlankChoiceMixin, forms.Form):
    actual_end = forms.DateField(label=_("Tatsächliches Ende"), widget=DateInput())


class AbortForm(GermanBlankChoiceMixin, forms.Form):
    reason = forms.CharField(
        label=_("Grund des Abbruchs"), widget=forms.Textarea(attrs={"rows": 2})
    )
    actual_end = forms.DateField(
        label=_("Letzter Tag"),
        widget=DateInput(),
        required=False,
        help_text=_("Nur wenn der Einsatz schon begonnen hat."),
    )


def transition_form(action: str, placement: Placement, data=None):
    """The form of one state change (the case status follows by itself, see workflow)."""
    form_class = TRANSITION_FORMS[action]
    kwargs = {"prefix": action}
    if data is None:
        kwargs["initial"] = transition_initial(placement, action)
    return form_class(data, **kwargs)


TRANSITION_FORMS = {
    "agree": AgreeForm,
    "start": StartForm,
    "complete": CompleteForm,
    "abort": AbortForm,
}


def transition_initial(placement: Placement, action: str) -> dict:
    today = timezone.localdate()
    return {
        "agree": {
            "agreement_signed_on": placement.agreement_signed_on or today,
            "insurance_confirmed_on": placement.insurance_confirmed_on,
        },
        "start": {"actual_start": min(placement.planned_start, today)},
        "complete": {"actual_end": min(placement.planned_end, today)},
        "abort": {"actual_end": today if placement.actual_start else None},
    }[action]


class CheckInForm(ModelRulesFormMixin, GermanBlankChoiceMixin, forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["date", "with_whom", "rating", "issues"]
        widgets = {"date": DateInput(), "issues": forms.Textarea(attrs={"rows": 2})}


class AssessmentForm(GermanBlankChoiceMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["assessed_on", *Assessment.RATED_FIELDS, "comments", "recommendation"]
        widgets = {
            "assessed_on": DateInput(),
            "comments": forms.Textarea(attrs={"rows": 3}),
            **{
                name: forms.RadioSelect(attrs={"class": "rating"})
                for name in Assessment.RATED_FIELDS
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Assessment.RATED_FIELDS:
            # No empty "---------" choice: a rating is required.
            self.fields[name].choices = Assessment.Score.choices


class OutcomeForm(GermanBlankChoiceMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Ergebnis"), choices=Placement.Outcome.choices)
    offer_from_employer = forms.BooleanField(
        label=_("Angebot des Betriebs (Ausbildung/Arbeit)"), required=False
    )
    follow_on_job_title = forms.CharField(
        label=_("Tätigkeit im Anschluss-Einsatz"),
        max_length=200,
        required=False,
        help_text=_(
            "Nur bei weiterem Praktikum, EQ, Ausbildung oder Beschäftigung: die Berufsbezeichnung "
            "des neuen Einsatzes, z. B. „Ausbildung Pflegefachfrau“."
        ),
    )
    change_case_status = forms.BooleanField(
        label=_("Fallstatus passend zum Ergebnis setzen"),
        required=False,
        help_text=_(
            "Ausbildung, EQ, Beschäftigung → „Vermittelt“; Qualifizierung → „Qualifizierung“; "
            "weiteres Praktikum → „Praktikumsvorbereitung“."
        ),
    )

    def __init__(self, *args, participant: Participant, has_follow_on: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.has_follow_on = has_follow_on
        if has_follow_on:  # the follow-on exists and keeps its own title
            del self.fields["follow_on_job_title"]

    def target_status(self) -> tuple[str, str] | None:
        return OUTCOME_STATUS.get(self.cleaned_data.get("outcome"))

    def clean(self):
        data = super().clean()
        if (
            not self.has_follow_on
            and data.get("outcome") in Placement.OUTCOME_KIND
            and not (data.get("follow_on_job_title") or "").strip()
        ):
            self.add_error(
                "follow_on_job_title",
                _(
                    "Bitte die Tätigkeit des Anschluss-Einsatzes angeben (er wird mit diesem "
                    "Ergebnis angelegt)."
                ),
            )
        if data.get("change_case_status") and data.get("outcome"):
            target = self.target_status()
            if target is None:
                self.add_error(
                    "change_case_status",
                    _("Für „kein Anschluss“ gibt es keinen passenden Fallstatus."),
                )
            elif target[0] != self.participant.status and target[0] not in allowed_transitions(
                self.participant
            ):
                self.add_error(
                    "change_case_status",
                    _(
                        "Der Fallstatus kann nicht auf „%(to)s“ gesetzt werden: von „%(from)s“ "
                        "ist das kein erlaubter Wechsel. Bitte den Status in der Fallakte "
                        "schrittweise ändern oder das Häkchen entfernen."
                    )
                    % {
                        "to": Participant.Status(target[0]).label,
                        "from": self.participant.get_status_display(),
                    },
                )
        return data


class DocumentForm(forms.ModelForm):
    """Upload a document; the file is checked by its content (placements.uploads)."""

    class Meta:
        model = Document
        fields = ["kind", "title", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(
            [".pdf", ".jpg", ".jpeg", ".png", ".docx", ".odt"]
        )
        self.fields["file"].help_text = _("PDF, JPEG, PNG, DOCX oder ODT, höchstens %(limit)s.") % {
            "limit": filesizeformat(uploads.max_upload_bytes())
        }
        self.content_type = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = uploads.check_upload(upload)
        return upload
