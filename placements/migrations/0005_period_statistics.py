"""Planner statistics on the effective start and end of a placement.

Reports and matching filter on COALESCE(actual_*, planned_*). Without statistics on these
expressions PostgreSQL guessed 281 rows where 42 000 matched and picked a sort that spilled to
disk (funding report: placements by result).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("placements", "0004_covering_matching_indexes")]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE STATISTICS placement_period_stats "
                "ON (COALESCE(actual_start, planned_start)), (COALESCE(actual_end, planned_end)) "
                "FROM placements_placement",
                "ANALYZE placements_placement",
            ],
            reverse_sql=["DROP STATISTICS IF EXISTS placement_period_stats"],
        ),
    ]
