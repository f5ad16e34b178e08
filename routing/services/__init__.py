"""State changes of staff routing: officer numbers, reassignment, rotas and the recording quota.

Each function is keyword-only, checks the actor's right first and runs in one transaction: on any
error nothing changes. Errors carry a message for the user in Bahasa Indonesia. Callers use this
package (``from routing import services``); the modules below are how it is organised.
"""

from .common import RecordingQuotaFull, RotaInvalid, RoutingError, day_label
from .numbers import officer_number_create, officer_number_set_active, officer_number_update
from .reassignment import application_reassign, applications_reassign
from .recording import (
    URGENT_REASONS,
    recording_approve,
    recording_attend,
    recording_book,
    recording_cancel,
    recording_day_set_cap,
    recording_decline,
)
from .shifts import (
    MAX_ROTA_DAYS,
    RotaGenerated,
    humanize_rota_messages,
    ical_token_reset,
    rota_delete,
    rota_generate,
    rota_move,
    rota_publish,
    rota_swap,
    rota_update_day,
    rota_violations,
    shift_reminders_enqueue,
)

__all__ = [
    "MAX_ROTA_DAYS",
    "URGENT_REASONS",
    "RecordingQuotaFull",
    "RotaGenerated",
    "RotaInvalid",
    "RoutingError",
    "application_reassign",
    "applications_reassign",
    "day_label",
    "humanize_rota_messages",
    "ical_token_reset",
    "officer_number_create",
    "officer_number_set_active",
    "officer_number_update",
    "recording_approve",
    "recording_attend",
    "recording_book",
    "recording_cancel",
    "recording_day_set_cap",
    "recording_decline",
    "rota_delete",
    "rota_generate",
    "rota_move",
    "rota_publish",
    "rota_swap",
    "rota_update_day",
    "rota_violations",
    "shift_reminders_enqueue",
]
