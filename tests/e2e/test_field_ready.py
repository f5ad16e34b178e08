"""Field-ready pages (issue 11): a phone over a weak signal, a keyboard, and every user.

Every check runs in Chromium against the app as production serves it: DEBUG off, gunicorn, WhiteNoise
with CompressedManifestStaticFilesStorage (hashed names, long cache lifetimes, gzip/brotli), on a
SQLite file seeded once per run with the demo data (`seed_demo`) plus a published rota, a full
recording day and a dispatched 41-document batch (field_helpers.scenario_seed). One server for the
whole file keeps the run short; the tests only read, except the progress test of "create batches
for every desa", which makes batches that no other check depends on.

Screenshots, PDFs and their PNG pages go to test-artifacts/field/.
Run: .venv/bin/pytest tests/e2e/test_field_ready.py -q -p no:randomly
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.field_helpers import (
    ARTIFACTS,
    LAPTOP,
    PHONE,
    NetworkLog,
    axe_problems,
    csp_watch,
    inline_script,
    login,
    overflow,
    pdf_pages,
    rows_cut_across_pages,
    shot,
    site_start,
    slug,
    static_fingerprint,
)

pytestmark = pytest.mark.browser

BUDGET_BYTES = 300 * 1000  # first load of the officer queue and of the Pemdes portal, on the wire
ANONYMOUS = "anonim"

# The pages each role works from. {placeholders} come from the seeded scenario (scenario.json).
ROLE_PAGES = {
    ANONYMOUS: ["/akun/masuk/", "/permohonan/lacak/"],
    "petugas1": [
        "/",
        "/permohonan/",
        "/permohonan/baru/",
        "/permohonan/{application}/",
        "/notifikasi/wa-masuk/",
        "/notifikasi/wa-masuk/{conversation}/",
        "/rute/pengiriman/",
        "/rute/pengiriman/siap/",
        "/rute/pengiriman/{batch}/",
        "/rute/perekaman/",
        "/rute/perekaman/baru/",
        "/rute/jadwal-saya/",
    ],
    "petugas4": ["/", "/permohonan/", "/permohonan/{capil_application}/"],
    "kabid.dafduk": [
        "/",
        "/permohonan/dasbor/",
        "/rute/beban-kerja/",
        "/rute/alihkan/",
        "/rute/jadwal/",
        "/rute/jadwal/buat/",
        "/rute/jadwal/{rota}/",
        "/rute/perekaman/meja/?tanggal={recording_day}",
    ],
    "kadis": ["/", "/permohonan/dasbor/"],
    "admin": [
        "/",
        "/rute/nomor/",
        "/rute/nomor/baru/",
        "/rute/nomor/poster/",
        "/notifikasi/pesan-keluar/",
        "/audit/",
        "/kelola/",
        "/kelola/applications/application/",
        "/kelola/applications/application/{application}/change/",
    ],
    "pemdes1": [
        "/",
        "/rute/desa/",
        "/rute/desa/menunggu/",
        "/rute/desa/selesai/",
        "/rute/pengiriman/{batch}/",
        "/rute/pengiriman/{batch}/dokumen/{item}/serahkan/",
    ],
}

# (role, page, field name, attribute, expected value): the keyboard a phone opens for the field
MOBILE_KEYBOARDS = [
    (ANONYMOUS, "/permohonan/lacak/", "nik_last4", "inputmode", "numeric"),
    ("petugas1", "/permohonan/baru/", "nik", "inputmode", "numeric"),
    ("petugas1", "/permohonan/baru/", "no_kk", "inputmode", "numeric"),
    ("petugas1", "/permohonan/baru/", "whatsapp", "inputmode", "tel"),
    ("petugas1", "/rute/perekaman/baru/", "nik", "inputmode", "numeric"),
    ("petugas1", "/rute/perekaman/baru/", "whatsapp", "inputmode", "tel"),
    ("petugas1", "/notifikasi/wa-masuk/{conversation}/", "nik", "inputmode", "numeric"),
    ("petugas1", "/notifikasi/wa-masuk/{conversation}/", "whatsapp", "inputmode", "tel"),
    ("admin", "/rute/nomor/baru/", "phone", "inputmode", "tel"),
    ("admin", "/audit/", "nik", "inputmode", "numeric"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The production-like server for this file: started once, stopped after the last test."""
    # collectstatic with WhiteNoise's compression is the slow part: kept between runs, keyed by its inputs
    cache = ARTIFACTS.parent / "field-static-cache"
    cache.mkdir(parents=True, exist_ok=True)
    key = static_fingerprint()
    for old in cache.iterdir():
        if old.name != key:
            shutil.rmtree(old, ignore_errors=True)
    running = site_start(tmp_path_factory.mktemp("field-site"), static_root=cache / key)
    yield running
    running.stop()


def pages_of(site, role: str) -> list[str]:
    return [path.format(**site.scenario) for path in ROLE_PAGES[role]]


def open_as(page, site, role: str) -> None:
    if role != ANONYMOUS:
        login(page, site.url, role, db_path=site.workdir / "db.sqlite3")


FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  // 'auto' is Chromium's own focus ring (drawn 2 px, two colours) where a page sets none
  const outline = s.outlineStyle === 'auto' || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2);
  const ring = s.boxShadow && s.boxShadow !== 'none';
  return {what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"',
          visible: outline || ring};
}"""


@pytest.fixture(scope="module")
def surveys():
    return {}


def survey(surveys: dict, site, page, role: str) -> dict[str, list[str]]:
    """Open every page of ``role`` once and note what is wrong, by kind (kept for the other tests).

    Steps per page: load it at 360×740, screenshot, measure sideways overflow; widen to 1366×768 (a
    phone turned, a laptop: the same page re-laid out), screenshot, measure again; look for inline
    script; check `lang`; run axe-core; press Tab three times and check each focus is visible. Every
    request of the visit is checked for other hosts and web fonts; every page must come with the
    Content Security Policy, and the browser must refuse nothing on it (console messages).
    """
    if role in surveys:
        return surveys[role]
    found = {"layout": [], "requests": [], "inline": [], "axe": [], "focus": [], "csp": []}
    csp_watch(page, found["csp"])

    def check_request(request):
        url = request.url
        if not (url.startswith(site.url + "/") or url.startswith(("data:", "blob:"))):
            found["requests"].append(f"request to another host: {url}")
        if request.resource_type == "font":
            found["requests"].append(f"web font: {url}")

    page.on("request", check_request)
    open_as(page, site, role)
    for path in pages_of(site, role):
        page.set_viewport_size(PHONE)
        response = page.goto(site.url + path, wait_until="load")
        assert response and response.ok, f"{path} answered {response and response.status}"
        if "script-src 'self'" not in (response.headers.get("content-security-policy") or ""):
            found["csp"].append(f"{path}: no Content-Security-Policy with script-src 'self'")
        for size in (PHONE, LAPTOP):
            if size is LAPTOP:
                page.set_viewport_size(LAPTOP)
                page.wait_for_timeout(150)  # resize handlers (charts) settle
            shot(page, f"{role}-{slug(path)}-{size['width']}")
            box = overflow(page)
            if box["scrollWidth"] > box["innerWidth"]:
                found["layout"].append(
                    f"{path} at {size['width']} px is {box['scrollWidth']} px wide: {', '.join(box['culprits'])}"
                )
        found["inline"] += [f"{path}: {p}" for p in inline_script(page)]
        lang = page.evaluate("document.documentElement.lang")
        if not lang.startswith("id"):
            found["axe"].append(f'{path}: <html lang="{lang}">, expected "id"')
        # axe-core itself adds inline styles while it checks (its own refusals, not the page's)
        before_axe = len(found["csp"])
        found["axe"] += [f"{path}: {p}" for p in axe_problems(page)]
        page.wait_for_timeout(50)  # console messages of the check arrive just after it
        del found["csp"][before_axe:]
        page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(3):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS_JS)
            if focus and not focus["visible"]:
                found["focus"].append(f"{path}: no visible focus on {focus['what']}")
    page.remove_listener("request", check_request)
    surveys[role] = found
    return found


# --- 1. phones -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_pages_fit_a_phone_and_a_laptop_without_sideways_scrolling(site, page, surveys, role):
    """At 360×740 and 1366×768 the page itself never scrolls sideways (wide tables scroll in their
    own box). Screenshots: test-artifacts/field/<role>-<page>-<width>.png."""
    problems = survey(surveys, site, page, role)["layout"]
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_pages_fetch_nothing_from_other_hosts_and_have_no_inline_script(site, page, surveys, role):
    """No CDN, no web fonts (a weak rural connection fetches only this site); no inline script or
    on*= handler, which the coming strict Content-Security-Policy would block."""
    found = survey(surveys, site, page, role)
    problems = found["requests"] + found["inline"]
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_pages_work_under_the_content_security_policy(site, page, surveys, role):
    """Every page of the role comes with the policy, and the browser refuses nothing on it: no
    "Refused to … because it violates the following Content Security Policy directive" in the
    console, no script error."""
    problems = survey(surveys, site, page, role)["csp"]
    assert not problems, f"{role}:\n" + "\n".join(problems)


def test_admin_actions_and_the_manifest_work_under_the_content_security_policy(site, page):
    """The pages the role walk does not reach: an admin action's intermediate page (after "Go"),
    the admin's change form of a message template (its live preview script), and the batch
    manifest with its nonce'd footer style."""
    found: list[str] = []
    csp_watch(page, found)
    open_as(page, site, "admin")
    page.set_viewport_size(LAPTOP)
    page.goto(site.url + "/kelola/applications/application/")
    page.locator("#result_list input.action-select").first.check()
    page.locator('select[name="action"]').select_option("request_revision_action")
    page.locator("#changelist-form button[name=index]").click()
    page.wait_for_load_state("load")
    assert page.locator(".action-page").count(), "the action did not open its intermediate page"
    # admin.css (no inline <style> any more) lays the table out
    assert page.locator(".action-page table").evaluate("t => getComputedStyle(t).width") != "auto"
    assert page.locator(".action-page td").first.evaluate("td => getComputedStyle(td).verticalAlign") == "top"
    shot(page, "csp-admin-action-page", full_page=False)
    page.goto(site.url + "/kelola/notifications/messagetemplate/add/")
    assert page.locator("#id_body").count(), "no message template form"
    page.locator("#id_body").fill("Halo {nama}, berkas Anda sudah kami terima.")
    shot(page, "csp-admin-message-template", full_page=False)
    page.context.clear_cookies()
    open_as(page, site, "petugas1")
    response = page.goto(site.url + f"/rute/pengiriman/{site.scenario['batch']}/manifest/")
    assert response and response.ok
    assert "'nonce-" in response.headers["content-security-policy"]
    # the static stylesheet applies: a white sheet of paper on a grey desk
    assert (
        page.locator(".sheet").evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
    )
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(233, 236, 239)"
    shot(page, "csp-manifest", full_page=False)
    # progress bars get their width from data-width through common.js (no style="" allowed)
    page.goto(site.url + "/rute/perekaman/")
    widths = page.locator(".quota-bar .progress-bar").evaluate_all(
        "bars => bars.map(b => [b.dataset.width, b.style.width])"
    )
    assert widths and all(style == f"{width}%" for width, style in widths), widths
    assert any(width != "0" for width, _ in widths), widths  # the seeded recording day is booked
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("role", "path", "name", "attribute", "expected"), MOBILE_KEYBOARDS)
def test_fields_open_the_right_phone_keyboard(site, page, role, path, name, attribute, expected):
    """Numeric keypad for NIK and No. KK, the telephone keypad for WhatsApp numbers."""
    open_as(page, site, role)
    page.goto(site.url + path.format(**site.scenario))
    field = page.locator(f'[name="{name}"]').first
    assert field.count(), f"{path} has no field {name}"
    found = field.get_attribute(attribute)
    kind = field.get_attribute("type")
    ok = found == expected or (expected == "tel" and kind == "tel")
    assert ok, (
        f'{path} field "{name}": {attribute}="{found}" type="{kind}", expected {attribute}="{expected}"'
    )


# --- 2. weak connections ---------------------------------------------------------------------

WEIGHT_PAGES = [("petugas1", "/permohonan/", "officer-queue"), ("pemdes1", "/rute/desa/", "pemdes-portal")]


@pytest.mark.parametrize(("role", "path", "name"), WEIGHT_PAGES)
def test_first_load_fits_the_budget_and_later_loads_come_from_cache(site, page, role, path, name):
    """First visit with an empty cache under 300 KB on the wire; the next visit fetches only the page.

    Bytes are Chromium's own count of what crossed the network (CDP encodedDataLength: headers and
    compressed bodies). The static files must have hashed names, a cache lifetime of a year or more
    and, for CSS/JS, gzip or brotli, so that the second visit takes them from the browser's cache.
    """
    page.set_viewport_size(PHONE)
    open_as(page, site, role)
    network = NetworkLog(page.context, page)
    network.clear_cache()

    first = network.start()
    network.throttle(kbps=1000, latency_ms=300)  # a rural 3G/4G edge connection
    response = page.goto(site.url + path, wait_until="load")
    assert response and response.ok
    page.wait_for_load_state("networkidle")
    network.throttle(kbps=0, latency_ms=0)
    timing = page.evaluate("performance.getEntriesByType('navigation')[0].duration")

    second = network.start()
    page.goto(site.url + path, wait_until="load")
    page.wait_for_load_state("networkidle")

    problems = []
    static = [r for r in first.requests.values() if "/static/" in r["url"]]
    assert static, "no static files loaded?"
    for r in static:
        if not re.search(r"\.[0-9a-f]{12}\.\w+$", r["url"].split("?")[0]):
            problems.append(f"not a hashed file name (cannot be cached for long): {r['url']}")
        max_age = re.search(r"max-age=(\d+)", r.get("cache_control", ""))
        if not max_age or int(max_age.group(1)) < 365 * 24 * 3600:
            problems.append(f"short cache lifetime '{r.get('cache_control')}': {r['url']}")
        if r["url"].split("?")[0].endswith((".css", ".js")) and r.get("encoding") not in ("br", "gzip"):
            problems.append(f"not compressed: {r['url']}")
    # every later visit fetches the page itself again: on a weak link its size is what the user waits for
    document = next(r for r in first.requests.values() if r.get("type") == "Document")
    if document["bytes"] > 10_000 and document.get("encoding") not in ("br", "gzip"):
        problems.append(f"the page itself is not compressed ({document['bytes']:,} B): {document['url']}")
    again = [r["url"] for r in second.from_network() if "/static/" in r["url"]]
    if again:
        problems.append(f"fetched again on the second visit instead of the cache: {again}")
    if first.network_bytes > BUDGET_BYTES:
        problems.append(f"first load {first.network_bytes:,} B is over the budget of {BUDGET_BYTES:,} B")

    report = {
        "page": path,
        "role": role,
        "first_load_bytes": first.network_bytes,
        "second_load_bytes": second.network_bytes,
        "first_load_ms_at_1mbps_300ms": round(timing),
        "first_load": first.summary(),
        "second_load": second.summary(),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"weight-{name}.json").write_text(json.dumps(report, indent=2))
    print(f"\n{name}: first {first.network_bytes:,} B, second {second.network_bytes:,} B, {timing:.0f} ms")
    print("\n".join(first.summary()))
    assert not problems, "\n".join(problems)


# (role, page, how many whole photos it may load: the application page's viewer shows one)
PHOTO_PAGES = [
    ("petugas1", "/notifikasi/wa-masuk/", 0),
    ("petugas1", "/notifikasi/wa-masuk/{conversation}/", 0),
    ("petugas1", "/permohonan/{application}/", 1),
]
THUMBNAIL_BYTES = 60_000


@pytest.mark.parametrize(("role", "path", "whole_photos"), PHOTO_PAGES)
def test_photos_in_lists_come_as_thumbnails(site, page, role, path, whole_photos):
    """A list of citizens' photos loads their thumbnails (tens of KB), not the photos (hundreds of
    KB each); the seeded photos are real-size phone photos cleaned by the upload checks."""
    open_as(page, site, role)
    page.set_viewport_size(PHONE)
    network = NetworkLog(page.context, page)
    load = network.start()
    page.goto(site.url + path.format(**site.scenario), wait_until="load")
    page.wait_for_load_state("networkidle")
    photos = [r for r in load.requests.values() if r.get("type") == "Image" and r["url"].startswith(site.url)]
    whole = [f"{r['bytes']:,} B {r['url']}" for r in photos if r["bytes"] > THUMBNAIL_BYTES]
    print(f"\n{path}: {len(photos)} images, {load.network_bytes:,} B in all")
    assert len(whole) <= whole_photos, "whole photos where thumbnails would do:\n" + "\n".join(whole)


# --- 3. accessibility --------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_pages_pass_axe_and_show_where_the_keyboard_is(site, page, surveys, role):
    """axe-core (every rule it runs by default) finds nothing serious or critical; the page says it
    is in Indonesian; the first Tab stops show a visible focus ring."""
    found = survey(surveys, site, page, role)
    problems = found["axe"] + found["focus"]
    assert not problems, f"{role}:\n" + "\n".join(problems)


ERROR_JS = """() => [...document.querySelectorAll('[aria-invalid="true"], .is-invalid')].map(el => {
  // a radio or checkbox group is described by its fieldset
  const group = el.closest('fieldset[aria-describedby]');
  const refs = (el.getAttribute('aria-describedby') || '') + ' ' + (group ? group.getAttribute('aria-describedby') : '');
  const ids = refs.split(/\\s+/).filter(Boolean);
  const described = ids.map(id => document.getElementById(id)).filter(Boolean).map(e => e.innerText).join(' ');
  return {name: el.name, invalid: el.getAttribute('aria-invalid') === 'true', described};
})"""


@pytest.mark.parametrize(
    ("role", "path"),
    [(ANONYMOUS, "/akun/masuk/"), ("petugas1", "/rute/perekaman/baru/"), ("petugas1", "/permohonan/baru/")],
)
def test_form_errors_are_tied_to_their_fields(site, page, role, path):
    """Sent empty, each invalid field says so (aria-invalid) and points at its message (aria-describedby)."""
    open_as(page, site, role)
    page.goto(site.url + path)
    form = page.locator("main form[method=post]").filter(has=page.locator("[required]")).first
    form.evaluate("f => { f.noValidate = true; }")
    form.locator("button[type=submit], input[type=submit]").last.click()
    page.wait_for_load_state("load")
    fields = page.evaluate(ERROR_JS)
    shot(page, f"errors-{slug(path)}")
    assert fields, f"{path}: no field marked invalid after an empty submit"
    problems = [
        f"{path} field {f['name']}: aria-invalid={f['invalid']}, describedby text '{f['described'][:40]}'"
        for f in fields
        if not f["invalid"] or not f["described"].strip()
    ]
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    if focused != fields[0]["name"]:
        problems.append(
            f"{path}: the focus is on '{focused}', not on the first field in error '{fields[0]['name']}'"
        )
    assert not problems, "\n".join(problems)


def test_failed_login_is_announced(site, page):
    """A wrong password names no field on purpose; the message is an alert screen readers read out."""
    page.goto(site.url + "/akun/masuk/")
    page.get_by_label("Nama pengguna").fill("petugas1")
    page.get_by_label("Kata sandi").fill("bukan-kata-sandinya")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state("load")
    alert = page.get_by_role("alert")
    assert alert.count(), page.locator("main").inner_text()
    assert "sandi" in alert.first.inner_text().lower()
    assert alert.first.evaluate("el => el === document.activeElement"), "the message is not focused"


# --- 4. printing ---------------------------------------------------------------------------------

# what must not be on paper: the site's navigation and footer, and controls (buttons, form fields)
SCREEN_ONLY_JS = """() => [...document.querySelectorAll(
    'nav.navbar, body > footer, .skip-link, .breadcrumb, button, .btn, main input:not([type=hidden]), main select')]
  .filter(el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && getComputedStyle(el).visibility !== 'hidden'; })
  .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '') + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"')"""

PRINTS = [
    ("kabid.dafduk", "/rute/jadwal/{rota}/cetak/", "print-roster"),
    ("kabid.dafduk", "/rute/perekaman/meja/?tanggal={recording_day}", "print-recording-desk"),
    ("admin", "/rute/nomor/poster/", "print-poster"),
    ("petugas1", "/rute/pengiriman/{batch}/manifest/", "print-manifest"),
]

ROWS_JS = """() => [...document.querySelectorAll('main table tbody tr')].map(tr =>
  [...tr.cells].map(td => td.innerText.trim()))"""
HEAD_JS = """() => { const th = document.querySelector('main table thead th');
  return th ? th.innerText.trim() : null; }"""


@pytest.mark.parametrize(("role", "path", "name"), PRINTS)
def test_printed_pages_on_a4(site, page, role, path, name):
    """Printed to PDF on A4 by Chromium: no navigation, the table header on every page of the table,
    no row cut by a page break. The PNG of every page is in test-artifacts/field/ to look at."""
    open_as(page, site, role)
    page.set_viewport_size(LAPTOP)
    response = page.goto(site.url + path.format(**site.scenario))
    assert response and response.ok
    page.emulate_media(media="print")
    rows = page.evaluate(ROWS_JS)
    header = page.evaluate(HEAD_JS)
    texts = pdf_pages(page.pdf(format="A4", print_background=True, prefer_css_page_size=True), name)
    problems = [f"printed, but only useful on screen: {what}" for what in page.evaluate(SCREEN_ONLY_JS)]
    if header and rows:
        keys = [re.sub(r"\s+", "", c) for row in rows for c in row if len(c) >= 6]
        table_pages = [i for i, t in enumerate(texts) if any(k in re.sub(r"\s+", "", t) for k in keys)]
        for i in table_pages:
            if re.sub(r"\s+", "", header) not in re.sub(r"\s+", "", texts[i]):
                problems.append(f"page {i + 1} of the table has no header ('{header}')")
        problems += [f"row cut by a page break: {r}" for r in rows_cut_across_pages(texts, rows)]
    print(f"\n{name}: {len(texts)} page(s), {len(rows)} table rows")
    assert not problems, f"{path}:\n" + "\n".join(problems)


# --- 5. long actions show progress -----------------------------------------------------------

BUSY_JS = """el => ({disabled: el.disabled || el.getAttribute('aria-disabled') === 'true',
  busy: el.getAttribute('aria-busy') === 'true' || !!el.querySelector('.spinner-border:not(.d-none)'),
  text: el.innerText.trim()})"""


def _prepare_rota(page):
    page.get_by_label("Satu bulan").check()
    page.get_by_label("Bulan", exact=True).fill("2027-09")


def _prepare_admin_action(page):
    page.locator("#result_list input.action-select").first.check()
    page.locator('select[name="action"]').select_option("start_verification_action")


# (role, page, the control, what to do first, the request it sends, run it for real?)
LONG_ACTIONS = {
    "batches-for-every-desa": (
        "petugas1",
        "/rute/pengiriman/",
        # by id: while it works the button says "Memulai…", so its own label no longer finds it
        "#create-all-btn",
        None,
        "POST",
        True,
    ),
    "rota-generation": ("kabid.dafduk", "/rute/jadwal/buat/", "#generate-btn", _prepare_rota, "POST", False),
    "dashboard-xlsx": (
        "kabid.dafduk",
        "/permohonan/dasbor/",
        "a:has-text('Unduh semua tabel (XLSX)')",
        None,
        "GET",
        False,
    ),
    "admin-bulk-action": (
        "admin",
        "/kelola/applications/application/",
        "#changelist-form button[name=index]",
        _prepare_admin_action,
        "POST",
        False,
    ),
}


# After the page's own handlers have run, keep the browser from leaving the page: the control is
# then seen as the user sees it while the server works, and nothing is sent (nothing changes).
STAY_JS = """() => {
  window.__leaving = null;
  const stay = (e) => { window.__leaving = e.type; e.preventDefault(); };
  document.addEventListener('submit', stay);
  document.addEventListener('click', (e) => { if (e.target.closest('a[href]')) stay(e); });
}"""


@pytest.mark.parametrize("action", list(LONG_ACTIONS))
def test_long_actions_show_they_are_working(site, page, action):
    """A click on a long action disables its control and shows it is working until the answer comes.

    The click's navigation is held back after the page's own handlers ran, and the control is looked
    at; for the batches of every desa the action is then really run, to check the job page: a
    progress bar that screen readers hear, reaching 100%.
    """
    role, path, selector, prepare, method, run_it = LONG_ACTIONS[action]
    open_as(page, site, role)
    page.set_viewport_size(LAPTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(site.url + path)
    if prepare:
        prepare(page)
    control = page.locator(selector).first
    assert control.is_visible() and control.is_enabled(), f"{path}: {selector} not there or disabled"
    page.evaluate(STAY_JS)
    if method == "GET":
        # a download link is fetched by common.js (not a navigation): hold the answer back, so the
        # control is looked at while it still works however fast the server is
        page.route("**/unduh/**", lambda route: None)
    control.click()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__leaving"), f"{path}: the click on {selector} did not submit or navigate"
    state = control.evaluate(BUSY_JS)
    shot(page, f"busy-{action}", full_page=False)
    problems = []
    if not (state["disabled"] and state["busy"]):
        problems.append(f"{path}: while '{state['text']}' works it is not disabled/busy: {state}")
    if run_it:
        page.goto(site.url + path)
        page.locator(selector).first.click()
        page.wait_for_url(re.compile(r"/rute/pengiriman/proses/\d+/"))
        bar = page.get_by_role("progressbar")
        if not bar.count():
            problems.append("no progress bar on the job page")
        elif not page.locator("[aria-live]").filter(has=bar).count():
            problems.append("the job's progress is not announced (no aria-live around the bar)")
        page.get_by_text("100%").first.wait_for(timeout=20000)
        shot(page, "job-progress-done", full_page=False)
    assert not problems, "\n".join(problems)


def test_a_busy_download_link_is_busy_until_the_file_has_arrived(site, page):
    """common.js: a link with `download` and data-busy-label says it is working until the file has
    arrived, then the browser saves the file and the link is back. Checked on the dashboard's
    "Unduh semua tabel" link (its text stays while it works; only the label after it changes)."""
    open_as(page, site, "kabid.dafduk")
    page.goto(site.url + "/permohonan/dasbor/")
    link = page.locator("a:has-text('Unduh semua tabel (XLSX)')").first
    assert link.get_attribute("download") is not None and link.get_attribute("data-busy-label")
    held = []
    page.route("**/dasbor/unduh/**", lambda route: held.append(route))  # "still working" until let go
    with page.expect_download() as saved:
        link.click()
        for _ in range(50):
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the click did not fetch the file"
        assert link.get_attribute("aria-busy") == "true" and link.get_attribute("aria-disabled") == "true"
        link.click(force=True)  # a second click while it works starts nothing
        page.wait_for_timeout(200)
        assert len(held) == 1
        held[0].continue_()
    download = saved.value
    assert download.suggested_filename.endswith(".xlsx")
    assert Path(download.path()).read_bytes()[:2] == b"PK"  # an XLSX is a zip
    page.wait_for_function("a => !a.hasAttribute('aria-busy')", arg=link.element_handle())


# --- 1b. the viewer on a phone ---------------------------------------------------------------

IMAGE_BOX_JS = """() => { const img = document.querySelector('[data-viewer-image]');
  const r = img.getBoundingClientRect();
  return {width: r.width, natural: img.naturalWidth, src: img.getAttribute('src'),
          transform: img.style.transform, scale: window.visualViewport.scale}; }"""


def test_the_viewer_pinch_zooms_rotates_and_opens_the_full_size_on_a_phone(site, browser):
    """On a touch phone (360×740, is_mobile, has_touch) the application page's viewer shows the
    photo's screen version; a two-finger pinch on it zooms the photo (not the page), the zoom and
    rotate buttons work by tap, and "Ukuran asli" swaps in the full file at the same size."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    try:
        login(page, site.url, "petugas1", db_path=site.workdir / "db.sqlite3")
        page.goto(site.url + f"/permohonan/{site.scenario['application']}/")
        stage = page.locator("[data-viewer-stage]")
        page.wait_for_function("() => document.querySelector('[data-viewer-image]').naturalWidth > 0")
        first = page.evaluate(IMAGE_BOX_JS)
        assert "ukuran=layar" in first["src"] and first["natural"] == 1280, first
        assert stage.evaluate("el => getComputedStyle(el).touchAction") == "pan-x pan-y"

        # two fingers 40 px apart, spread to 190 px apart, in the middle of the stage
        box = stage.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        cdp = context.new_cdp_session(page)

        def touch(kind, gap=None):
            points = (
                []
                if gap is None
                else [{"x": x - gap / 2, "y": y, "id": 0}, {"x": x + gap / 2, "y": y, "id": 1}]
            )
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", 40)
        for gap in range(60, 200, 15):
            touch("touchMove", gap)
        touch("touchEnd")
        pinched = page.evaluate(IMAGE_BOX_JS)
        assert pinched["width"] > first["width"] * 3, (first, pinched)
        assert pinched["scale"] == 1, "the page zoomed instead of the photo"
        shot(page, "viewer-phone-pinched", full_page=False)

        page.locator("[data-viewer-fit]").tap()
        fitted = page.evaluate(IMAGE_BOX_JS)["width"]
        page.locator("[data-viewer-zoom-in]").tap()
        assert page.evaluate(IMAGE_BOX_JS)["width"] == pytest.approx(fitted * 1.25, rel=0.02)
        page.locator("[data-viewer-rotate]").tap()
        assert "rotate(90deg)" in page.evaluate(IMAGE_BOX_JS)["transform"]

        before = page.evaluate(IMAGE_BOX_JS)
        full = page.locator("[data-viewer-full]")
        assert full.is_visible() and full.inner_text().strip() == "Ukuran asli"
        full.tap()
        page.wait_for_function("() => document.querySelector('[data-viewer-image]').naturalWidth === 2000")
        after = page.evaluate(IMAGE_BOX_JS)
        assert "ukuran" not in after["src"] and full.get_attribute("aria-pressed") == "true"
        assert after["width"] == pytest.approx(before["width"], abs=2)  # the same size on screen, sharper
        shot(page, "viewer-phone-full-size", full_page=False)
    finally:
        context.close()
