"""The "not in the future" check counts the office's day, not the session's UTC day.

`DatabaseTomorrow` now renders `(CURRENT_TIMESTAMP AT TIME ZONE <TIME_ZONE>)::date + 1`;
the constraint is dropped and added again so existing databases get the new expression.
"""

from django.db import migrations, models
from django.db.models.lookups import LessThanOrEqual

import fallmanagement.core.rules


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0012_merge_handover_with_addenda"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="participant",
            name="participant_exit_not_in_future",
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=models.Q(exit_date__isnull=True)
                | LessThanOrEqual(
                    models.F("exit_date"), fallmanagement.core.rules.DatabaseTomorrow()
                ),
                name="participant_exit_not_in_future",
                violation_error_message="Das Austrittsdatum darf nicht in der Zukunft liegen.",
            ),
        ),
    ]
