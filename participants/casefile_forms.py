"""Forms of the case file page: notes, goals, follow-ups, recognition procedures and the
status change (which only offers the transitions the workflow allows)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from employers.models import NetworkPartner
from fallmanagement.core.locking import VersionedFormMixin
from fallmanagement.core.widgets import BLANK_LABEL

from . import workflow
from .models import CaseNote, FollowUp, Goal, Participant, RecognitionProcedure

CONSENT_MISSING = _(
    "Ohne Einwilligung kann der Fall nicht bearbeitet werden. Bitte zuerst die Einwilligung "
    "in den Stammdaten erfassen."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _not_in_future(value, message):
    if value and value > timezone.localdate():
        raise ValidationError(message)
    return value


class CaseNoteForm(forms.ModelForm):
    """A note and, optionally, its follow-up ("in 1/2/4 Wochen" or a free date) in one form."""

    FOLLOWUP_CHOICES = [
        ("", _("keine")),
        ("7", _("in 1 Woche")),
        ("14", _("in 2 Wochen")),
        ("28", _("in 4 Wochen")),
        ("datum", _("am …")),
    ]

    followup_subject = forms.CharField(
        label=_("Wiedervorlage: was ist zu tun?"), max_length=300, required=False
    )
    followup_in = forms.ChoiceField(
        label=_("Wiedervorlage fällig"),
        choices=FOLLOWUP_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    followup_due_on = forms.DateField(
        label=_("Wiedervorlage am"), required=False, widget=DateInput()
    )

    class Meta:
        model = CaseNote
        fields = [
            "date",
            "contact_kind",
            "duration_minutes",
            "with_interpreter",
            "text",
            "confidential",
        ]
        widgets = {"date": DateInput(), "text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "note")
        kwargs.setdefault(
            "initial",
            {"date": timezone.localdate(), "contact_kind": CaseNote.ContactKind.IN_PERSON},
        )
        super().__init__(*args, **kwargs)
        self.fields["duration_minutes"].widget.attrs.update(min=1, max=600)
        self.fields["contact_kind"].choices = CaseNote.ContactKind.choices

    def clean_date(self):
        return _not_in_future(
            self.cleaned_data["date"], _("Eine Gesprächsnotiz kann nicht in der Zukunft liegen.")
        )

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if minutes is not None and not 1 <= minutes <= 600:
            raise ValidationError(_("Bitte eine Dauer zwischen 1 und 600 Minuten angeben."))
        return minutes

    def clean(self):
        cleaned = super().clean()
        subject = cleaned.get("followup_subject", "").strip()
        when = cleaned.get("followup_in", "")
        due_on = cleaned.get("followup_due_on")
        if when == "datum" and not due_on:
            self.add_error("followup_due_on", _("Bitte das Datum der Wiedervorlage angeben."))
        elif when == "datum" and due_on < timezone.localdate():
            self.add_error(
                "followup_due_on", _("Eine Wiedervorlage kann nicht in der Vergangenheit liegen.")
            )
        if subject and not when:
            self.add_error("followup_in", _("Bitte angeben, wann die Wiedervorlage fällig ist."))
        if when and not subject:
            self.add_error("followup_subject", _("Bitte angeben, was zu tun ist."))
        return cleaned

    def followup_due(self):
        """The follow-up's due date, or None when the note has none."""
        when = self.cleaned_data.get("followup_in")
        if not when or not self.cleaned_data.get("followup_subject", "").strip():
            return None
        if when == "datum":
            return self.cleaned_data["followup_due_on"]
        return timezone.localdate() + datetime.timedelta(days=int(when))


class NoteCorrectionForm(VersionedFormMixin, forms.ModelForm):
    """The author corrects the text on the day it was written."""

    class Meta:
        model = CaseNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}


class NoteAddendumForm(forms.Form):
    """Later the author adds an addendum (one more each time); the original text stays."""

    addendum = forms.CharField(label=_("Nachtrag"), widget=forms.Textarea(attrs={"rows": 4}))


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["text", "agreed_on", "due_on"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "agreed_on": DateInput(),
            "due_on": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "goal")
        kwargs.setdefault("initial", {"agreed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        agreed, due = cleaned.get("agreed_on"), cleaned.get("due_on")
        if agreed and due and due < agreed:
            self.add_error("due_on", _("Das Zieldatum darf nicht vor der Vereinbarung liegen."))
        return cleaned


class GoalCloseForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Stand"),
        choices=[(Goal.State.ACHIEVED, _("erreicht")), (Goal.State.DROPPED, _("verworfen"))],
    )


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["due_on", "subject"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "followup")
        super().__init__(*args, **kwargs)


class FollowUpDoneForm(forms.Form):
    """Ticking off a follow-up; the whereabouts ones record where the person went."""

    whereabouts = forms.ChoiceField(
        label=_("Verbleib"),
        choices=[("", BLANK_LABEL), *FollowUp.Whereabouts.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, followup: FollowUp, **kwargs):
        super().__init__(*args, **kwargs)
        self.followup = followup
        self.needs_whereabouts = followup.kind in (
            FollowUp.Kind.WHEREABOUTS_4W,
            FollowUp.Kind.WHEREABOUTS_6M,
        )
        widget = self.fields["whereabouts"].widget
        if self.needs_whereabouts:
            widget.attrs["required"] = True
        if self.is_bound and self.errors.get("whereabouts"):
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-describedby"] = f"{self['whereabouts'].id_for_label}-error"

    def clean_whereabouts(self):
        value = self.cleaned_data["whereabouts"]
        if self.needs_whereabouts and not value:
            raise ValidationError(_("Bitte den Verbleib angeben."))
        return value


class RecognitionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = RecognitionProcedure
        fields = [
            "reference_profession",
            "competent_body",
            "network_partner",
            "state",
            "advised_on",
            "applied_on",
            "file_complete_on",
            "decided_on",
            "notes",
        ]
        widgets = {
            "advised_on": DateInput(),
            "applied_on": DateInput(),
            "file_complete_on": DateInput(),
            "decided_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "rec")
        super().__init__(*args, **kwargs)
        partners = NetworkPartner.objects.filter(is_active=True)
        if self.instance.network_partner_id:
            partners = NetworkPartner.objects.filter(
                is_active=True
            ) | NetworkPartner.objects.filter(pk=self.instance.network_partner_id)
        self.fields["network_partner"].queryset = partners.order_by("name")
        self.fields["network_partner"].empty_label = _("– kein Netzwerkpartner –")

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("state")
        S = RecognitionProcedure.State
        decided = cleaned.get("decided_on")
        if state in RecognitionProcedure.DECIDED_STATES and not decided:
            self.add_error("decided_on", _("Bitte das Datum des Bescheids angeben."))
        if decided and state not in RecognitionProcedure.DECIDED_STATES:
            self.add_error("state", _("Mit Bescheiddatum bitte das Ergebnis als Stand wählen."))
        if state in (S.APPLIED, S.IN_REVIEW, *RecognitionProcedure.DECIDED_STATES) and not (
            cleaned.get("applied_on")
        ):
            self.add_error("applied_on", _("Bitte angeben, wann der Antrag gestellt wurde."))
        order = [
            ("advised_on", cleaned.get("advised_on")),
            ("applied_on", cleaned.get("applied_on")),
            ("file_complete_on", cleaned.get("file_complete_on")),
            ("decided_on", decided),
        ]
        known = [(name, day) for name, day in order if day]
        for (_name, earlier), (name, later) in zip(known, known[1:], strict=False):
            if later < earlier:
                self.add_error(name, _("Die Daten müssen in zeitlicher Reihenfolge liegen."))
                break
        return cleaned


class StatusChangeForm(forms.Form):
    # A CharField with a select, so a refused target gets the workflow's own message.
    to_status = forms.CharField(label=_("Neuer Status"), widget=forms.Select)
    on = forms.DateField(label=_("Datum"), widget=DateInput())
    reason = forms.CharField(
        label=_("Begründung"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exit_reason = forms.ChoiceField(
        label=_("Austrittsgrund"),
        required=False,
        choices=[("", BLANK_LABEL), *Participant.ExitReason.choices],
        help_text=_("Nur beim Abschließen."),
    )
    placed_as = forms.ChoiceField(
        label=_("Vermittelt in"),
        required=False,
        choices=[("", BLANK_LABEL), *Participant.PlacedAs.choices],
        help_text=_("Nur bei „Vermittelt“."),
    )

    def __init__(self, *args, participant: Participant, **kwargs):
        kwargs.setdefault("prefix", "status")
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.participant = participant
        targets = workflow.allowed_transitions(participant)
        if not participant.has_consent:
            # Without consent the case may only be paused or closed, not worked on.
            targets = [
                t for t in targets if t in (Participant.Status.CLOSED, Participant.Status.PAUSED)
            ]
        self.targets = targets
        self.fields["to_status"].widget.choices = [
            ("", BLANK_LABEL),
            *((t, Participant.Status(t).label) for t in targets),
        ]
        if participant.is_closed:
            self.fields["exit_reason"].widget = forms.HiddenInput()
        self.fields["on"].label = _("Datum (bei Abschluss: Austrittsdatum)")

    def clean_to_status(self):
        target = self.cleaned_data["to_status"]
        if target not in self.targets:
            label = (
                Participant.Status(target).label if target in Participant.Status.values else target
            )
            raise ValidationError(
                _("Von „%(from)s“ nach „%(to)s“ ist kein erlaubter Statuswechsel.")
                % {"from": self.participant.get_status_display(), "to": label}
            )
        return target

    def clean_on(self):
        return _not_in_future(
            self.cleaned_data["on"], _("Ein Statuswechsel kann nicht in der Zukunft liegen.")
        )

    def clean(self):
        cleaned = super().clean()
        target = cleaned.get("to_status")
        if target == Participant.Status.CLOSED and not cleaned.get("exit_reason"):
            self.add_error("exit_reason", _("Zum Abschließen bitte einen Austrittsgrund angeben."))
        if target == Participant.Status.PLACED and not cleaned.get("placed_as"):
            self.add_error("placed_as", _("Bitte angeben, wohin vermittelt wurde."))
        return cleaned

    def save(self, user):
        """Apply the change via the workflow; its refusals become form errors."""
        data = self.cleaned_data
        try:
            return workflow.change_status(
                self.participant,
                data["to_status"],
                user,
                reason=data["reason"],
                on=data["on"],
                exit_reason=data["exit_reason"]
                if data["to_status"] == Participant.Status.CLOSED
                else "",
                placed_as=data["placed_as"]
                if data["to_status"] == Participant.Status.PLACED
                else "",
            )
        except ValidationError as error:
            for message in error.messages:
                self.add_error(None, message)
            return None
