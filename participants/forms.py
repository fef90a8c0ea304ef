"""Forms of the participants app: intake (Aufnahme) with its inline formsets, caseload
filters and search, sharing and reassignment."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from fallmanagement.core.locking import VersionedFormMixin
from fallmanagement.core.models import KldbArea, KldbGroup, KldbOccupation
from fallmanagement.core.roles import Role, has_role
from fallmanagement.core.rules import ModelRulesFormMixin
from fallmanagement.core.widgets import (
    BLANK_LABEL,
    FastSelect,
    german_blank_choices,
    kldb_occupation_field,
)

from .models import Language, Participant, VocationalExperience
from .queries import can_see_special_categories

SPECIAL_CATEGORY_FIELDS = ("residence_details", "health_notes")


def caseworkers():
    """Active users holding the Fallmanagement role (for assignment and sharing)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.CASEWORK)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


class CaseworkerChoiceField(forms.ModelChoiceField):
    widget = FastSelect  # a large office has hundreds of caseworkers

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ParticipantForm(ModelRulesFormMixin, VersionedFormMixin, forms.ModelForm):
    """The intake form: one page in sections, only the names are required. The date rules
    are Participant.clean()'s, so the admin, imports and commands keep them too."""

    confirm_duplicate = forms.BooleanField(
        label=_("Trotzdem anlegen"),
        required=False,
        help_text=_("Ich habe geprüft, dass es sich um eine andere Person handelt."),
    )
    interest_groups = forms.ModelMultipleChoiceField(
        queryset=KldbGroup.objects.select_related("area"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Berufliche Interessen (KldB)"),
    )
    interest_occupations = forms.ModelMultipleChoiceField(
        queryset=KldbOccupation.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Berufswunsch genauer (KldB)"),
        help_text=_(
            "Alle Berufsgruppen (3 Stellen) stehen zur Wahl; Berufsuntergruppen und "
            "Berufsgattungen der oben angekreuzten Berufshauptgruppen erscheinen nach dem "
            "Speichern. Mehrere mit Strg/Umschalt wählen."
        ),
    )

    class Meta:
        model = Participant
        fields = [
            "last_name",
            "first_name",
            "preferred_name",
            "date_of_birth",
            "gender",
            "country_of_origin",
            "nationality",
            "arrival_date",
            "residence_status",
            "residence_valid_until",
            "residence_details",
            "work_permit",
            "work_permit_valid_until",
            "street",
            "postcode",
            "city",
            "phone",
            "email",
            "german_level",
            "german_level_at_entry",
            "school_years",
            "isced_level",
            "qualifications",
            "has_documents",
            "interest_groups",
            "interest_occupations",
            "interests",
            "motivation",
            "resources",
            "needs",
            "health_notes",
            "consent_date",
            "consent_scope",
            "consent_withdrawn_on",
            "caseworker",
            "entry_date",
        ]
        widgets = {
            "date_of_birth": DateInput,
            "arrival_date": DateInput,
            "residence_valid_until": DateInput,
            "work_permit_valid_until": DateInput,
            "consent_date": DateInput,
            "consent_withdrawn_on": DateInput,
            "entry_date": DateInput,
            "residence_details": forms.Textarea(attrs={"rows": 2}),
            "qualifications": forms.Textarea(attrs={"rows": 2}),
            "interests": forms.Textarea(attrs={"rows": 2}),
            "motivation": forms.Textarea(attrs={"rows": 2}),
            "resources": forms.Textarea(attrs={"rows": 3}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "health_notes": forms.Textarea(attrs={"rows": 2}),
            "consent_scope": forms.Textarea(attrs={"rows": 2}),
            "has_documents": forms.NullBooleanSelect,
        }
        field_classes = {"caseworker": CaseworkerChoiceField}
        help_texts = {
            "postcode": _("Fünf Ziffern"),
            "consent_date": _("Ohne Einwilligung kann der Fall nicht bearbeitet werden."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.is_create = self.instance.pk is None
        self.is_admin = has_role(user, Role.ADMINISTRATION)
        if not self.is_create:
            self.fields.pop("confirm_duplicate")
        if self.is_admin:
            self.fields["caseworker"].queryset = caseworkers()
            # An unassigned case would be invisible to every caseworker.
            self.fields["caseworker"].required = True
        else:
            # A new case belongs to the caseworker who creates it; only Administration
            # assigns or reassigns (see views.create / views.reassign).
            self.fields.pop("caseworker")
        self.special_categories = self.is_create or can_see_special_categories(user, self.instance)
        if not self.special_categories:
            for name in SPECIAL_CATEGORY_FIELDS:
                self.fields.pop(name)
        self.fields["interest_groups"].choices = self._grouped_kldb()
        self._limit_interest_occupations()
        self.fields["country_of_origin"].choices = [("", BLANK_LABEL)] + list(countries)
        self.fields["nationality"].choices = [("", BLANK_LABEL)] + list(countries)
        german_blank_choices(self.fields)
        self.helper = self._helper()

    def _limit_interest_occupations(self) -> None:
        """The Berufsgruppen, plus the finer codes of the chosen Berufshauptgruppen and of the
        codes already chosen (a select of all 2 146 codes would be unusable)."""
        field = self.fields["interest_occupations"]
        groups: list = []
        chosen: list = []
        if self.is_bound and hasattr(self.data, "getlist"):
            groups = self.data.getlist(self.add_prefix("interest_groups"))
            chosen = self.data.getlist(self.add_prefix("interest_occupations"))
        elif not self.is_bound and self.instance.pk:
            groups = list(self.instance.interest_groups.values_list("pk", flat=True))
            chosen = list(self.instance.interest_occupations.values_list("pk", flat=True))
        field.queryset = KldbOccupation.objects.filter(
            Q(level=KldbOccupation.Level.GROUP) | Q(group_id__in=groups) | Q(pk__in=chosen)
        ).order_by("code")

    @staticmethod
    def _grouped_kldb():
        groups: dict[str, list] = {}
        for group in KldbGroup.objects.select_related("area").order_by("code"):
            groups.setdefault(str(group.area), []).append((group.pk, str(group)))
        return list(groups.items())

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True

        def maybe(*names):
            return [name for name in names if name in self.fields]

        def section(legend, *items):
            return Fieldset(legend, *items, css_class="intake-section")

        def row(*names):
            return Div(
                *[Div(Field(name), css_class="col-md") for name in maybe(*names)],
                css_class="row",
            )

        helper.layout = Layout(
            "version",
            section(
                _("Person"),
                row("last_name", "first_name", "preferred_name"),
                row("date_of_birth", "gender"),
            ),
            section(
                _("Herkunft & Aufenthalt"),
                row("country_of_origin", "nationality", "arrival_date"),
                row("residence_status", "residence_valid_until"),
                *maybe("residence_details"),
                row("work_permit", "work_permit_valid_until"),
            ),
            section(
                _("Kontakt"),
                row("street", "postcode", "city"),
                row("phone", "email"),
            ),
            section(
                _("Sprache & Bildung"),
                row("german_level_at_entry", "german_level"),
                HTML('{% include "participants/intake/language_formset.html" %}'),
                row("school_years", "isced_level"),
                row("qualifications", "has_documents"),
            ),
            section(
                _("Beruf & Interessen"),
                HTML('{% include "participants/intake/experience_formset.html" %}'),
                Div(Field("interest_groups"), css_class="kldb-checkboxes"),
                Field("interest_occupations"),
                row("interests", "motivation"),
            ),
            section(
                _("Ressourcen & Bedarfe"),
                row("resources", "needs"),
                *maybe("health_notes"),
            ),
            section(
                _("Einwilligung"),
                row("consent_date", "consent_withdrawn_on"),
                "consent_scope",
                HTML('{% include "participants/intake/consent_recorded_by.html" %}'),
            ),
            section(
                _("Zuständigkeit"),
                row("entry_date", "caseworker"),
                HTML('{% include "participants/intake/caseworker_note.html" %}'),
            ),
            *maybe("confirm_duplicate"),
        )
        return helper

    def clean_postcode(self):
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        if postcode and not (len(postcode) == 5 and postcode.isascii() and postcode.isdigit()):
            raise forms.ValidationError(_("Die Postleitzahl besteht aus fünf Ziffern."))
        return postcode

    def apply_automatic_fields(self) -> None:
        """Set what the user does not type: who created the case, who recorded the consent,
        the caseworker of a new case."""
        instance = self.instance
        if self.is_create:
            instance.created_by = self.user
            if not self.is_admin:
                instance.caseworker = self.user
        if instance.consent_date and (
            instance.consent_recorded_by_id is None or "consent_date" in self.changed_data
        ):
            instance.consent_recorded_by = self.user
        if not instance.consent_date:
            instance.consent_recorded_by = None


class LanguageForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        german_blank_choices(self.fields)

    class Meta:
        model = Language
        fields = ["language", "level"]
        help_texts = {"level": _("z. B. Muttersprache, gut, Grundkenntnisse")}


class ExperienceForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        german_blank_choices(self.fields)
        kldb_occupation_field(self)

    class Meta:
        model = VocationalExperience
        fields = ["kldb_group", "kldb_occupation", "years", "description"]
        widgets = {"description": forms.TextInput}

    def clean_years(self):
        years = self.cleaned_data.get("years")
        if years is not None and not 0 <= years <= 60:
            raise forms.ValidationError(_("Bitte geben Sie zwischen 0 und 60 Jahren an."))
        return years


LanguageFormSet = inlineformset_factory(
    Participant, Language, form=LanguageForm, extra=1, can_delete=True, max_num=15
)
ExperienceFormSet = inlineformset_factory(
    Participant,
    VocationalExperience,
    form=ExperienceForm,
    extra=1,
    can_delete=True,
    max_num=15,
)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Findet auch Schreibvarianten, z. B. Mohammed / Muhammad."),
    )


SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "status": ("status", "last_name", "pk"),
    "entry": ("entry_date", "pk"),
    "-entry": ("-entry_date", "-pk"),
    "followup": ("next_followup", "last_name", "pk"),
}


class CaseloadFilter(django_filters.FilterSet):
    """Filters of the caseload list: GET parameters that never carry personal data."""

    status = django_filters.ChoiceFilter(
        choices=Participant.Status.choices, label=_("Status"), empty_label=_("alle")
    )
    caseworker = django_filters.ModelChoiceFilter(
        queryset=lambda request: caseworkers(),
        label=_("Fallmanager:in"),
        empty_label=_("alle"),
        widget=FastSelect,
    )
    country = django_filters.ChoiceFilter(
        field_name="country_of_origin",
        choices=lambda: list(countries),
        label=_("Herkunftsland"),
        empty_label=_("alle"),
        widget=FastSelect,
    )
    residence_status = django_filters.ChoiceFilter(
        choices=Participant.ResidenceStatus.choices,
        label=_("Aufenthaltsstatus"),
        empty_label=_("alle"),
    )
    german_level = django_filters.ChoiceFilter(
        choices=Participant.GermanLevel.choices, label=_("Deutsch"), empty_label=_("alle")
    )
    kldb_area = django_filters.ModelChoiceFilter(
        queryset=KldbArea.objects.all(),
        label=_("Berufsbereich (KldB)"),
        empty_label=_("alle"),
        method="filter_kldb_area",
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("status", _("Status")),
            ("-entry", _("Eintritt (neueste zuerst)")),
            ("entry", _("Eintritt (älteste zuerst)")),
            ("followup", _("Nächste Wiedervorlage")),
        ],
        label=_("Sortierung"),
        empty_label=_("Standard"),
        method="sort_by",
    )

    class Meta:
        model = Participant
        fields = ["status", "caseworker", "country", "residence_status", "german_level"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_role(user, Role.ADMINISTRATION):
            self.filters.pop("caseworker")
        else:
            self.form.fields["caseworker"].label_from_instance = lambda u: (
                u.get_full_name() or u.get_username()
            )

    def filter_kldb_area(self, queryset, name, value):
        experience = VocationalExperience.objects.filter(
            participant=OuterRef("pk"), kldb_group__area=value
        )
        interest = Participant.interest_groups.through.objects.filter(
            participant=OuterRef("pk"), kldbgroup__area=value
        )
        return queryset.filter(Q(Exists(experience)) | Q(Exists(interest)))

    def sort_by(self, queryset, name, value):
        # Applied by the view (after the search rank); nothing to filter here.
        return queryset


class ShareForm(forms.Form):
    user = CaseworkerChoiceField(queryset=None, label=_("Vertretung (Fallmanager:in)"))

    def __init__(self, *args, participant: Participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = caseworkers().exclude(pk=participant.caseworker_id)
        german_blank_choices(self.fields)


class ReassignForm(forms.Form):
    caseworker = CaseworkerChoiceField(queryset=None, label=_("Neue:r Fallmanager:in"))

    def __init__(self, *args, participant: Participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers().exclude(pk=participant.caseworker_id)
        german_blank_choices(self.fields)
