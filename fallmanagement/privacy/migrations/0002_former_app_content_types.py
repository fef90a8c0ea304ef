"""Content types (and so permissions and admin log entries) of the former app "fallmanagement"
move to the app that now holds each model. A new database has none: nothing to do."""

from django.db import migrations

NEW_APP = {
    "kldbarea": "core",
    "kldbgroup": "core",
    "issuedreport": "reports",
    "reportjob": "reports",
}


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for content_type in ContentType.objects.filter(app_label="fallmanagement"):
        # Everything else (access log, security log, 2FA policy, the audit events) is privacy's.
        label = NEW_APP.get(content_type.model, "privacy")
        if not ContentType.objects.filter(app_label=label, model=content_type.model).exists():
            content_type.app_label = label
            content_type.save(update_fields=["app_label"])
    # The report permission hung on the KldB areas; it belongs to the issued reports.
    report = ContentType.objects.filter(app_label="reports", model="issuedreport").first()
    if report is not None:
        Permission.objects.filter(
            codename="view_funding_reports", content_type__app_label="core"
        ).update(content_type=report)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0002_kldb_reference_data"),
        ("reports", "0001_initial"),
        ("privacy", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
