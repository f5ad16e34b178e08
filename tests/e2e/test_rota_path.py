"""A kepala bidang generates, edits and publishes a month's rota; an officer opens their schedule.

Plus the printed pages: the numbers poster and the roster, printed to PDF on A4 and rasterised
with pdftoppm so they can be looked at (test-artifacts/).
"""

import re
import shutil
import subprocess
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from routing.models import Rota, ShiftAssignment
from tests import factories as f
from tests.two_factor_support import browser_pass_two_factor

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = f.DEMO_PASSWORD
MONTH = "2026-12"


@pytest.fixture
def office(transactional_db):
    kabid = f.KabidFactory(username="kabid.rota", first_name="Rahmawati", last_name="Kabid", bidang="dafduk")
    names = [
        "Andi Saputra",
        "Budi Hartono",
        "Citra Lestari",
        "Dedi Kurniawan",
        "Eka Pratiwi",
        "Fajar Nugroho",
    ]
    officers = []
    for i, name in enumerate(names):
        first, last = name.split()
        officers.append(
            f.OfficerFactory(username=f"petugas.rota{i}", first_name=first, last_name=last, bidang="dafduk")
        )
    f.LeaveFactory(
        officer=officers[4], start=date(2026, 12, 14), end=date(2026, 12, 18), reason="Cuti tahunan"
    )
    f.ClosedDayFactory(date=date(2026, 12, 24), reason="Cuti bersama Natal")
    return kabid, officers


def login(page, live_server, username):
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    browser_pass_two_factor(page, username)
    page.wait_for_load_state("networkidle")


def logout(page):
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_load_state("networkidle")


def clear_notes(page):
    """Drop the editor's previous note so the next wait sees the answer to the next request."""
    page.evaluate("document.querySelectorAll('#rota-editor .alert').forEach(e => e.remove())")


def wait_saved(page, name):
    """Wait for the editor's success note; on failure keep a screenshot of what the page said instead."""
    try:
        page.get_by_text("Perubahan disimpan.").wait_for(timeout=10000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{name}-failed.png"), full_page=True)
        raise


def cell(page, officer, day, state):
    value_place = {"K": "home", "R": "office"}[state]
    return page.locator(f'button[name="cell"][value="{officer.pk}:{day.isoformat()}:{value_place}"]')


@pytest.mark.browser
def test_kabid_generates_edits_publishes_and_officer_sees_schedule(office, live_server, page):
    kabid, officers = office
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "kabid.rota")

    # generate a month
    page.get_by_role("link", name="Jadwal piket").first.click()
    assert "Belum ada jadwal piket" in page.content()
    page.get_by_role("link", name="+ Buat jadwal").first.click()
    page.get_by_label("Satu bulan").check()
    page.get_by_label("Bulan", exact=True).fill(MONTH)
    page.get_by_label("Maksimal di kantor per hari (orang)").fill("3")
    page.get_by_label("Maksimal porsi di kantor (%)").fill("")
    page.get_by_label("Minimal di kantor per hari (orang)").fill("2")
    page.screenshot(path=str(ARTIFACTS / "rota-generate-form.png"), full_page=True)
    page.get_by_role("button", name="Buat draf jadwal").click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/rute/jadwal/\d+/$", page.url)
    assert page.get_by_text("Draf jadwal dibuat dalam").is_visible()
    rota = Rota.objects.get()
    assert rota.status == Rota.Status.DRAFT
    assert "Eka Pratiwi" in page.content()
    page.screenshot(path=str(ARTIFACTS / "rota-draft.png"), full_page=True)

    # an edit that breaks the daily maximum is refused in Indonesian, nothing saved (htmx, no reload)
    day = date(2026, 12, 2)
    home_row = (
        ShiftAssignment.objects.filter(rota=rota, date=day, place="home").order_by("officer_id").first()
    )
    home_officer = next(o for o in officers if o.pk == home_row.officer_id)
    cell(page, home_officer, day, "R").click()
    page.get_by_text("Perubahan tidak disimpan karena melanggar aturan jadwal.").wait_for()
    assert page.get_by_text("melebihi batas 3 orang").first.is_visible()
    home_row.refresh_from_db()
    assert home_row.place == "home"
    page.screenshot(path=str(ARTIFACTS / "rota-edit-refused.png"), full_page=True)

    # a valid edit: on a full day, the officer most over their fair share works from home instead
    # (3 -> 2 keeps the minimum of 2; taking a day from the most served keeps the split fair)
    rows = list(ShiftAssignment.objects.filter(rota=rota).values_list("officer_id", "date", "place"))
    served = {o.pk: sum(1 for oid, _d, p in rows if oid == o.pk and p == "office") for o in officers}
    available = {o.pk: sum(1 for oid, _d, _p in rows if oid == o.pk) for o in officers}
    per_day = {}
    for _oid, d, p in rows:
        per_day[d] = per_day.get(d, 0) + (p == "office")
    busiest = max(officers, key=lambda o: (served[o.pk] / available[o.pk], -o.pk))
    day = min(d for oid, d, p in rows if oid == busiest.pk and p == "office" and per_day[d] == 3)
    clear_notes(page)
    cell(page, busiest, day, "K").click()
    wait_saved(page, "rota-edit")
    office_row = ShiftAssignment.objects.get(rota=rota, officer=busiest, date=day)
    assert office_row.place == "home"

    # a move: someone at home on that day (now two in the office) comes then instead of another day
    rows = list(ShiftAssignment.objects.filter(rota=rota).values_list("officer_id", "date", "place"))
    at_home = sorted(oid for oid, d, p in rows if d == day and p == "home" and oid != busiest.pk)
    mover = next(o for o in officers if o.pk == at_home[0])
    from_day = min(d for oid, d, p in rows if oid == mover.pk and p == "office" and d > day)
    page.get_by_label("Petugas", exact=True).select_option(str(mover.pk))
    page.get_by_label("tidak masuk pada").select_option(from_day.isoformat())
    page.get_by_label("tetapi masuk pada").select_option(day.isoformat())
    clear_notes(page)
    page.get_by_role("button", name="Pindah").click()
    wait_saved(page, "rota-move")
    assert ShiftAssignment.objects.get(rota=rota, officer=mover, date=day).place == "office"
    assert ShiftAssignment.objects.get(rota=rota, officer=mover, date=from_day).place == "home"

    # a swap between two officers through the form
    office_map = {}
    for officer_id, d in ShiftAssignment.objects.filter(rota=rota, place="office").values_list(
        "officer_id", "date"
    ):
        office_map.setdefault(d, set()).add(officer_id)
    days = sorted(office_map)
    day_a, day_b = days[3], days[4]
    a = min(office_map[day_a] - office_map[day_b])
    b = min(office_map[day_b] - office_map[day_a])
    page.get_by_label("Petugas A").select_option(str(a))
    page.get_by_label("hari kantor A").select_option(day_a.isoformat())
    page.get_by_label("Petugas B").select_option(str(b))
    page.get_by_label("hari kantor B").select_option(day_b.isoformat())
    clear_notes(page)
    page.get_by_role("button", name="Tukar").click()
    wait_saved(page, "rota-swap")
    assert ShiftAssignment.objects.get(rota=rota, officer_id=a, date=day_b).place == "office"
    assert ShiftAssignment.objects.get(rota=rota, officer_id=b, date=day_a).place == "office"
    page.screenshot(path=str(ARTIFACTS / "rota-edited.png"), full_page=True)

    # publish
    page.get_by_role("button", name="Terbitkan").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Jadwal diterbitkan").is_visible()
    rota.refresh_from_db()
    assert rota.status == Rota.Status.PUBLISHED
    page.screenshot(path=str(ARTIFACTS / "rota-published.png"), full_page=True)

    # phone-sized screen: the grid scrolls inside its box, the page does not overflow
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert not overflow
    page.screenshot(path=str(ARTIFACTS / "rota-published-360.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    logout(page)

    # the officer opens "Jadwal saya"
    me = officers[0]
    login(page, live_server, me.username)
    page.get_by_role("link", name="Jadwal saya").click()
    page.goto(page.url.split("?")[0] + f"?bulan={MONTH}")
    expected = ShiftAssignment.objects.filter(rota=rota, officer=me, place="office").count()
    assert page.locator("td.state-office:not(.out-month)").count() == expected
    assert page.locator("td.state-closed:not(.out-month)").count() >= 2  # 24 (office) and 25 (Christmas)
    page.screenshot(path=str(ARTIFACTS / "my-schedule.png"), full_page=True)
    page.get_by_role("button", name="Buat alamat kalender").click()
    page.wait_for_load_state("networkidle")
    feed_url = page.get_by_label("Alamat kalender pribadi").input_value()
    assert "/rute/kalender/" in feed_url and feed_url.endswith(".ics")
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "my-schedule-360.png"), full_page=True)
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def _pdf_pages(pdf: bytes, name: str) -> int:
    """Save the PDF and its first page as PNG (pdftoppm) into test-artifacts; return the page count."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(ARTIFACTS / f"{name}.pdf"),
                str(ARTIFACTS / name),
            ],
            check=True,
        )
    return len(PdfReader(BytesIO(pdf)).pages)


@pytest.mark.browser
def test_numbers_poster_and_roster_print_on_a4(office, live_server, page, doc_type, doc_type_capil):
    kabid, officers = office
    f.AdminFactory(username="admin.poster")
    kk = f.DocumentTypeFactory(code="kk-baru", name="KK baru / pisah KK", category=doc_type.category)
    ktp = f.DocumentTypeFactory(code="ktp-cetak", name="KTP-el cetak ulang", category=doc_type.category)
    for i, officer in enumerate(officers):
        number = f.OfficerNumberFactory(officer=officer, phone=f"+628123450{i:04d}", bidang="dafduk")
        number.services.set([kk, doc_type] if i < 3 else [ktp])
    capil_officer = f.OfficerFactory(
        username="capil.poster", first_name="Gita", last_name="Rahayu", bidang="capil"
    )
    f.OfficerNumberFactory(
        officer=capil_officer, phone="+6281299990001", bidang="capil", label="Akta kelahiran"
    )
    from routing import services

    rota = services.rota_generate(
        actor=kabid,
        bidang="dafduk",
        start=date(2026, 12, 1),
        end=date(2026, 12, 31),
        max_in_office=3,
        min_per_bidang=2,
    ).rota

    login(page, live_server, "admin.poster")
    page.goto(f"{live_server.url}/rute/nomor/poster/")
    page.screenshot(path=str(ARTIFACTS / "poster-screen.png"), full_page=True)
    page.emulate_media(media="print")
    pages = _pdf_pages(page.pdf(format="A4", print_background=True), "poster-a4")
    assert pages == 1, "seven numbers must fit one A4 banner page"
    assert page.locator(".poster-card svg").count() == 7
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/rute/jadwal/{rota.pk}/cetak/")
    page.emulate_media(media="print")
    pages = _pdf_pages(page.pdf(format="A4", print_background=True), "roster-a4")
    assert 1 <= pages <= 2


@pytest.mark.browser
def test_recording_workload_and_numbers_pages_on_desktop_and_phone(office, live_server, page, doc_type):
    """Screens of the other staff pages, at 1366 px and 360 px, with the page never wider than the screen."""
    from django.utils import timezone

    from routing import services
    from routing.rota import working_days

    kabid, officers = office
    today = timezone.localdate()
    start = working_days(today, today + timedelta(days=10))[0]
    rota = services.rota_generate(
        actor=kabid,
        bidang="dafduk",
        start=start,
        end=start + timedelta(days=27),
        max_in_office=3,
        min_per_bidang=2,
    ).rota
    services.rota_publish(actor=kabid, rota=rota)
    desa = f.DesaFactory(name="Tolotangga")
    services.recording_day_set_cap(actor=kabid, day=start, cap=3)
    for i, urgency in enumerate(["bpjs", "hospital", "tni_polri"]):
        services.recording_book(
            actor=officers[0],
            day=start,
            name=f"Warga Mendesak {i}",
            nik=f.make_nik(serial=i + 1),
            whatsapp="+6281234567891",
            desa=desa,
            urgency=urgency,
        )
    services.recording_book(
        actor=officers[0],
        day=start,
        name="Warga Menunggu",
        nik=f.make_nik(serial=99),
        whatsapp="+6281234567892",
        desa=desa,
        urgency="other",
        justification="Syarat melamar kerja",
    )
    for i, officer in enumerate(officers):
        number = f.OfficerNumberFactory(officer=officer, phone=f"+628123450{i:04d}", bidang="dafduk")
        number.services.set([doc_type])
        for n in range(i + 1):
            f.ApplicationFactory(
                assigned_to=officer, document_type=doc_type, due_at=timezone.now() - timedelta(days=n - 2)
            )

    login(page, live_server, "kabid.rota")
    screens = {
        "recording-list": "/rute/perekaman/",
        "recording-form": "/rute/perekaman/baru/",
        "recording-desk": f"/rute/perekaman/meja/?tanggal={start.isoformat()}",
        "workload": "/rute/beban-kerja/",
        "reassign": "/rute/alihkan/",
        "number-list": "/rute/nomor/",
        "rota-list": "/rute/jadwal/",
    }
    for name, path in screens.items():
        for width in (1366, 360):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}{path}")
            assert page.locator("h1").first.is_visible()
            suffix = "" if width > 400 else "-360"
            page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert not overflow, f"{name} overflows at {width}px"

    # the full day is shown as full and the booking form explains it
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/rute/perekaman/")
    assert page.locator(".quota-day.is-full").count() >= 1
    page.goto(f"{live_server.url}/rute/perekaman/meja/?tanggal={start.isoformat()}")
    page.emulate_media(media="print")
    assert _pdf_pages(page.pdf(format="A4", print_background=True), "recording-desk-a4") == 1
