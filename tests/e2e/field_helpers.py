"""Helpers for the field-ready checks (tests/e2e/test_field_ready.py).

A production-like server (DEBUG off, WhiteNoise serving collected, hashed and compressed static
files, gunicorn) on a seeded SQLite file, plus the probes run inside the pages: sideways overflow,
axe-core, inline script, transferred bytes, and the PDF checks for printed pages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from tests.two_factor_support import browser_pass_two_factor_demo_site

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts" / "field"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "dukcapil-demo"
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}

# --- the production-like server ----------------------------------------------------------------


@dataclass
class Site:
    url: str
    workdir: Path
    scenario: dict
    process: subprocess.Popen | None = None
    log: Path | None = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def static_fingerprint() -> str:
    """A key for the collected static files: every source file found (path, size, time) and the
    versions and settings that decide what collectstatic writes. Same key, same output."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from django.contrib.staticfiles import finders

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:  # Brotli is optional: WhiteNoise then writes gzip only
            return "-"

    libraries = " ".join(installed(name) for name in ("django", "whitenoise", "brotli", "django-htmx"))
    digest = hashlib.sha256(libraries.encode())
    digest.update((BASE_DIR / "dukcapil" / "settings.py").read_bytes())
    found = []
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            found.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    digest.update("\n".join(sorted(found)).encode())
    return digest.hexdigest()[:16]


def production_env(workdir: Path, static_root: Path) -> dict[str, str]:
    """The production profile of dukcapil.settings, on files under ``workdir``.

    Everything that decides how pages and static files are served is the production default
    (DEBUG off, WhiteNoise's CompressedManifestStaticFilesStorage); only the addresses, the secret
    and plain HTTP on 127.0.0.1 are set here.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "dukcapil.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "field-ready-test-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "STATIC_ROOT": str(static_root),
            "PRIVATE_MEDIA_ROOT": str(workdir / "media"),
            "CELERY_BROKER_URL": "",
            "WHATSAPP_SENDER": "console",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _run(cmd: list[str], *, env: dict, log, timeout: float) -> None:
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    subprocess.run(
        cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=True
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_start(workdir: Path, *, static_root: Path, timeout: float = 240) -> Site:
    """Collect static files and prepare the database side by side, then start gunicorn.

    Steps: `collectstatic` into ``static_root`` (WhiteNoise compresses every file: the slow part),
    unless a finished collection is already there, runs in one process while another migrates and
    seeds the database (`scenario_seed`); both must finish within ``timeout``; gunicorn then
    starts on a free port and must answer the login page within 30 s.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = production_env(workdir, static_root)
    finished = static_root / ".collected"
    log_path = workdir / "server.log"
    python = sys.executable
    errors: list[BaseException] = []

    def prepare_db(log):
        try:
            _run([python, "manage.py", "migrate", "--noinput", "-v0"], env=env, log=log, timeout=timeout)
            _run(
                [
                    python,
                    "-c",
                    f"import django; django.setup(); from {__name__} import scenario_seed; scenario_seed()",
                ],
                env=env,
                log=log,
                timeout=timeout,
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the caller with the log
            errors.append(exc)

    with open(log_path, "w") as log, open(workdir / "collectstatic.log", "w") as static_log:
        db_thread = threading.Thread(target=prepare_db, args=(log,))
        db_thread.start()
        try:
            if not finished.exists():
                _run(
                    [python, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"],
                    env=env,
                    log=static_log,
                    timeout=timeout,
                )
                finished.touch()
        finally:
            db_thread.join(timeout)
    if errors or db_thread.is_alive():
        raise RuntimeError(f"database not ready: {errors}\n{log_path.read_text(errors='replace')[-3000:]}")

    port = _free_port()
    site = Site(
        url=f"http://127.0.0.1:{port}",
        workdir=workdir,
        scenario=json.loads((workdir / "scenario.json").read_text()),
        log=log_path,
    )
    site.process = subprocess.Popen(  # noqa: S603 - fixed argument list
        [
            python,
            "-m",
            "gunicorn",
            "dukcapil.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=open(log_path, "a"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{site.url}/akun/masuk/", timeout=2) as response:
                if response.status == 200:
                    return site
        except OSError:
            time.sleep(0.3)
        if site.process.poll() is not None:
            break
    site.stop()
    raise RuntimeError(f"gunicorn did not answer\n{site.log_tail()}")


def scenario_seed() -> None:
    """Demo data plus what the printed pages need; ids written to scenario.json beside the database.

    Steps: `seed_demo` (accounts per role, applications in every status); a published four-week
    Dafduk rota starting on the next working day; 24 urgent KTP-el recordings on its first day (the
    desk list); 40 more documents ready for pemdes1's desa, put in one batch and dispatched (a
    manifest over several A4 pages, and a portal with content); three phone photos on one of
    petugas1's applications and two WhatsApp conversations with photos on petugas1's number (lists
    that should show thumbnails). Other desa keep their ready documents, so "create batches for
    every desa" still has work.
    """
    import random
    from datetime import timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from applications.models import Application, DocumentType
    from dukcapil.accounts.models import User
    from routing import delivery, services
    from routing.models import BatchItem, Desa
    from routing.rota import working_days
    from tests import factories as f

    call_command("seed_demo", verbosity=0)
    rng = random.Random(11)
    kabid = User.objects.get(username="kabid.dafduk")
    officer = User.objects.get(username="petugas1")
    desa = User.objects.get(username="pemdes1").desa
    today = timezone.localdate()

    start = working_days(today + timedelta(days=1), today + timedelta(days=20))[0]
    rota = services.rota_generate(
        actor=kabid, bidang="dafduk", start=start, end=start + timedelta(days=27), max_in_office=2
    ).rota
    services.rota_publish(actor=kabid, rota=rota)
    services.recording_day_set_cap(actor=kabid, day=start, cap=30)
    places = list(Desa.objects.order_by("code")[:30])
    reasons = [Application.Urgency.BPJS, Application.Urgency.HOSPITAL, Application.Urgency.TNI_POLRI]
    for i in range(24):
        services.recording_book(
            actor=officer,
            day=start,
            name=f"{rng.choice(['Siti', 'Ahmad', 'Nurul', 'Rahmat'])} {rng.choice(['Hasan', 'Yusuf', 'Saleh'])} {i + 1}",
            nik=f.make_nik(serial=1000 + i),
            whatsapp=f"+6281234{500000 + i}",
            desa=rng.choice(places),
            urgency=reasons[i % 3],
        )

    now = timezone.now()
    types = list(DocumentType.objects.filter(is_accepting=True).order_by("code")[:8])
    for i in range(40):
        doc_type = types[i % len(types)]
        f.ApplicationFactory(
            number=f"{settings.OFFICE_CODE}-2026-{900001 + i:07d}",
            applicant_name=f"{rng.choice(['Siti Aminah', 'Muhammad Yusuf', 'Hadijah Rahman'])} binti Uji {i + 1}",
            desa=desa,
            document_type=doc_type,
            status=Application.Status.READY,
            delivery_method=Application.Delivery.VIA_PEMDES,
            issued_document_number=f"5206{i:012d}",
            ready_at=now,
            status_changed_at=now,
        )
    ready = Application.objects.filter(
        desa=desa, status=Application.Status.READY, delivery_method=Application.Delivery.VIA_PEMDES
    ).order_by("pk")
    batch = None
    for application in ready:
        batch = delivery.batch_add_item(actor=officer, application=application)
    batch = delivery.batch_dispatch(actor=officer, batch=batch, courier=officer, dispatch_date=today)
    item = BatchItem.objects.filter(batch=batch).order_by("position").first()

    application = (
        Application.objects.filter(bidang="dafduk", assigned_to=officer, status=Application.Status.VERIFYING)
        .order_by("pk")
        .first()
    )
    _attach_photos(application, officer)
    conversation = _whatsapp_conversations(officer)
    capil_application = Application.objects.filter(bidang="capil").order_by("pk").first()
    (Path(settings.DATABASES["default"]["NAME"]).parent / "scenario.json").write_text(
        json.dumps(
            {
                "rota": rota.pk,
                "recording_day": start.isoformat(),
                "batch": batch.pk,
                "batch_items": batch.item_count,
                "item": item.pk,
                "application": application.pk,
                "capil_application": capil_application.pk,
                "conversation": conversation.pk,
            }
        )
    )


def _phone_photo(seed: int) -> bytes:
    """A phone photo of a document: 2000×1500 JPEG with grain, about 0.5–1 MB like the real ones."""
    from PIL import Image, ImageDraw

    grain = Image.effect_noise((2000, 1500), 40).convert("RGB")
    photo = Image.blend(Image.new("RGB", (2000, 1500), (236, 232, 218)), grain, 0.25)
    draw = ImageDraw.Draw(photo)
    for row in range(28):
        width = 300 + (row * 97 + seed * 131) % 1400
        draw.rectangle((150, 140 + row * 45, 150 + width, 160 + row * 45), fill=(45, 45, 70))
    out = BytesIO()
    photo.save(out, "JPEG", quality=88)
    return out.getvalue()


def _attach_photos(application, officer) -> None:
    """Three photos on the application, through the real upload checks (cleaned file + thumbnail)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from applications.attachments import FileWriteGuard, NewFile, attachments_store
    from applications.uploads import sanitize_upload

    requirements = list(application.document_type.requirements.order_by("pk")[:3])
    files = [
        NewFile(
            requirement=requirement,
            clean=sanitize_upload(SimpleUploadedFile(f"foto-{i + 1}.jpg", _phone_photo(i), "image/jpeg")),
        )
        for i, requirement in enumerate(requirements)
    ]
    with FileWriteGuard() as guard, transaction.atomic():
        attachments_store(application=application, files=files, actor=officer, source="intake", guard=guard)


def _whatsapp_conversations(officer):
    """Two citizens wrote to the officer's number, each with three photos (fetched and cleaned)."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from applications.uploads import sanitize_upload
    from notifications.models import InboundMedia, InboundMessage
    from routing.models import OfficerNumber

    number = OfficerNumber.objects.filter(officer=officer).order_by("pk").first()
    first = None
    for i, (name, text) in enumerate(
        [("Nurul Hasanah", "Siang pak, ini berkas untuk KK baru"), ("Abdul Rahman", "Mau urus KTP hilang")]
    ):
        message = InboundMessage.objects.create(
            provider_message_id=f"wamid.field-ready-{i}",
            officer_number=number,
            sender=f"+62812555000{i}",
            sender_name=name,
            text=text,
            received_at=timezone.now() - timedelta(minutes=20 * i),
        )
        first = first or message
        for j in range(3):
            clean = sanitize_upload(
                SimpleUploadedFile(f"IMG-{i}{j}.jpg", _phone_photo(10 * i + j), "image/jpeg")
            )
            InboundMedia.objects.create(
                message=message,
                media_id=f"field-ready-{i}-{j}",
                mime_type="image/jpeg",
                file=default_storage.save(f"inbound/field-{i}-{j}.jpg", ContentFile(clean.content)),
                thumbnail=default_storage.save(
                    f"inbound/field-{i}-{j}-kecil.jpg", ContentFile(clean.thumbnail)
                ),
                display_name=f"IMG-{i}{j}.jpg",
                fetched=True,
            )
    return first


# --- in the browser ---------------------------------------------------------------------------


def login(page, base: str, username: str, *, db_path: Path) -> None:
    """Password, then (admin, kadis, kabid) the current code of the demo key, on the site's own database."""
    page.goto(f"{base}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/akun/masuk/" not in url)
    browser_pass_two_factor_demo_site(page, username, db_path)


# Elements sticking out on the right that no scrolling or clipping box holds: what makes a phone
# scroll sideways (document.documentElement.scrollWidth > window.innerWidth).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const culprits = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let held = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) { held = true; break; }
    }
    if (!held && !(el.parentElement && culprits.some(c => c.el === el.parentElement))) {
      culprits.push({el, text: describe(el) + ' (right edge ' + Math.round(box.right) + ' px)'});
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          culprits: culprits.slice(0, 5).map(c => c.text)};
}"""

# What a Content-Security-Policy without 'unsafe-inline' would block.
INLINE_SCRIPT_JS = """() => {
  const data = ['application/json', 'application/ld+json', 'text/template', 'text/html'];
  const inline = [...document.querySelectorAll('script:not([src])')]
    .filter(s => !data.includes((s.type || '').toLowerCase()))
    .map(s => 'inline <script>: ' + s.textContent.trim().slice(0, 60));
  const handlers = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) handlers.push(el.tagName.toLowerCase() + '[' + a.name + ']');
      if (a.name === 'href' && a.value.trim().toLowerCase().startsWith('javascript:')) handlers.push(el.tagName.toLowerCase() + '[href=javascript:]');
    }
  }
  return inline.concat(handlers.slice(0, 5));
}"""


def csp_watch(page, found: list[str]) -> None:
    """Note every message of the browser saying the Content Security Policy refused something, and
    every uncaught script error (a script broken by a refused resource), as ``url: message``."""

    def console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            where = message.location or {}
            source = f" (from {where.get('url')}:{where.get('lineNumber')})" if where.get("url") else ""
            found.append(f"{page.url}: {message.text}{source}")

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"{page.url}: script error: {error}"))


def overflow(page) -> dict:
    return page.evaluate(OVERFLOW_JS)


def inline_script(page) -> list[str]:
    return page.evaluate(INLINE_SCRIPT_JS)


def load_axe(page) -> None:
    """Put axe-core into the page: evaluated through DevTools, since an inline <script> (Playwright's
    add_script_tag) is refused by the page's Content Security Policy."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;true")


def axe_problems(page) -> list[str]:
    """Serious and critical axe-core violations on the whole page (every rule axe runs by default)."""
    load_axe(page)
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 4).map(n =>
                n.target.join(' ') + ' :: ' + ((n.any[0] || n.all[0] || n.none[0] || {}).message || v.help))}))"""
    )
    return [f"{v['impact']} {v['id']}: " + " | ".join(v["nodes"]) for v in violations]


def shot(page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


# --- transferred bytes ------------------------------------------------------------------------


@dataclass
class Load:
    """What one page load fetched, from Chromium's own network log (DevTools protocol)."""

    requests: dict = field(default_factory=dict)

    @property
    def network_bytes(self) -> int:
        return sum(r.get("bytes", 0) for r in self.requests.values() if not r.get("cached"))

    def from_network(self) -> list[dict]:
        return [r for r in self.requests.values() if not r.get("cached")]

    def summary(self) -> list[str]:
        rows = sorted(self.requests.values(), key=lambda r: -r.get("bytes", 0))
        return [
            f"{r.get('bytes', 0):>8} B {'cache' if r.get('cached') else 'net  '} {r.get('status', '')} "
            f"{r.get('encoding', '') or '-':<4} {r['url']}"
            for r in rows
        ]


class NetworkLog:
    """Record requests of a page through CDP: encoded (on-the-wire) bytes and cache hits."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.load = Load()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.requestServedFromCache", self._cached)
        self.cdp.on("Network.loadingFinished", self._finished)

    def start(self) -> Load:
        self.load = Load()
        return self.load

    def clear_cache(self) -> None:
        self.cdp.send("Network.clearBrowserCache")

    def throttle(self, *, kbps: int, latency_ms: int) -> None:
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency_ms,
                "downloadThroughput": kbps * 1000 / 8,
                "uploadThroughput": kbps * 1000 / 8,
            },
        )

    def _row(self, event) -> dict:
        return self.load.requests.setdefault(event["requestId"], {"url": "", "bytes": 0})

    def _sent(self, event):
        row = self._row(event)
        row["url"] = event["request"]["url"]
        row["type"] = event.get("type", "")

    def _response(self, event):
        row = self._row(event)
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        row.update(
            url=response["url"],
            status=response["status"],
            type=event.get("type", row.get("type", "")),
            cache_control=headers.get("cache-control", ""),
            encoding=headers.get("content-encoding", ""),
            cached=bool(response.get("fromDiskCache") or response.get("fromPrefetchCache"))
            or row.get("cached", False),
        )

    def _cached(self, event):
        self._row(event)["cached"] = True

    def _finished(self, event):
        self._row(event)["bytes"] = int(event.get("encodedDataLength", 0))


# --- printed pages ----------------------------------------------------------------------------


def pdf_pages(pdf: bytes, name: str) -> list[str]:
    """Save the PDF and every page as PNG (pdftoppm -r 60) into test-artifacts; return each page's text."""
    from pypdf import PdfReader

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.pdf"
    target.write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(target), str(ARTIFACTS / name)], check=True, timeout=60
        )
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def rows_cut_across_pages(pages: list[str], rows: Iterable[list[str]]) -> list[str]:
    """Rows whose cells are not all on one PDF page (a page break cut through them).

    Only cell texts unique to one row and at least four characters long are used: they tell on
    which page the row is. A row cut by a page break has some of them on one page and the rest on
    the next.
    """
    rows = [[squash(c) for c in row if len(squash(c)) >= 4] for row in rows]
    seen: dict[str, int] = {}
    for row in rows:
        for text in set(row):
            seen[text] = seen.get(text, 0) + 1
    flat = [squash(p) for p in pages]
    cut = []
    for row in rows:
        keys = [t for t in row if seen[t] == 1]
        if len(keys) < 2:
            continue
        together = [i for i, page in enumerate(flat) if all(k in page for k in keys)]
        if not together:
            cut.append(" / ".join(keys[:3]))
    return cut
