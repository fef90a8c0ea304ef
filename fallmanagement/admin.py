"""Admin for reference data and the access log (read-only)."""

from django.contrib import admin

from .models import AccessLog, KldbArea, KldbGroup


@admin.register(KldbArea)
class KldbAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(KldbGroup)
class KldbGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "area"]
    list_filter = ["area"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "object_type", "object_id", "participant_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "=participant_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Security (issue 7) ----------------------------------------------------------------------

from .models import RoleSecurityPolicy, SecurityEvent  # noqa: E402


@admin.register(RoleSecurityPolicy)
class RoleSecurityPolicyAdmin(admin.ModelAdmin):
    list_display = ["role", "require_2fa"]
    list_editable = ["require_2fa"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "username", "ip_address", "path", "participant_id"]
    list_filter = ["kind"]
    search_fields = ["username", "=participant_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
