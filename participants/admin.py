"""Admin for participants: Administration may reassign cases; personal data stays in the app."""

from django.contrib import admin

from .models import Participant


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "caseworker", "entry_date", "exit_date"]
    list_filter = ["status"]
    fields = ["caseworker", "shared_with"]
    filter_horizontal = ["shared_with"]

    def get_queryset(self, request):
        return Participant.objects.visible_to(request.user).select_related("caseworker")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
