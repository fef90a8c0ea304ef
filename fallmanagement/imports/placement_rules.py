"""The one door through which an import reaches the placement rules.

The rules live in the placements app (`Placement.clean()` and `placements.workflow`). An
imported placement passes exactly what
a typed one passes: `full_clean()` runs `Placement.clean()` (the planning rules) and the
database constraints, and `save_checked` turns a refused constraint into a German message.
"""

from placements import workflow as placement_workflow
from placements.models import Placement


def check(placement: Placement) -> None:
    """Raise ValidationError (German, keyed by field) if the placement breaks a rule."""
    placement.full_clean()


def save(placement: Placement) -> None:
    placement_workflow.save_checked(placement)
