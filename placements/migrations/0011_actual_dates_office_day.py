"""The "not in the future" check counts the office's day, not the session's UTC day.

`DatabaseTomorrow` now renders `(CURRENT_TIMESTAMP AT TIME ZONE <TIME_ZONE>)::date + 1`;
the constraint is dropped and added again so existing databases get the new expression.
"""

from django.db import migrations, models
from django.db.models.lookups import LessThanOrEqual

import fallmanagement.core.rules


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0010_merge_trust_with_the_rest"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="placement",
            name="placement_actual_dates_not_in_future",
        ),
        migrations.AddConstraint(
            model_name="placement",
            constraint=models.CheckConstraint(
                condition=(
                    models.Q(actual_start__isnull=True)
                    | LessThanOrEqual(
                        models.F("actual_start"), fallmanagement.core.rules.DatabaseTomorrow()
                    )
                )
                & (
                    models.Q(actual_end__isnull=True)
                    | LessThanOrEqual(
                        models.F("actual_end"), fallmanagement.core.rules.DatabaseTomorrow()
                    )
                ),
                name="placement_actual_dates_not_in_future",
                violation_error_message=(
                    "Tatsächlicher Beginn und tatsächliches Ende dürfen nicht in der Zukunft "
                    "liegen."
                ),
            ),
        ),
    ]
