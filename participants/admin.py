"""Admin for participants: Administration may reassign cases; personal data stays in the app."""

from django import forms
from django.contrib import admin, messages

from fallmanagement.core.locking import (
    STALE_MESSAGE,
    StaleObjectError,
    VersionedFormMixin,
    save_versioned,
)
from fallmanagement.core.rules import ModelRulesFormMixin

from .forms import caseworkers
from .models import Participant
from .workflow import revoke_share, share_case


class ParticipantAdminForm(ModelRulesFormMixin, VersionedFormMixin, forms.ModelForm):
    """The case's rules (Participant.clean) hold here too; their errors show on top. The
    optimistic lock too: a case changed since the form was opened is not overwritten."""

    def clean(self):
        data = super().clean()
        loaded = data.get("version")
        if self.instance.pk and loaded is not None:
            current = (
                type(self.instance)
                .objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
            )
            if current.first() != loaded:
                raise forms.ValidationError(STALE_MESSAGE)
        return data

    class Meta:
        model = Participant
        fields = ["caseworker", "shared_with"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    form = ParticipantAdminForm
    list_display = ["id", "status", "caseworker", "entry_date", "exit_date"]
    list_filter = ["status"]
    fields = ["caseworker", "shared_with"]
    filter_horizontal = ["shared_with"]

    def get_queryset(self, request):
        return Participant.objects.visible_to(request.user).select_related("caseworker")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Cases are assigned to Fallmanagement users only.
        if db_field.name == "caseworker":
            kwargs["queryset"] = caseworkers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "shared_with":
            kwargs["queryset"] = caseworkers()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            save_versioned(form, commit_m2m=False)
        except StaleObjectError:  # changed between the form's check and the save
            form.stale = True
            messages.error(request, STALE_MESSAGE)

    def save_related(self, request, form, formsets, change):
        if getattr(form, "stale", False):
            return  # the case was not saved: nor is its sharing (no half-written change)
        # Sharing goes through the workflow, so it is recorded like in the app.
        participant = form.instance
        before = set(participant.shared_with.all())
        wanted = set(form.cleaned_data.get("shared_with") or [])
        form.cleaned_data["shared_with"] = list(before)  # the M2M save keeps the old state
        super().save_related(request, form, formsets, change)
        for user in wanted - before:
            share_case(participant, user, request.user)
        for user in before - wanted:
            revoke_share(participant, user, request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
