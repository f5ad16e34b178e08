"""A small office for the break-in tests: one user per role and, for every object a URL can name,
one object the user's own bidang/desa owns ("own") and one of ANOTHER bidang/desa ("other").

"Own" is own for the dafduk petugas, the dafduk kepala bidang and the Pemdes operator of desa A;
"other" belongs to capil and desa B. Office roles get `is_staff` as the demo data gives them.
"""

import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone

from applications.attachments import FileWriteGuard, NewFile, attachments_store
from applications.models import Attachment
from applications.uploads import sanitize_upload
from dukcapil.accounts.models import User
from routing.delivery_selectors import BATCH_JOB_KIND, MANIFEST_JOB_KIND
from routing.models import DeliveryBatch
from tests import factories as f
from tests.applications.workspace import application_with_checks, jpeg_upload
from tests.malicious_files import plain_jpeg_bytes

ROLES = ("anonymous", "petugas", "kepala_bidang", "kepala_dinas", "pemdes", "admin")
# the roles whose reach is cut to a bidang or a desa: they must get 404 for "other" objects
SCOPED_ROLES = ("petugas", "kepala_bidang", "pemdes")


@dataclass
class Side:
    """The objects of one bidang/desa."""

    officer: object = None
    application: object = None
    attachment: object = None
    batch: object = None
    item: object = None
    job: object = None
    merge_job: object = None
    number: object = None
    rota: object = None
    booking: object = None
    inbound: object = None
    media: object = None
    outbox: object = None
    event: object = None
    shift: object = None
    leave: object = None


@dataclass
class World:
    users: dict = field(default_factory=dict)
    own: Side = field(default_factory=Side)
    other: Side = field(default_factory=Side)

    def user(self, role: str):
        return self.users.get(role)


class _Named(io.BytesIO):
    name = "foto.jpg"


def store_photo(application, actor) -> Attachment:
    """A clean JPEG stored on the application the way intake stores it (thumbnail included)."""
    with FileWriteGuard() as guard:
        return attachments_store(
            application=application,
            files=[NewFile(requirement=None, clean=sanitize_upload(jpeg_upload()))],
            actor=actor,
            source="intake",
            guard=guard,
        )[0]


def _media(message):
    clean = sanitize_upload(_Named(plain_jpeg_bytes()))
    media = f.InboundMediaFactory(
        message=message, fetched=True, mime_type=clean.content_type, display_name="kk.jpg"
    )
    media.file.save(f"m{media.pk}.jpg", ContentFile(clean.content), save=False)
    media.thumbnail.save(f"t{media.pk}.jpg", ContentFile(clean.thumbnail), save=False)
    media.save()
    return media


def _side(*, doc_type, desa, officer, bidang: str, sender: str) -> Side:
    side = Side(officer=officer)
    side.application = application_with_checks(
        doc_type, assigned_to=officer, desa=desa, status="verifying", whatsapp=sender
    )
    side.attachment = store_photo(side.application, officer)
    ready = f.ApplicationFactory(document_type=doc_type, desa=desa, status="ready", whatsapp=sender)
    side.batch = f.DeliveryBatchFactory(desa=desa, created_by=officer, status=DeliveryBatch.Status.DISPATCHED)
    side.item = f.BatchItemFactory(batch=side.batch, application=ready)
    side.job = f.BackgroundJobFactory(kind=BATCH_JOB_KIND, created_by=officer)
    side.merge_job = f.BackgroundJobFactory(
        kind=MANIFEST_JOB_KIND, created_by=officer, status="done", result={"merged": [side.batch.number]}
    )
    side.merge_job.result_file.save("manifest.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    side.number = f.OfficerNumberFactory(officer=officer, bidang=bidang)
    side.rota = f.RotaFactory(bidang=bidang)
    side.booking = f.RecordingBookingFactory(desa=desa, created_by=officer)
    side.inbound = f.InboundMessageFactory(officer_number=side.number, sender=sender, text="Mau urus KK")
    side.media = _media(side.inbound)
    side.outbox = f.OutboxMessageFactory(application=side.application, recipient=sender)
    side.event = f.ApplicationEventFactory(application=side.application, actor=officer)
    side.shift = f.ShiftAssignmentFactory(rota=side.rota, officer=officer, date=timezone.localdate())
    side.leave = f.LeaveFactory(officer=officer)
    return side


def _office_wide_rows() -> None:
    """One row of each model that has no bidang or desa, so its admin pages open on something."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from dukcapil.core.models import Counter
    from notifications.models import WebhookReceipt

    f.RecordingDayFactory(date=timezone.localdate())
    f.ClosedDayFactory()
    f.MessageTemplateFactory()
    f.AuditEntryFactory()
    WebhookReceipt.objects.create(provider_id="wamid.SEC1")
    Counter.objects.create(name="sec", year=2026, value=1)
    now = timezone.now()
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", attempt_time=now)
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", attempt_time=now)


def build_world(*, doc_type, doc_type_capil, desa_a, desa_b) -> World:
    """Users of every role and the own/other objects (see the module docstring)."""
    world = World()
    petugas = f.OfficerFactory(username="sec.petugas", bidang="dafduk", is_staff=True)
    petugas_capil = f.OfficerFactory(username="sec.petugas.capil", bidang="capil", is_staff=True)
    world.users = {
        "anonymous": None,
        "petugas": petugas,
        "kepala_bidang": f.KabidFactory(username="sec.kabid", bidang="dafduk", is_staff=True),
        "kepala_dinas": f.UserFactory(
            username="sec.kadis", role=User.Role.KEPALA_DINAS, bidang="", is_staff=True
        ),
        "pemdes": f.PemdesFactory(username="sec.pemdes", desa=desa_a),
        "admin": f.AdminFactory(username="sec.admin"),
    }
    petugas.ical_token = "t" * 40
    petugas.save(update_fields=["ical_token"])
    world.own = _side(
        doc_type=doc_type, desa=desa_a, officer=petugas, bidang="dafduk", sender="+6281211110001"
    )
    world.other = _side(
        doc_type=doc_type_capil, desa=desa_b, officer=petugas_capil, bidang="capil", sender="+6281211110002"
    )
    _office_wide_rows()
    return world
