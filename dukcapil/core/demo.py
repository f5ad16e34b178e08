"""Demo data: one account per role and realistic applications across the kabupaten.

`seed_demo_small` walks every application through the real services so events, checklists and
outbox messages look like an office's. `seed_demo_bulk` writes N applications with bulk inserts
(PostgreSQL COPY) for performance work: consistent timestamps and statuses, and the requirement
checks an officer would have left (what is still missing on the ones waiting for a revision), but
no per-application events, attachments or messages.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from applications.models import Application, ApplicationEvent, DocumentType, Requirement, RequirementCheck
from applications.services import ApplicationData, application_create, application_transition
from dukcapil.accounts.models import Bidang, User
from dukcapil.accounts.roles import user_sync_role_group
from dukcapil.accounts.two_factor import totp_device_ensure
from dukcapil.core.models import Counter
from routing.models import Desa, OfficerNumber

DEMO_PASSWORD = "dukcapil-demo"  # noqa: S105 - documented demo password, demo data only
# Fixed TOTP secrets of the demo accounts that need 2FA (README, "Demo accounts"): the 20 ASCII
# bytes "demo2fa-<username>" padded with "-", hex-encoded as django-otp stores them. Public, so
# demo data only; `manage.py demo_otp_code <username>` prints the current code.
DEMO_OTP_USERNAMES = ("admin", "kadis", "kabid.dafduk", "kabid.capil")
DEMO_OTP_KEYS = {name: f"demo2fa-{name}".ljust(20, "-").encode().hex() for name in DEMO_OTP_USERNAMES}

FIRST_NAMES_M = [
    "Muhammad",
    "Abdul",
    "Syamsuddin",
    "Ahmad",
    "Ilham",
    "Rahmat",
    "Firdaus",
    "Arif",
    "Jufri",
    "Sukri",
    "Hamzah",
    "Taufik",
]
FIRST_NAMES_F = [
    "Siti",
    "Nurul",
    "Hadijah",
    "Fitriani",
    "Rosmiati",
    "Nurhayati",
    "Aminah",
    "Sri",
    "Rahmawati",
    "Julaeha",
    "Masita",
    "Hasnah",
]
LAST_NAMES = [
    "Hidayat",
    "Saleh",
    "Ismail",
    "Yusuf",
    "Rahman",
    "Hasan",
    "Abbas",
    "Idris",
    "Nurdin",
    "Amin",
    "Syarif",
    "Haris",
    "Mansyur",
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str
    bidang: str = ""


ACCOUNTS = [
    DemoAccount("admin", "Admin", "Sistem", User.Role.ADMIN),
    DemoAccount("kadis", "Kepala", "Dinas", User.Role.KEPALA_DINAS),
    DemoAccount("kabid.dafduk", "Hj. Nurhayati", "Kabid Dafduk", User.Role.KEPALA_BIDANG, Bidang.DAFDUK),
    DemoAccount("kabid.capil", "Drs. Ahmad", "Kabid Capil", User.Role.KEPALA_BIDANG, Bidang.CAPIL),
    DemoAccount("petugas1", "Rahmat", "Hidayat", User.Role.PETUGAS, Bidang.DAFDUK),
    DemoAccount("petugas2", "Siti", "Aminah", User.Role.PETUGAS, Bidang.DAFDUK),
    DemoAccount("petugas3", "Ilham", "Saleh", User.Role.PETUGAS, Bidang.DAFDUK),
    DemoAccount("petugas4", "Fitriani", "Yusuf", User.Role.PETUGAS, Bidang.CAPIL),
    DemoAccount("petugas5", "Jufri", "Rahman", User.Role.PETUGAS, Bidang.CAPIL),
    DemoAccount("petugas6", "Nurul", "Hasan", User.Role.PETUGAS, Bidang.CAPIL),
]
PEMDES_DESA_CODES = ["52.06.01.2005", "52.06.01.2006"]  # Tolotangga and its neighbour in Monta


def _name(rng: random.Random, female: bool) -> str:
    return f"{rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)} {rng.choice(LAST_NAMES)}"


def _nik(rng: random.Random, desa_code: str, female: bool) -> str:
    region = desa_code.replace(".", "")[:6]
    birth = timezone.localdate() - timedelta(days=rng.randint(18 * 365, 70 * 365))
    return f"{region}{birth.day + (40 if female else 0):02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 9999):04d}"


def _no_kk(rng: random.Random, desa_code: str) -> str:
    region = desa_code.replace(".", "")[:6]
    recorded = timezone.localdate() - timedelta(days=rng.randint(30, 15 * 365))
    return (
        f"{region}{recorded.day:02d}{recorded.month:02d}{recorded.year % 100:02d}{rng.randint(1, 9999):04d}"
    )


def _phone(rng: random.Random) -> str:
    return f"+62812{rng.randint(10_000_000, 99_999_999)}"


@transaction.atomic
def seed_accounts() -> dict[str, User]:
    users = {}
    desa_by_code = {d.code: d for d in Desa.objects.filter(code__in=PEMDES_DESA_CODES)}
    specs = [*ACCOUNTS]
    for i, code in enumerate(PEMDES_DESA_CODES, start=1):
        desa = desa_by_code[code]
        specs.append(DemoAccount(f"pemdes{i}", "Operator", f"Desa {desa.name}", User.Role.PEMDES))
    for spec in specs:
        user, _ = User.objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "role": spec.role,
                "bidang": spec.bidang,
                "desa": desa_by_code[PEMDES_DESA_CODES[int(spec.username[-1]) - 1]]
                if spec.role == User.Role.PEMDES
                else None,
                "is_staff": spec.role
                != User.Role.PEMDES,  # office roles may use the admin, scoped to their bidang
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user_sync_role_group(user=user)
        if spec.username in DEMO_OTP_KEYS:
            totp_device_ensure(user=user, key=DEMO_OTP_KEYS[spec.username])
        users[spec.username] = user
    for i in range(1, 7):
        officer = users[f"petugas{i}"]
        OfficerNumber.objects.get_or_create(
            phone=f"+628123400000{i}",
            defaults={
                "officer": officer,
                "bidang": officer.bidang,
                "label": f"Layanan {officer.get_bidang_display()}",
            },
        )
    return users


# (final status, how many) for the small demo; every open and closed status appears
SMALL_PLAN = [
    ("received", 14),
    ("verifying", 8),
    ("revision_required", 8),
    ("resubmitted", 5),
    ("verified", 6),
    ("processing", 8),
    ("ready", 16),
    ("handed_over", 10),
    ("rejected", 4),
    ("cancelled", 3),
]
PATH = {
    "received": [],
    "verifying": ["start_verification"],
    "revision_required": ["start_verification", "request_revision"],
    "resubmitted": ["start_verification", "request_revision", "resubmit"],
    "verified": ["start_verification", "verify"],
    "processing": ["start_verification", "verify", "start_processing"],
    "ready": ["start_verification", "verify", "start_processing", "mark_ready"],
    "handed_over": ["start_verification", "verify", "start_processing", "mark_ready", "hand_over_at_office"],
    "rejected": ["start_verification", "reject"],
    "cancelled": ["cancel"],
}


def seed_demo_small(*, users: dict[str, User], seed: int = 2020) -> int:
    """Create the demo applications once (a second run finds them and does nothing)."""
    demo_officers = [users[f"petugas{i}"] for i in range(1, 7)]
    if Application.objects.filter(created_by__in=demo_officers).exists():
        return 0
    rng = random.Random(seed)
    types = list(
        DocumentType.objects.filter(is_accepting=True, needs_in_person=False).select_related("category")
    )
    desa = list(Desa.objects.order_by("code"))
    pemdes_desa = [d for d in desa if d.code in PEMDES_DESA_CODES]
    numbers = {n.officer_id: n for n in OfficerNumber.objects.all()}
    now = timezone.now()
    created = 0
    for status, count in SMALL_PLAN:
        for k in range(count):
            doc_type = rng.choice(types)
            officers = [o for o in demo_officers if o.bidang == doc_type.bidang]
            officer = officers[k % len(officers)]
            # a share of the documents belongs to the two demo Pemdes so their portal has content
            place = rng.choice(pemdes_desa) if k % 3 == 0 else rng.choice(desa)
            female = rng.random() < 0.5
            pickup = status == "handed_over" or rng.random() < 0.2
            urgency = rng.choice(["none"] * 6 + ["bpjs", "hospital", "tni_polri"])
            started = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8))
            with transaction.atomic():
                app = application_create(
                    actor=officer,
                    data=ApplicationData(
                        applicant_name=_name(rng, female),
                        nik=_nik(rng, place.code, female),
                        no_kk=_no_kk(rng, place.code),
                        whatsapp=_phone(rng),
                        desa_id=place.id,
                        document_type=doc_type,
                        urgency=urgency,
                        delivery_method="pickup" if pickup else "via_pemdes",
                    ),
                    received_on=numbers.get(officer.id),
                    assigned_to=officer,
                    now=started,
                )
                for action in PATH[status]:
                    note = ""
                    if action == "request_revision":
                        note = "- KTP-el: foto buram, mohon difoto ulang di tempat terang."
                    elif action in ("reject", "cancel"):
                        note = (
                            "Permohonan ganda" if action == "cancel" else "Persyaratan tidak sesuai ketentuan"
                        )
                    application_transition(
                        application=app,
                        actor=officer,
                        action=action,
                        note=note,
                        issued_document_number=f"{doc_type.code.upper()}/{app.pk:05d}/2026",
                    )
                _spread_history(app, started, rng)
            created += 1
    return created


def _spread_history(app: Application, started, rng: random.Random) -> None:
    """Give the walked-through history realistic times between intake and now."""
    moment = started
    events = list(ApplicationEvent.objects.filter(application=app).order_by("id"))
    for event in events:
        ApplicationEvent.objects.filter(pk=event.pk).update(created_at=moment)
        if event.to_status == Application.Status.READY:
            Application.objects.filter(pk=app.pk).update(ready_at=moment)
        if event.to_status in Application.CLOSED_STATUSES:
            Application.objects.filter(pk=app.pk).update(closed_at=moment)
        last = moment
        moment = min(timezone.now(), moment + timedelta(hours=rng.randint(2, 60)))
    Application.objects.filter(pk=app.pk).update(status_changed_at=last)


# ---- bulk ------------------------------------------------------------------------------------

BULK_STATUS_WEIGHTS = [
    ("received", 4),
    ("verifying", 3),
    ("revision_required", 3),
    ("resubmitted", 1),
    ("verified", 2),
    ("processing", 4),
    ("ready", 3),
    ("in_delivery", 1),
    ("at_desa", 2),
    ("handed_over", 70),
    ("rejected", 4),
    ("cancelled", 3),
]
BULK_COLUMNS = [
    "number", "applicant_name", "nik", "no_kk", "whatsapp", "desa_id", "document_type_id", "bidang", "urgency",
    "urgency_reason", "delivery_method", "received_on_id", "assigned_to_id", "status", "issued_document_number",
    "closing_reason", "created_by_id", "created_at", "updated_at", "status_changed_at", "due_at", "ready_at",
    "closed_at", "revision_count", "version",
]  # fmt: skip


def seed_demo_bulk(*, n: int, seed: int = 7, chunk: int = 20_000, progress=None) -> int:
    """Insert n applications spread over the last two years, in chunks (COPY on PostgreSQL)."""
    rng = random.Random(seed)
    types = list(DocumentType.objects.select_related("category"))
    desa = list(Desa.objects.values_list("id", "code"))
    officers: dict[str, list[int]] = {}
    for officer_id, bidang in User.objects.filter(role=User.Role.PETUGAS, is_active=True).values_list(
        "id", "bidang"
    ):
        officers.setdefault(bidang, []).append(officer_id)
    statuses = [s for s, _w in BULK_STATUS_WEIGHTS]
    weights = [w for _s, w in BULK_STATUS_WEIGHTS]
    requirements: dict[int, list[int]] = {}
    for req_id, type_id in Requirement.objects.order_by("document_type_id", "order", "pk").values_list(
        "id", "document_type_id"
    ):
        requirements.setdefault(type_id, []).append(req_id)
    now = timezone.now()
    horizon = 730 * 24 * 3600
    written = 0
    while written < n:
        size = min(chunk, n - written)
        created_times = sorted(now - timedelta(seconds=rng.randint(0, horizon)) for _ in range(size))
        with transaction.atomic():
            rows = []
            per_year: dict[int, list[int]] = {}
            for i, created in enumerate(created_times):
                per_year.setdefault(timezone.localtime(created).year, []).append(i)
            serial_of: dict[int, tuple[int, int]] = {}
            for year, idxs in per_year.items():
                counter, _ = Counter.objects.select_for_update().get_or_create(name="application", year=year)
                first = counter.value + 1
                Counter.objects.filter(pk=counter.pk).update(value=counter.value + len(idxs))
                for offset, i in enumerate(idxs):
                    serial_of[i] = (year, first + offset)
            from applications.services import registration_number_format

            checks: list[
                tuple[str, int, str, int | None, object]
            ] = []  # number, requirement, verdict, by, at
            for i, created in enumerate(created_times):
                doc_type = types[rng.randrange(len(types))]
                desa_id, desa_code = desa[rng.randrange(len(desa))]
                female = rng.random() < 0.5
                status = rng.choices(statuses, weights)[0]
                if created > now - timedelta(days=3) and status == "handed_over":
                    status = "received"
                sla = timedelta(days=doc_type.service_level_days)
                took = timedelta(hours=rng.randint(12, int(sla.total_seconds() // 3600 * 1.6) + 24))
                ready_at = (
                    created + took if status in ("ready", "in_delivery", "at_desa", "handed_over") else None
                )
                if ready_at and ready_at > now:
                    # not finished yet: still being processed (a ready time clamped to now would put
                    # every such document on the seeding day)
                    status, ready_at = "processing", None
                closed_at = None
                if status == "handed_over":
                    closed_at = ready_at + timedelta(days=rng.randint(0, 10))
                    if closed_at > now:
                        status, closed_at = "at_desa", None  # waiting at the desa to be collected
                elif status in ("rejected", "cancelled"):
                    closed_at = min(now, created + timedelta(days=rng.randint(0, 5)))
                changed = closed_at or ready_at or created
                urgency = "none" if rng.random() < 0.9 else rng.choice(["bpjs", "hospital", "tni_polri"])
                pool = officers.get(doc_type.category.code) or [None]
                officer = pool[rng.randrange(len(pool))]
                year, serial = serial_of[i]
                number = registration_number_format(year=year, serial=serial)
                checked_at = created + timedelta(hours=rng.randint(1, 30))
                for req_id, verdict in _bulk_verdicts(rng, status, requirements.get(doc_type.id, [])):
                    checks.append(
                        (
                            number,
                            req_id,
                            verdict,
                            None if verdict == "pending" else officer,
                            None if verdict == "pending" else checked_at,
                        )
                    )
                rows.append(
                    (
                        number,
                        _name(rng, female),
                        _nik(rng, desa_code, female),
                        _no_kk(rng, desa_code),
                        _phone(rng),
                        desa_id,
                        doc_type.id,
                        doc_type.category.code,
                        urgency,
                        "",
                        "pickup" if rng.random() < 0.15 else "via_pemdes",
                        None,
                        officer,
                        status,
                        f"DOC/{year}/{serial:07d}" if ready_at else "",
                        "Persyaratan tidak lengkap"
                        if status == "rejected"
                        else ("Dibatalkan pemohon" if status == "cancelled" else ""),
                        None,
                        created,
                        changed,
                        changed,
                        created + sla,
                        ready_at,
                        closed_at,
                        1 if status == "revision_required" or rng.random() < 0.15 else 0,
                        1,
                    )
                )
            _insert_rows(rows)
            _insert_checks(checks)
        written += size
        if progress:
            progress(written, n)
    return written


# what an officer's checklist says, by status: the ones waiting for a revision still lack one or two
# requirements; a rejection names an invalid one; before verification nothing is checked yet
_NOT_ACCEPTED_WEIGHTS = (("missing", 60), ("unreadable", 25), ("invalid", 15))


def _bulk_verdicts(rng: random.Random, status: str, requirement_ids: list[int]) -> list[tuple[int, str]]:
    if status == "received" or not requirement_ids:
        return []
    if status == "verifying":
        return [(r, rng.choice(("pending", "ok"))) for r in requirement_ids]
    verdicts = dict.fromkeys(requirement_ids, "ok")
    if status == "revision_required":
        kinds = [k for k, _w in _NOT_ACCEPTED_WEIGHTS]
        weights = [w for _k, w in _NOT_ACCEPTED_WEIGHTS]
        for r in rng.sample(requirement_ids, k=min(len(requirement_ids), 2 if rng.random() < 0.3 else 1)):
            verdicts[r] = rng.choices(kinds, weights)[0]
    elif status == "resubmitted":
        verdicts[rng.choice(requirement_ids)] = "pending"
    elif status == "rejected":
        verdicts[rng.choice(requirement_ids)] = "invalid"
    return list(verdicts.items())


CHECK_COLUMNS = ["application_id", "requirement_id", "verdict", "reason", "checked_by_id", "checked_at"]


def _insert_checks(checks: list[tuple]) -> None:
    """The chunk's checks, keyed to the applications just written by their registration numbers."""
    if not checks:
        return
    numbers = sorted({c[0] for c in checks})
    ids = dict(Application.objects.filter(number__in=numbers).values_list("number", "id"))
    rows = [(ids[number], req, verdict, "", by, at) for number, req, verdict, by, at in checks]
    _insert(RequirementCheck, CHECK_COLUMNS, rows)


def _insert_rows(rows: list[tuple]) -> None:
    _insert(Application, BULK_COLUMNS, rows)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Rows of `columns` into `model`'s table: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000
    )


def counts_by_status() -> dict[str, int]:
    return dict(Application.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
