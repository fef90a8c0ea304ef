"""Admin for the access log and the security log (read-only) and the per-role 2FA policy."""

from django.contrib import admin

from .models import AccessLog, RoleSecurityPolicy, SecurityEvent


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
