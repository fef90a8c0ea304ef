# The ground floor's tables. Before the apps were nested (issue 11) these models lived in the
# app "fallmanagement"; this migration and the first ones of `reports` and `privacy` replace
# its migrations: a database migrated by the old code marks them applied and keeps its tables
# (the models keep their table names), a new database runs them.

import django.contrib.postgres.operations
import django.db.models.deletion
from django.db import migrations, models

from fallmanagement.core.migration_ops import FORMER_APP_MIGRATIONS

class Migration(migrations.Migration):
    initial = True
    replaces = FORMER_APP_MIGRATIONS

    dependencies = []

    operations = [
        # PostgreSQL extensions used across the apps: name search and exclusion constraints.
        django.contrib.postgres.operations.UnaccentExtension(),
        django.contrib.postgres.operations.TrigramExtension(),
        django.contrib.postgres.operations.BtreeGistExtension(),
        migrations.CreateModel(
            name="KldbArea",
            fields=[
                ("code", models.CharField(max_length=1, primary_key=True, serialize=False, verbose_name="Kennziffer")),
                ("name", models.CharField(max_length=200, verbose_name="Bezeichnung")),
            ],
            options={
                "verbose_name": "Berufsbereich (KldB 2010)",
                "verbose_name_plural": "Berufsbereiche (KldB 2010)",
                "ordering": ["code"],
                "db_table": "fallmanagement_kldbarea",
            },
        ),
        migrations.CreateModel(
            name="KldbGroup",
            fields=[
                ("code", models.CharField(max_length=2, primary_key=True, serialize=False, verbose_name="Kennziffer")),
                ("name", models.CharField(max_length=200, verbose_name="Bezeichnung")),
                ("area", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="groups", to="core.kldbarea", verbose_name="Berufsbereich")),
            ],
            options={
                "verbose_name": "Berufshauptgruppe (KldB 2010)",
                "verbose_name_plural": "Berufshauptgruppen (KldB 2010)",
                "ordering": ["code"],
                "db_table": "fallmanagement_kldbgroup",
            },
        ),
    ]
