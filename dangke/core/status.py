"""Protected status fields.

A model whose `status` decides what happens to people (a teacher retired, a course taken
down) lists its allowed transitions. The field can be set freely when the row is created;
afterwards only `dangke.core.services.change_status` may change it, which checks the
transition and writes the audit entry in the same transaction. A plain
`obj.status = ...; obj.save()` raises, so no view or script can skip the rule.
"""

from django.core.exceptions import ValidationError
from django.db import models


class ProtectedStatusError(RuntimeError):
    """Raised when code saves a changed status without going through change_status."""


class StatusTransitionError(ValidationError):
    """Raised when a transition is not allowed from the current status."""


class ProtectedStatusModel(models.Model):
    # Subclasses define: status = models.CharField(choices=...), and
    # STATUS_TRANSITIONS = {from_status: {to_status, ...}, ...}
    STATUS_TRANSITIONS: dict[str, set[str]] = {}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_status", None)
        if (
            self.pk is not None
            and stored is not None
            and stored != self.status
            and not getattr(self, "_status_change_authorised", False)
        ):
            raise ProtectedStatusError(
                f"{type(self).__name__}.status 只能通过 change_status 修改 "
                f"({stored} → {self.status})"
            )
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    def allowed_next_statuses(self) -> list[str]:
        return sorted(self.STATUS_TRANSITIONS.get(self.status, set()))

    def can_change_status_to(self, new_status: str) -> bool:
        return new_status in self.STATUS_TRANSITIONS.get(self.status, set())
