from __future__ import annotations

from typing import Any

from django.db import models

from csops.audit.models import AuditEntry


def record(actor: Any, action: str, obj: models.Model | None, changes: dict[str, Any] | None = None) -> AuditEntry:
    """Append an audit row. Call it inside the transaction of the change it describes."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
    )
