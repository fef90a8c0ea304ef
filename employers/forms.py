"""Forms of the employers app: employer master data, offered fields, contact persons,
contact history, partnership state, network partners and the matching period."""

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fallmanagement.core.locking import VersionedFormMixin
from fallmanagement.core.widgets import GermanBlankChoiceMixin, kldb_occupation_field

from . import workflow
from .models import (
    ContactPerson,
    Employer,
    EmployerContact,
    EmployerField,
    NetworkContactPerson,
    NetworkPartner,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EMPLOYER_FIELDS = [
    "name",
    "legal_form",
    "street",
    "postcode",
    "city",
    "industry",
    "size_band",
    "phone",
    "email",
    "website",
    "capacity",
    "capacity_notes",
    "workplace_languages",
    "german_level_required",
    "transit_access",
    "is_training_company",
    "chamber",
    "notes",
]


class EmployerForm(GermanBlankChoiceMixin, VersionedFormMixin, forms.ModelForm):
    """Master data of an employer (Administration). The state changes separately."""

    class Meta:
        model = Employer
        fields = [*EMPLOYER_FIELDS, "partner_since"]
        widgets = {
            "transit_access": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "partner_since": DATE_WIDGET,
        }
        help_texts = {
            "partner_since": _(
                "Seit wann der Betrieb aktiver Partner ist; auch früher als heute (bestehende "
                "Partnerschaften), nicht in der Zukunft."
            )
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_training_company") and not cleaned.get("chamber"):
            self.add_error(
                "chamber", _("Bitte die zuständige Kammer für den Ausbildungsbetrieb angeben.")
            )
        name, postcode = cleaned.get("name"), cleaned.get("postcode")
        if name and postcode:
            duplicates = Employer.objects.filter(name__iexact=name.strip(), postcode=postcode)
            if self.instance.pk:
                duplicates = duplicates.exclude(pk=self.instance.pk)
            if duplicates.exists():
                self.add_error("name", DUPLICATE_MESSAGE)
        return cleaned

    def validate_constraints(self):
        # The duplicate check above gives a field error; skip the model's generic one.
        pass


DUPLICATE_MESSAGE = _(
    "Ein Betrieb mit diesem Namen und dieser PLZ ist bereits erfasst. Bitte suchen Sie ihn "
    "in der Liste, statt ihn doppelt anzulegen."
)


class EmployerCreateForm(EmployerForm):
    """New employer by Administration: master data and the initial partnership state."""

    class Meta(EmployerForm.Meta):
        fields = [*EMPLOYER_FIELDS, "state", "partner_since"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("partner_since")
            and cleaned.get("state") != Employer.PartnershipState.ACTIVE
        ):
            self.add_error(
                "partner_since",
                _("„Aktiver Partner seit“ gilt nur für Betriebe mit der Partnerschaft „aktiv“."),
            )
        return cleaned


class EmployerProposalForm(EmployerForm):
    """A caseworker proposes an employer: it starts as "angefragt" for Administration."""

    class Meta(EmployerForm.Meta):
        fields = [
            "name",
            "street",
            "postcode",
            "city",
            "industry",
            "phone",
            "email",
            "website",
            "notes",
        ]
        labels = {"notes": _("Warum dieser Betrieb? (Hinweis für die Programmkoordination)")}


class EmployerFieldForm(GermanBlankChoiceMixin, forms.ModelForm):
    class Meta:
        model = EmployerField
        fields = [
            "kldb_group",
            "kldb_occupation",
            "offers_internship",
            "offers_apprenticeship",
            "offers_job",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kldb_occupation_field(self)


EmployerFieldFormSet = inlineformset_factory(
    Employer, EmployerField, form=EmployerFieldForm, extra=2, can_delete=True
)

CONSENT_MESSAGE = _(
    "Ansprechpersonen dürfen nur mit ihrer Einwilligung gespeichert werden. Bitte die "
    "Einwilligung bestätigen oder die Zeile leer lassen bzw. zum Löschen markieren."
)


class ContactPersonForm(GermanBlankChoiceMixin, forms.ModelForm):
    consent_to_store = forms.BooleanField(
        label=_("Einwilligung zur Speicherung liegt vor"),
        required=True,
        error_messages={"required": CONSENT_MESSAGE},
    )

    class Meta:
        model = ContactPerson
        fields = [
            "name",
            "role",
            "phone",
            "email",
            "preferred_contact",
            "consent_to_store",
            "consent_date",
        ]
        widgets = {"consent_date": DATE_WIDGET}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent_to_store") and not cleaned.get("consent_date"):
            cleaned["consent_date"] = timezone.localdate()
        if cleaned.get("preferred_contact") == ContactPerson.PreferredContact.EMAIL and not (
            cleaned.get("email")
        ):
            self.add_error("email", _("Bitte eine E-Mail-Adresse angeben (bevorzugter Weg)."))
        if cleaned.get("preferred_contact") == ContactPerson.PreferredContact.PHONE and not (
            cleaned.get("phone")
        ):
            self.add_error("phone", _("Bitte eine Telefonnummer angeben (bevorzugter Weg)."))
        return cleaned


ContactPersonFormSet = inlineformset_factory(
    Employer, ContactPerson, form=ContactPersonForm, extra=1, can_delete=True
)


class EmployerContactForm(GermanBlankChoiceMixin, forms.ModelForm):
    """One entry of the contact history (call, visit, agreement …)."""

    class Meta:
        model = EmployerContact
        fields = ["date", "kind", "contact_person", "text"]
        widgets = {"date": DATE_WIDGET, "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, employer: Employer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].queryset = employer.contacts.filter(is_active=True)
        self.fields["contact_person"].empty_label = _("– keine –")
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("Ein Kontakt kann nicht in der Zukunft liegen."))
        return date


class StateChangeForm(forms.Form):
    to_state = forms.ChoiceField(label=_("Neuer Stand"))
    changed_on = forms.DateField(label=_("Datum"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Grund"), max_length=300, required=False)

    def __init__(self, *args, employer: Employer, **kwargs):
        super().__init__(*args, **kwargs)
        self.employer = employer
        labels = dict(Employer.PartnershipState.choices)
        self.fields["to_state"].choices = [(s, labels[s]) for s in employer.allowed_states()]
        self.fields["changed_on"].initial = timezone.localdate()

    def clean_changed_on(self):
        day = self.cleaned_data["changed_on"]
        problems = workflow.change_date_errors(self.employer, day)
        if problems:
            raise forms.ValidationError(problems)
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_state") in workflow.NEEDS_REASON and not cleaned.get("reason"):
            self.add_error("reason", _("Bitte einen Grund für Pause oder Ende angeben."))
        return cleaned


class MatchingPeriodForm(forms.Form):
    start = forms.DateField(label=_("Praktikum ab"), widget=DATE_WIDGET, required=False)
    end = forms.DateField(label=_("bis"), widget=DATE_WIDGET, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("Das Ende darf nicht vor dem Beginn liegen."))
        return cleaned


class MatchingFilterForm(MatchingPeriodForm):
    """The filters of both matching pages: occupational field, town or district, free places
    in the period or today. `fields`: the (code, label) choices of the field filter."""

    FREE_CHOICES = [
        ("period", _("frei im gewählten Zeitraum")),
        ("now", _("frei heute")),
        ("all", _("auch ohne freien Platz")),
    ]

    field = forms.ChoiceField(label=_("Berufsfeld"), required=False)
    place = forms.CharField(
        label=_("Ort oder PLZ"),
        required=False,
        max_length=100,
        help_text=_("Teil des Ortsnamens oder Anfang der PLZ, z. B. „341“."),
    )
    free = forms.ChoiceField(label=_("Freie Plätze"), choices=FREE_CHOICES, required=False)

    def clean_free(self):
        return self.cleaned_data.get("free") or "period"

    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("alle"))] + fields


class NetworkPartnerForm(GermanBlankChoiceMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = NetworkPartner
        fields = [
            "name",
            "kind",
            "topics",
            "street",
            "postcode",
            "city",
            "phone",
            "email",
            "website",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class NetworkContactPersonForm(forms.ModelForm):
    class Meta:
        model = NetworkContactPerson
        fields = ["name", "role", "phone", "email"]


NetworkContactFormSet = inlineformset_factory(
    NetworkPartner, NetworkContactPerson, form=NetworkContactPersonForm, extra=1, can_delete=True
)
