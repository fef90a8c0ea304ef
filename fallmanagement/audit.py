"""Access logging: every view of a case file and every export is recorded (who, when, what)."""

from django.db import models
from django.http import HttpRequest

from .models import AccessLog


def log_access(
    request: HttpRequest,
    action: str,
    obj: models.Model | None = None,
    *,
    participant_id: int | None = None,
    object_type: str | None = None,
) -> AccessLog:
    """Record that the current user viewed/exported `obj` (path only, never the query string)."""
    if participant_id is None and obj is not None:
        participant_id = getattr(obj, "participant_id", None)
        if participant_id is None and obj._meta.model_name == "participant":
            participant_id = obj.pk
    return AccessLog.objects.create(
        user=request.user if request.user.is_authenticated else None,
        username=request.user.get_username() if request.user.is_authenticated else "",
        action=action,
        participant_id=participant_id,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        path=request.path[:300],
    )
