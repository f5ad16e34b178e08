"""The status workflow of an application: ONE explicit transition table.

Every status change in the product (officer pages, the Pemdes portal, admin actions, batch
dispatch) goes through `applications.services.application_transition`, which looks the move up
here. A move that is not in this table does not happen.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dukcapil.accounts.models import User

from .models import Application

S = Application.Status
R = User.Role

OFFICE_ROLES = frozenset({R.PETUGAS, R.KEPALA_BIDANG, R.ADMIN})
PEMDES_ROLES = frozenset({R.PEMDES})
# statuses before the document exists: the ones from which an application may be rejected or cancelled
PRE_READY = (S.RECEIVED, S.VERIFYING, S.REVISION_REQUIRED, S.RESUBMITTED, S.VERIFIED, S.PROCESSING)


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset
    label: str
    needs_note: bool = False


def _t(action, sources, target, roles, label, needs_note=False):
    return [Transition(action, s, target, frozenset(roles), label, needs_note) for s in sources]


TRANSITIONS: list[Transition] = [
    *_t("start_verification", [S.RECEIVED, S.RESUBMITTED], S.VERIFYING, OFFICE_ROLES, _("Mulai verifikasi")),
    *_t(
        "request_revision",
        [S.VERIFYING],
        S.REVISION_REQUIRED,
        OFFICE_ROLES,
        _("Minta perbaikan"),
        needs_note=True,
    ),
    *_t("resubmit", [S.REVISION_REQUIRED], S.RESUBMITTED, OFFICE_ROLES, _("Catat perbaikan diterima")),
    *_t("verify", [S.VERIFYING], S.VERIFIED, OFFICE_ROLES, _("Tandai terverifikasi")),
    *_t("start_processing", [S.VERIFIED], S.PROCESSING, OFFICE_ROLES, _("Mulai proses")),
    *_t("mark_ready", [S.PROCESSING], S.READY, OFFICE_ROLES, _("Tandai siap")),
    # delivery to the desa (driven by batch services, never by a button on the application page)
    *_t("dispatch", [S.READY], S.IN_DELIVERY, OFFICE_ROLES, _("Kirim ke desa")),
    *_t(
        "confirm_receipt", [S.IN_DELIVERY], S.AT_DESA, PEMDES_ROLES | {R.ADMIN}, _("Konfirmasi diterima desa")
    ),
    *_t("hand_over", [S.AT_DESA], S.HANDED_OVER, PEMDES_ROLES | {R.ADMIN}, _("Serahkan kepada warga")),
    *_t(
        "return_to_office",
        [S.AT_DESA, S.IN_DELIVERY],
        S.READY,
        PEMDES_ROLES | OFFICE_ROLES,
        _("Kembalikan ke kantor"),
        needs_note=True,
    ),
    # pickup at the office
    *_t("hand_over_at_office", [S.READY], S.HANDED_OVER, OFFICE_ROLES, _("Serahkan di kantor")),
    *_t("reject", PRE_READY, S.REJECTED, OFFICE_ROLES, _("Tolak"), needs_note=True),
    *_t("cancel", PRE_READY, S.CANCELLED, OFFICE_ROLES, _("Batalkan"), needs_note=True),
]

_BY_KEY: dict[tuple[str, str], Transition] = {(t.action, t.source): t for t in TRANSITIONS}

# actions that only the delivery services may trigger (they need a batch)
BATCH_ACTIONS = frozenset({"dispatch", "confirm_receipt", "hand_over", "return_to_office"})


def find_transition(action: str, source: str) -> Transition | None:
    return _BY_KEY.get((action, source))


def actions_from(source: str, role: str) -> list[Transition]:
    """Transitions a user of `role` may take from `source`, in table order."""
    return [t for t in TRANSITIONS if t.source == source and role in t.roles]
