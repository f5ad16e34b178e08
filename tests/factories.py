"""factory-boy factories for every model. NIKs and No. KKs are valid for Kabupaten Bima (52.06)."""

import random
from datetime import date, timedelta

import factory
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationEvent,
    Attachment,
    DocumentType,
    Requirement,
    RequirementCheck,
    ServiceCategory,
)
from dukcapil.accounts.models import Bidang, User
from dukcapil.core.models import AuditEntry, BackgroundJob
from notifications.models import InboundMedia, InboundMessage, MessageTemplate, OutboxMessage
from routing.models import (
    BatchItem,
    ClosedDay,
    DeliveryBatch,
    Desa,
    Kecamatan,
    Leave,
    OfficerNumber,
    RecordingBooking,
    RecordingDay,
    Rota,
    ShiftAssignment,
)

DEMO_PASSWORD = "dukcapil-demo"


def make_nik(
    region6: str = "520601", *, female: bool = False, birth: date | None = None, serial: int | None = None
) -> str:
    birth = birth or date(1990, 1, 1)
    day = birth.day + (40 if female else 0)
    serial = serial if serial is not None else random.randint(1, 9999)
    return f"{region6}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def make_no_kk(region6: str = "520601", *, recorded: date | None = None, serial: int | None = None) -> str:
    recorded = recorded or date(2015, 3, 12)
    serial = serial if serial is not None else random.randint(1, 9999)
    return f"{region6}{recorded.day:02d}{recorded.month:02d}{recorded.year % 100:02d}{serial:04d}"


class KecamatanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kecamatan
        django_get_or_create = ("code",)

    code = "52.06.01"
    name = "Monta"


class DesaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Desa

    kecamatan = factory.SubFactory(KecamatanFactory)
    code = factory.Sequence(lambda n: f"52.06.01.{2100 + n:04d}")
    name = factory.Sequence(lambda n: f"Desa Uji {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Pengguna {n}")
    role = User.Role.PETUGAS
    bidang = Bidang.DAFDUK
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def role_group(obj, create, extracted, **kwargs):
        if create:
            from dukcapil.accounts.roles import user_sync_role_group

            obj.save()
            user_sync_role_group(user=obj)


class OfficerFactory(UserFactory):
    role = User.Role.PETUGAS


class KabidFactory(UserFactory):
    role = User.Role.KEPALA_BIDANG


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    bidang = ""
    is_staff = True


class PemdesFactory(UserFactory):
    role = User.Role.PEMDES
    bidang = ""
    desa = factory.SubFactory(DesaFactory)


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = Bidang.DAFDUK
    name = factory.LazyAttribute(lambda o: dict(Bidang.choices)[o.code])


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dok-{n}")
    name = factory.Sequence(lambda n: f"Dokumen {n}")
    category = factory.SubFactory(ServiceCategoryFactory)
    service_level_days = 14


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    document_type = factory.SubFactory(DocumentTypeFactory)
    name = factory.Sequence(lambda n: f"Persyaratan {n}")
    instruction = "Foto dokumen asli, tegak, tulisan terbaca."


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    number = factory.Sequence(lambda n: f"TEST-2026-{n:07d}")
    applicant_name = factory.Sequence(lambda n: f"Warga {n}")
    nik = factory.LazyFunction(make_nik)
    no_kk = factory.LazyFunction(make_no_kk)
    whatsapp = "+6281234567890"
    desa = factory.SubFactory(DesaFactory)
    document_type = factory.SubFactory(DocumentTypeFactory)
    bidang = factory.LazyAttribute(lambda o: o.document_type.category.code)
    created_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyAttribute(lambda o: o.created_at)
    due_at = factory.LazyAttribute(
        lambda o: o.created_at + timedelta(days=o.document_type.service_level_days)
    )


class ApplicationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationEvent

    application = factory.SubFactory(ApplicationFactory)
    action = "create"
    to_status = Application.Status.RECEIVED


class RequirementCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequirementCheck

    application = factory.SubFactory(ApplicationFactory)
    requirement = factory.SubFactory(
        RequirementFactory, document_type=factory.SelfAttribute("..application.document_type")
    )


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    application = factory.SubFactory(ApplicationFactory)
    file = factory.django.FileField(filename="x.pdf", data=b"%PDF-1.4 test")
    kind = Attachment.Kind.PDF
    extension = ".pdf"
    content_type = "application/pdf"
    size = 13
    sha256 = "0" * 64
    display_name = "x.pdf"


class OfficerNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerNumber

    officer = factory.SubFactory(OfficerFactory)
    phone = factory.Sequence(lambda n: f"+6281300{n:06d}")
    bidang = factory.LazyAttribute(lambda o: o.officer.bidang or Bidang.DAFDUK)


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leave

    officer = factory.SubFactory(OfficerFactory)
    start = factory.LazyFunction(timezone.localdate)
    end = factory.LazyAttribute(lambda o: o.start + timedelta(days=2))


class ClosedDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosedDay

    date = date(2026, 12, 24)
    reason = "Cuti bersama"


class RotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rota

    bidang = Bidang.DAFDUK
    start = date(2026, 12, 1)
    end = date(2026, 12, 31)
    created_by = factory.SubFactory(KabidFactory)


class ShiftAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftAssignment

    rota = factory.SubFactory(RotaFactory)
    officer = factory.SubFactory(OfficerFactory)
    date = date(2026, 12, 1)
    place = ShiftAssignment.Place.OFFICE


class RecordingDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordingDay

    date = date(2026, 12, 1)


class RecordingBookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordingBooking

    date = date(2026, 12, 1)
    name = "Warga Mendesak"
    # a NIK of its own per booking: one open booking per NIK (routing 0003), random serials collided
    nik = factory.Sequence(lambda n: make_nik(serial=n % 10000))
    whatsapp = "+6281234567891"
    desa = factory.SubFactory(DesaFactory)
    urgency = Application.Urgency.BPJS
    status = RecordingBooking.Status.BOOKED
    created_by = factory.SubFactory(OfficerFactory)


class DeliveryBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryBatch

    number = factory.Sequence(lambda n: f"KRM-2026-{n:05d}")
    desa = factory.SubFactory(DesaFactory)
    created_by = factory.SubFactory(OfficerFactory)


class BatchItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BatchItem

    batch = factory.SubFactory(DeliveryBatchFactory)
    application = factory.SubFactory(ApplicationFactory, desa=factory.SelfAttribute("..batch.desa"))


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate
        django_get_or_create = ("event",)

    event = "received"
    body = "Yth. {nama}, nomor {nomor} diterima."


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    event = "received"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    recipient = "+6281234567890"
    body = "Pesan uji"


class InboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundMessage

    provider_message_id = factory.Sequence(lambda n: f"wamid.TEST{n}")
    officer_number = factory.SubFactory(OfficerNumberFactory)
    sender = "+6281234567890"
    received_at = factory.LazyFunction(timezone.now)


class InboundMediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundMedia

    message = factory.SubFactory(InboundMessageFactory)
    media_id = factory.Sequence(lambda n: f"media{n}")


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    action = "view_application"


class BackgroundJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BackgroundJob

    kind = "test"
    created_by = factory.SubFactory(AdminFactory)
