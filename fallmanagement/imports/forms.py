"""The import's forms (upload, column mapping) and those of the bulk reassignment."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.forms import CaseworkerChoiceField, caseworkers, german_blank_choices
from participants.models import Participant

from . import engine
from .models import ImportKind, MappingTemplate
from .reading import MAX_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Was wird importiert?"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("Datei (XLSX oder CSV)"),
        help_text=_("Excel-Arbeitsmappe oder CSV (UTF-8 oder Windows-1252, Komma oder Semikolon)."),
    )
    template = forms.ModelChoiceField(
        label=_("Zuordnungsvorlage"),
        queryset=MappingTemplate.objects.all(),
        required=False,
        empty_label=_("— Spalten nach ihren Namen zuordnen —"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Die Datei ist zu groß (höchstens %(mb)s MB)."),
                params={"mb": MAX_BYTES // (1024 * 1024)},
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        if template and cleaned.get("kind") and template.kind != cleaned["kind"]:
            self.add_error("template", _("Die Vorlage gehört zu einer anderen Art von Import."))
        return cleaned


class MappingForm(forms.Form):
    """One select per column of the file; optionally saved as a template."""

    template_name = forms.CharField(
        label=_("Als Vorlage speichern unter"),
        max_length=100,
        required=False,
        help_text=_("Leer lassen, wenn die Zuordnung nicht gespeichert werden soll."),
    )

    def __init__(self, *args, kind: str, headers: list[str], initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.headers = kind, headers
        choices = [("", _("— nicht importieren —"))] + [
            (c.name, c.label) for c in engine.columns_of(kind)
        ]
        self.column_fields = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=initial_mapping.get(header, ""),
            )
            self.column_fields.append(name)
        self.order_fields([*self.column_fields, "template_name"])

    @property
    def mapping(self) -> dict:
        return {h: self.cleaned_data.get(f"col_{i}", "") for i, h in enumerate(self.headers)}

    def clean(self):
        cleaned = super().clean()
        for problem in engine.mapping_errors(self.kind, self.mapping):
            self.add_error(None, problem)
        return cleaned


class ReassignFilterForm(forms.Form):
    caseworker = CaseworkerChoiceField(
        queryset=None,
        required=False,
        label=_("Bisher zuständig"),
        empty_label=_("— alle —"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("— alle —")), *Participant.Status.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers()


class BulkReassignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        label=_("Fälle"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Bitte mindestens einen Fall auswählen.")},
    )
    caseworker = CaseworkerChoiceField(queryset=None, label=_("Neue:r Fallmanager:in"))
    reason = forms.CharField(label=_("Grund"), max_length=300)
    handover_until = forms.DateField(
        label=_("Bisherige Fallmanager:in behält Zugriff bis"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Optional, höchstens 90 Tage: Übergabezeit, in der die bisherige "
            "Fallmanager:in den Fall weiter öffnen kann."
        ),
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["caseworker"].queryset = caseworkers()
        german_blank_choices(self.fields)

    def clean_handover_until(self):
        until = self.cleaned_data.get("handover_until")
        today = timezone.localdate()
        if until and not today <= until <= today + datetime.timedelta(days=90):
            raise forms.ValidationError(
                _("Die Übergabe endet frühestens heute und höchstens in 90 Tagen.")
            )
        return until
