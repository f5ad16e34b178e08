"""A canary NIK and WhatsApp number run through the main flows; neither may show up in a log line,
a request URL, a redirect, a Celery task's arguments, an audit row or an error report.

The flows: intake with a file, the NIK search (POST), the application page, the NIK reveal, a
revision request (its WhatsApp message goes through the outbox), the resubmission, an inbound
WhatsApp message from the canary number, a delivery batch to the desa (dispatch, receipt and
hand-over by the Pemdes), the manifest exports (CSV, XLSX, PDF), the dashboard and its XLSX.

The scan strips everything but digits from each captured item, so "5206 0141 0799 0123",
"+62 812-9988-7766" or "0812 9988 7766" are caught as well as the plain forms. NIK digests in the
audit trail are hashes: they do not contain the digits.
"""

import contextlib
import json
import logging
import re

import pytest
from celery.app.task import Task
from django.core import mail
from django.core.signals import got_request_exception
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from dukcapil.core.models import AuditEntry
from notifications.webhook_security import compute_signature
from routing.models import BatchItem
from tests import factories as f
from tests.applications.workspace import intake_data, jpeg_upload
from tests.fakes.whatsapp_payloads import incoming_message

pytestmark = [pytest.mark.security, pytest.mark.django_db]

CANARY_NIK = "5206014107990123"
CANARY_WA = "+6281299887766"
# what a scan looks for in the digits of each captured item: the whole NIK, and the subscriber
# part of the number (so +62…, 62… and 0… all match)
NIK_DIGITS = CANARY_NIK
WA_DIGITS = CANARY_WA.removeprefix("+62")
SECRET = "test-app-secret"
BUSINESS = "6281300000001"


def leaks(text: str) -> list[str]:
    digits = re.sub(r"\D", "", text)
    return [name for name, core in (("NIK", NIK_DIGITS), ("WhatsApp", WA_DIGITS)) if core in digits]


class Capture:
    """Everything the flows leave outside the data tables, as (where, text) pairs."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, text: object) -> None:
        self.items.append((where, str(text)))

    def found(self) -> list[str]:
        return [f"{name} in {where}: {text[:300]}" for where, text in self.items for name in leaks(text)]


class _Handler(logging.Handler):
    def __init__(self, capture: Capture) -> None:
        super().__init__(level=logging.DEBUG)
        self.capture = capture

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.capture.add(f"log {record.name}", text)


@pytest.fixture
def capture(monkeypatch, settings):
    """Log records of every logger (root, django.request, django.server, …), task payloads, errors."""
    captured = Capture()
    handler = _Handler(captured)
    # DEBUG on the root and the request loggers; the others keep the levels the settings give them
    # (that is what production runs with) and get the handler too when they do not propagate
    debug = [logging.getLogger(), logging.getLogger("django.request"), logging.getLogger("django.server")]
    others = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = []
    for logger in debug + [lg for lg in others if isinstance(lg, logging.Logger) and not lg.propagate]:
        saved.append((logger, logger.level))
        logger.addHandler(handler)
        if logger in debug:
            logger.setLevel(logging.DEBUG)
    settings.CELERY_TASK_ALWAYS_EAGER = True

    original = Task.apply_async

    def recording_apply_async(task, args=None, kwargs=None, **options):
        captured.add(f"task {task.name}", f"args={args!r} kwargs={kwargs!r} options={options!r}")
        return original(task, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording_apply_async)

    def on_exception(sender, request=None, **kwargs):
        captured.add("request exception", request.get_full_path() if request else "")

    got_request_exception.connect(on_exception)
    yield captured
    got_request_exception.disconnect(on_exception)
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


class Browser:
    """The test client, recording every URL it asks for and every redirect it is sent to."""

    def __init__(self, client, capture: Capture) -> None:
        self.client = client
        self.capture = capture

    def _note(self, response):
        for r in [*getattr(response, "redirect_chain", []), response]:
            if isinstance(r, tuple):
                self.capture.add("redirect", r[0])
                continue
            request = r.wsgi_request
            self.capture.add("url", request.get_full_path())
            if r.has_header("Location"):
                self.capture.add("location", r["Location"])
        return response

    def get(self, url, **kwargs):
        return self._note(self.client.get(url, follow=True, **kwargs))

    def post(self, url, data=None, **kwargs):
        return self._note(self.client.post(url, data or {}, follow=True, **kwargs))

    def login(self, user):
        self.client.logout()
        self.client.force_login(user)


@pytest.fixture
def browser(client, capture):
    return Browser(client, capture)


def _webhook_text(sender_digits: str, text: str) -> bytes:
    body = incoming_message(
        business=BUSINESS, sender=sender_digits, wamid="wamid.CANARY", kind="text", content={"body": text}
    )
    return json.dumps(body).encode()


def _run_main_flows(browser, *, officer, kabid, admin, pemdes, doc_type, desa_a, settings, capture):
    """Every flow in the module docstring, with the canary, through the views."""
    requirement = doc_type.requirements.order_by("pk").first()
    # intake (the number typed the way people write it)
    browser.login(officer)
    data = intake_data(
        doc_type,
        desa_a,
        nik=CANARY_NIK,
        whatsapp="0812-9988-7766",
        **{f"files_{requirement.pk}": [jpeg_upload()]},
    )
    assert browser.post(reverse("applications:intake"), data).status_code == 200
    app = Application.objects.get(nik=CANARY_NIK)
    assert app.whatsapp == CANARY_WA
    # the NIK search, the page, the reveal
    browser.post(reverse("applications:queue_nik"), {"nik": CANARY_NIK})
    browser.post(reverse("applications:queue_nik"), {"nik": "5206 0141 0799 0123"})
    browser.get(reverse("applications:queue") + "?q=Siti")
    browser.get(reverse("applications:detail", args=[app.pk]))
    reveal = browser.post(reverse("applications:nik_reveal", args=[app.pk]))
    assert CANARY_NIK in reveal.content.decode()  # shown in the page, nowhere else
    # revision request → the WhatsApp message goes out through the outbox (console sender)
    for action, note in (("start_verification", ""), ("request_revision", "- KTP-el: foto buram")):
        app.refresh_from_db()
        browser.post(
            reverse("applications:action", args=[app.pk, action]), {"version": app.version, "note": note}
        )
    app.refresh_from_db()
    assert app.status == "revision_required"
    # the resubmission with a new file
    browser.post(
        reverse("applications:resubmit", args=[app.pk]),
        {"version": app.version, "note": "Foto baru", f"files_{requirement.pk}": [jpeg_upload("ktp2.jpg")]},
    )
    app.refresh_from_db()
    assert app.status == "resubmitted"
    # an inbound WhatsApp message from the canary number that quotes the NIK
    settings.WHATSAPP_APP_SECRET = SECRET
    f.OfficerNumberFactory(officer=officer, phone=f"+{BUSINESS}", bidang="dafduk")
    body = _webhook_text(CANARY_WA.lstrip("+"), f"NIK saya {CANARY_NIK}, nomor {CANARY_WA}")
    response = browser.client.post(
        reverse("notifications:webhook"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=compute_signature(body, SECRET),
    )
    browser._note(response)
    assert response.status_code == 200
    browser.get(reverse("notifications:inbox"))
    browser.get(reverse("notifications:conversation", args=[app.pk and _last_inbound_pk()]))
    # the rest of the way to ready, then the delivery batch to the desa
    for action in ("start_verification", "checklist", "verify", "start_processing", "mark_ready"):
        app.refresh_from_db()
        if action == "checklist":
            verdicts = {f"verdict_{r.pk}": "ok" for r in doc_type.requirements.all()}
            browser.post(
                reverse("applications:checklist", args=[app.pk]), {"version": app.version, **verdicts}
            )
            continue
        extra = {"issued_document_number": "5206-KK-0001"} if action == "mark_ready" else {}
        browser.post(reverse("applications:action", args=[app.pk, action]), {"version": app.version, **extra})
    app.refresh_from_db()
    assert app.status == "ready", app.status
    browser.post(reverse("routing:batch_add_item"), {"application": app.pk})
    item = BatchItem.objects.get(application=app)
    batch = item.batch
    batch.refresh_from_db()
    browser.post(
        reverse("routing:batch_dispatch", args=[batch.pk]),
        {"version": batch.version, "courier": officer.pk, "dispatch_date": timezone.localdate().isoformat()},
    )
    for name in ("batch_detail", "batch_manifest", "batch_csv", "batch_xlsx", "batch_pdf"):
        browser.get(reverse(f"routing:{name}", args=[batch.pk]))
    # the Pemdes side: receipt and hand-over
    browser.login(pemdes)
    batch.refresh_from_db()
    browser.get(reverse("routing:pemdes_home"))
    browser.post(
        reverse("routing:batch_confirm_receipt", args=[batch.pk]), {"version": batch.version, "checked": "on"}
    )
    browser.post(
        reverse("routing:batch_hand_over_item", args=[batch.pk, item.pk]),
        {"received_by_name": app.applicant_name, "handed_over_on": timezone.localdate().isoformat()},
    )
    item.refresh_from_db()
    assert item.status == "handed_over", item.status
    # dashboards and their exports
    for user in (kabid, admin):
        browser.login(user)
        browser.get(reverse("applications:dashboard"))
        browser.get(reverse("applications:dashboard_xlsx", args=["semua"]))
    # the admin's views of the same data
    browser.login(admin)
    browser.get(reverse("admin:applications_application_changelist") + "?q=Siti")
    browser.get(reverse("admin:applications_application_change", args=[app.pk]))
    browser.post(reverse("dukcapil_audit"), {"nik": CANARY_NIK})
    return app


def _last_inbound_pk() -> int:
    from notifications.models import InboundMessage

    return InboundMessage.objects.latest("pk").pk


def test_canary_nik_and_number_stay_out_of_logs_urls_tasks_and_audit(
    browser,
    capture,
    officer,
    kabid,
    admin_user,
    pemdes_a,
    doc_type,
    desa_a,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.ADMINS = [("Admin", "admin@example.invalid")]
    with django_capture_on_commit_callbacks(execute=True):
        app = _run_main_flows(
            browser,
            officer=officer,
            kabid=kabid,
            admin=admin_user,
            pemdes=pemdes_a,
            doc_type=doc_type,
            desa_a=desa_a,
            settings=settings,
            capture=capture,
        )
    for entry in AuditEntry.objects.all():
        capture.add(f"audit {entry.action}", {k: v for k, v in vars(entry).items() if not k.startswith("_")})
    for message in mail.outbox:
        capture.add("mail", f"{message.subject}\n{message.body}")
    # the flows really ran with the canary, and the captures have something in them
    from notifications.models import InboundMessage, OutboxMessage

    assert OutboxMessage.objects.filter(application=app, recipient=CANARY_WA).count() >= 2
    assert InboundMessage.objects.filter(sender=CANARY_WA).exists()
    assert AuditEntry.objects.filter(action="reveal_nik").exists()
    wheres = {where.split(" ")[0] for where, _ in capture.items}
    assert {"log", "url", "redirect", "task", "audit"} <= wheres, wheres
    found = capture.found()
    assert not found, "\n".join(found)


def test_the_scan_catches_formatting_variants():
    for text in (
        f"NIK {CANARY_NIK}",
        "nik=5206 0141 0799 0123",
        "5206-0141-0799-0123",
        "wa +62 812-9988-7766",
        "0812 9988 7766",
        "62812998877 66",
        "/permohonan/?wa=%2B6281299887766",
    ):
        assert leaks(text), text
    for text in ("520601******0123", "+62812****7766", "sha256:9f86d081884c7d659a2feaa0c55ad015"):
        assert not leaks(text), text


def test_the_capture_sees_logs_tasks_and_urls(capture, browser, officer):
    # a leak planted in each channel is reported: the scan above can fail
    logging.getLogger("notifications.sending").info("sent to %s", CANARY_WA)
    from notifications.tasks import outbox_send

    with contextlib.suppress(Exception):  # what the task makes of it does not matter here
        outbox_send.delay(CANARY_NIK)
    browser.login(officer)
    browser.get("/permohonan/?q=" + CANARY_NIK)
    where = {w.split(" ")[0] for w, t in capture.items if leaks(t)}
    assert {"log", "task", "url"} <= where
