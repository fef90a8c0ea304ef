"""Optimistic locking: a `version` column checked in the UPDATE, so no edit is silently lost.

A form carries the version it was loaded with; `save_versioned` writes only when the row still
has that version and bumps it. When another caseworker saved in between, it raises
`StaleObjectError` and the view shows the form again with the user's input kept.
"""

from django import forms
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

STALE_MESSAGE = _(
    "Dieser Datensatz wurde inzwischen von jemand anderem geändert. Ihre Eingaben sind noch "
    "im Formular; bitte laden Sie die Seite in einem zweiten Tab neu, vergleichen Sie und "
    "speichern Sie erneut."
)


class StaleObjectError(Exception):
    pass


class VersionedFormMixin(forms.ModelForm):
    """Adds a hidden `version` field; the view calls `save_versioned(form)` instead of save()."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version


def save_versioned(form: forms.ModelForm, commit_m2m: bool = True) -> models.Model:
    """Save a ModelForm's instance only if nobody changed the row since the form was loaded."""
    instance = form.save(commit=False)
    with transaction.atomic():
        if instance.pk is None:
            instance.version = 1
            instance.save()
        else:
            expected = form.cleaned_data.get("version")
            if expected is None:
                expected = instance.version
            model = type(instance)
            fields = {
                f.attname: f.pre_save(instance, False)  # pre_save honours auto_now
                for f in model._meta.concrete_fields
                if not f.primary_key and f.name != "version" and not f.generated
            }
            updated = model._default_manager.filter(pk=instance.pk, version=expected).update(
                version=F("version") + 1, **fields
            )
            if updated != 1:
                raise StaleObjectError
            instance.version = expected + 1
        if commit_m2m:
            form.save_m2m()
    return instance


def handle_stale(form: forms.Form) -> None:
    """Put the 'someone else saved' message on the form (the user's input stays)."""
    form.add_error(None, STALE_MESSAGE)
