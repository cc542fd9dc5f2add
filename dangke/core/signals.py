"""Signals of the shared services."""

from django.dispatch import Signal

# Sent by `change_statuses` after its bulk update, which `post_save` does not see: a rollup
# counting rows by state listens for its model. Arguments: `sender` (the model), `objects`.
statuses_changed = Signal()
