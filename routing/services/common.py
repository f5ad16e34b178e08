"""What the staff routing services share: their errors, the right check, how a date is written."""

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from dukcapil.accounts.models import User

from .. import selectors


class RoutingError(Exception):
    """A change that is not allowed; the message is for the user (Bahasa Indonesia)."""


class RotaInvalid(RoutingError):
    """An edit or a publication that breaks the rota rules; ``messages`` lists every violation."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(_("Perubahan tidak disimpan karena melanggar aturan jadwal."))


class RecordingQuotaFull(RoutingError):
    pass


def _require_manager(actor: User, bidang: str) -> None:
    if not selectors.user_manages_bidang(actor, bidang):
        raise RoutingError(_("Hanya kepala bidang terkait atau admin yang dapat melakukan ini."))


def day_label(day: date) -> str:
    """``Rabu, 2 Desember 2026``: how dates appear in messages to citizens and officers."""
    return formats.date_format(day, "l, j F Y")
