"""German collation (ICU) for the name columns, so lists sort as users expect.

PostgreSQL cannot change the type of a column that a generated column reads: the search
columns (and their indexes) are dropped around the change and built again, unchanged.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

from fallmanagement.core.migration_ops import drop_update_triggers

import participants.models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0003_name_order_index"),
    ]

    operations = [
        drop_update_triggers("participants_participant"),
        migrations.RemoveIndex(model_name="participant", name="participant_search_trgm"),
        migrations.RemoveIndex(model_name="participant", name="participant_keys_trgm"),
        migrations.RemoveField(model_name="participant", name="name_keys"),
        migrations.RemoveField(model_name="participant", name="search_name"),
        migrations.AlterField(
            model_name='participant',
            name='first_name',
            field=models.CharField(db_collation='de-x-icu', max_length=150, verbose_name='Vorname(n) (laut Dokument)'),
        ),
        migrations.AlterField(
            model_name='participant',
            name='last_name',
            field=models.CharField(db_collation='de-x-icu', max_length=150, verbose_name='Nachname (laut Dokument)'),
        ),
        migrations.AddField(
            model_name='participant',
            name='name_keys',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.text.Concat(models.Value(' '), participants.models.FmNameKey(django.db.models.functions.text.Concat('first_name', models.Value(' '), 'preferred_name', models.Value(' '), 'last_name', output_field=models.TextField())), models.Value(' '), output_field=models.TextField()), output_field=models.TextField()),
        ),
        migrations.AddField(
            model_name='participant',
            name='search_name',
            field=models.GeneratedField(db_persist=True, expression=participants.models.FmUnaccent(django.db.models.functions.text.Lower(django.db.models.functions.text.Concat('first_name', models.Value(' '), 'preferred_name', models.Value(' '), 'last_name', output_field=models.TextField()))), output_field=models.TextField()),
        ),
        migrations.AddIndex(
            model_name='participant',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_name'], name='participant_search_trgm', opclasses=['gin_trgm_ops']),
        ),
        migrations.AddIndex(
            model_name='participant',
            index=django.contrib.postgres.indexes.GinIndex(fields=['name_keys'], name='participant_keys_trgm', opclasses=['gin_trgm_ops']),
        ),
        drop_update_triggers("participants_participant", when_reversed=True),
    ]
