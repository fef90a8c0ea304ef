"""Registration for the audit trail: a domain model asks to have its changes recorded.

A model file calls `record_history(Model, ...)` (as ephios' `register_model_for_logging`);
`fallmanagement.privacy` builds the event models and triggers for everything registered
here. Core imports no app of ours, so the domain never imports the privacy app.
"""

from django.db import models

_registered: list[type[models.Model]] = []


def record_history(*model_classes: type[models.Model]) -> None:
    """Record every insert, update and delete of these models in the audit trail."""
    for model in model_classes:
        if model not in _registered:
            _registered.append(model)


def history_models() -> tuple[type[models.Model], ...]:
    """The models registered so far, in registration order."""
    return tuple(_registered)
