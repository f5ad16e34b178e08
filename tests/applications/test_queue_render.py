"""The queue page's parts rendered in Python (queue_tags): the filter form (same fields, labels, selection
and errors), the rows and the status tabs (the markup and texts the template loops gave)."""

import importlib
import re
from datetime import timedelta

import pytest
from django.template import defaultfilters
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from tests import factories as f

URL = reverse("applications:queue")


def _group(html: str, name: str) -> str:
    match = re.search(rf'<div id="div_id_{name}" class="mb-3[^"]*">.*?</div></div>', html, re.S)
    assert match, name
    return match.group(0)


@pytest.mark.django_db
def test_filter_selects_keep_the_chosen_value_and_group_desa_by_kecamatan(
    client, officer, desa_a, desa_b, doc_type
):
    client.force_login(officer)
    html = client.get(URL, {"desa": desa_b.pk, "urgency": "bpjs", "q": "<siti>"}).content.decode()
    desa = _group(html, "desa")
    assert '<label for="id_desa" class="form-label">Desa</label>' in desa
    assert re.search(r'<optgroup label="Monta">.*</optgroup>', desa, re.S)
    assert f'<option value="{desa_b.pk}" selected>{desa_b.name}</option>' in desa
    assert f'<option value="{desa_a.pk}">{desa_a.name}</option>' in desa
    assert desa.count(" selected") == 1
    assert '<option value="bpjs" selected>BPJS</option>' in _group(html, "urgency")
    assert 'value="&lt;siti&gt;"' in _group(html, "q")  # escaped, never raw
    assert '<option value="" selected>Semua jenis</option>' in _group(html, "document_type")


@pytest.mark.django_db
def test_invalid_filter_values_say_why_in_indonesian_and_are_linked_to_the_field(client, officer, desa_a):
    client.force_login(officer)
    response = client.get(
        URL, {"desa": "abc", "date_from": "2026-05-02", "date_to": "2026-05-01", "overdue": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    desa = _group(html, "desa")
    assert (
        'class="select form-select is-invalid" aria-invalid="true" aria-describedby="id_desa_error"' in desa
    )
    assert (
        '<div id="id_desa_error" class="invalid-feedback">' in desa
        and "bukan salah satu dari pilihan" in desa
    )
    assert " selected" not in desa
    date_to = _group(html, "date_to")
    assert (
        'aria-describedby="id_date_to_error"' in date_to and "Tanggal akhir sebelum tanggal awal." in date_to
    )
    overdue = html[html.index('<div id="div_id_overdue"') :]
    assert 'type="checkbox" name="overdue" class="form-check-input" id="id_overdue" checked' in overdue
    assert '<label for="id_overdue" class="form-check-label">' in overdue


def _row(html: str, number: str) -> str:
    match = re.search(rf'<tr class="[^"]*"><td class="text-nowrap"><a [^>]*>{number}</a>.*?</tr>', html, re.S)
    assert match, number
    return match.group(0)


@pytest.mark.django_db
def test_row_shows_the_application_with_the_texts_of_djangos_filters_and_escapes_every_value(
    client, kabid, officer, doc_type, desa_a
):
    now = timezone.now()
    late = f.ApplicationFactory(
        number="A-LATE",
        applicant_name="Siti <b>Aminah</b>",
        document_type=doc_type,
        desa=desa_a,
        assigned_to=officer,
        status=Application.Status.VERIFYING,
        urgency="bpjs",
        created_at=now - timedelta(days=40, hours=3),
        due_at=now - timedelta(days=2),
    )
    client.force_login(kabid)  # the whole bidang: the officer column is shown
    html = client.get(URL, {"status": "all"}).content.decode()
    row = _row(html, "A-LATE")

    created = timezone.localtime(late.created_at)
    assert row.startswith(
        '<tr class="row-urgent row-overdue"><td class="text-nowrap">'
        f'<a class="fw-semibold" href="{reverse("applications:detail", args=[late.pk])}">'
    )
    assert f'<div class="small text-body-secondary text-wrap cell-type">{doc_type.name}</div>' in row
    assert "<div>Siti &lt;b&gt;Aminah&lt;/b&gt;</div>" in row and "<b>" not in row
    assert f'<div class="small text-body-secondary">{desa_a.name}, {desa_a.kecamatan.name}</div>' in row
    assert '<span class="badge text-bg-danger text-wrap" title="BPJS">Mendesak: BPJS</span>' in row
    assert (
        '<td data-label="Status"><span class="badge status-badge status-verifying">Diverifikasi</span></td>'
        in row
    )
    received = (
        '<td class="text-nowrap" data-label="Diterima">'
        f'<span title="{defaultfilters.date(created, "j M Y H:i")}">'
        f"{defaultfilters.date(created, 'j M Y')}</span>"
        '<div class="small text-body-secondary">'
        f"{defaultfilters.timesince_filter(late.created_at, now)}</div></td>"
    )
    assert received in row
    assert "1\xa0bulan, 1\xa0minggu" in row  # timesince, with its no-break spaces
    due = timezone.localtime(late.due_at)
    assert (
        '<td class="text-nowrap" data-label="Batas waktu">'
        '<span class="badge text-bg-warning">Lewat batas</span>\n'
        f'<div class="small">{defaultfilters.date(due, "j M Y")}</div></td>'
    ) in row
    assert row.endswith(f'<td data-label="Petugas">{officer.get_full_name()}</td></tr>')


@pytest.mark.django_db
def test_urgency_badge_names_the_free_text_reason_escaped(client, officer, doc_type, desa_a):
    f.ApplicationFactory(
        number="A-OTHER",
        document_type=doc_type,
        desa=desa_a,
        assigned_to=officer,
        urgency="other",
        urgency_reason='Sidang "cerai" <besok>',
    )
    client.force_login(officer)
    row = _row(client.get(URL).content.decode(), "A-OTHER")
    assert (
        '<span class="badge text-bg-danger text-wrap" title="Sidang &quot;cerai&quot; &lt;besok&gt;">'
        "Mendesak: Lainnya (dengan alasan)</span>"
    ) in row


@pytest.mark.django_db
def test_rows_of_open_and_closed_applications_show_the_due_date_or_a_dash(client, officer, doc_type, desa_a):
    now = timezone.now()
    soon = f.ApplicationFactory(
        number="A-SOON",
        document_type=doc_type,
        desa=desa_a,
        assigned_to=officer,
        due_at=now + timedelta(days=3),
    )
    f.ApplicationFactory(
        number="A-DONE", document_type=doc_type, desa=desa_a, assigned_to=officer, status="handed_over"
    )
    client.force_login(officer)  # own applications: no officer column
    html = client.get(URL, {"status": "all"}).content.decode()
    row = _row(html, "A-SOON")
    assert row.startswith('<tr class="">')
    due = timezone.localtime(soon.due_at)
    assert (
        f'data-label="Batas waktu">{defaultfilters.date(due, "j M Y")}<div class="small text-body-secondary">'
        in row
    )
    assert "dari sekarang</div></td></tr>" in row  # naturaltime
    assert _row(html, "A-DONE").endswith(
        '<td class="text-nowrap" data-label="Batas waktu">'
        '<span class="text-body-secondary">—</span></td></tr>'
    )
    assert 'data-label="Petugas"' not in html and '<th scope="col">Petugas</th>' not in html


@pytest.mark.django_db
def test_nik_search_rows_name_the_officer_and_show_unassigned_as_a_dash(client, officer, doc_type, desa_a):
    found = f.ApplicationFactory(number="A-NIK", document_type=doc_type, desa=desa_a, assigned_to=None)
    client.force_login(officer)
    html = client.post(reverse("applications:queue_nik"), {"nik": found.nik}).content.decode()
    assert '<th scope="col">Petugas</th>' in html
    assert _row(html, "A-NIK").endswith('<td data-label="Petugas">—</td></tr>')


@pytest.mark.django_db
def test_status_tabs_keep_the_filters_drop_the_page_cursor_and_mark_the_current_one(
    client, officer, doc_type, desa_a
):
    f.ApplicationFactory(
        applicant_name="Budi & Sari", document_type=doc_type, desa=desa_a, assigned_to=officer
    )
    client.force_login(officer)
    html = client.get(URL, {"status": "received", "q": "i & s", "setelah": "0.1.2"}).content.decode()
    assert (
        '<li class="nav-item">'
        '<a class="nav-link active" href="?status=received&amp;q=i+%26+s" aria-current="page">'
        'Diterima <span class="badge rounded-pill text-bg-light">1</span></a></li>'
    ) in html
    assert (
        '<li class="nav-item"><a class="nav-link is-empty" href="?status=rejected&amp;q=i+%26+s">'
        'Ditolak <span class="badge rounded-pill text-bg-secondary">0</span></a></li>'
    ) in html


@pytest.mark.django_db
def test_capped_tab_counts_say_more_than_the_cap(client, officer, doc_type, desa_a, monkeypatch):
    monkeypatch.setattr("applications.selectors.COUNT_CAP", 1)
    monkeypatch.setattr(importlib.import_module("applications.views.queue"), "COUNT_CAP", 1)
    for _ in range(3):
        f.ApplicationFactory(document_type=doc_type, desa=desa_a, assigned_to=officer)
    client.force_login(officer)
    html = client.get(URL, {"document_type": doc_type.pk}).content.decode()
    assert (
        '<span class="badge rounded-pill text-bg-light" '
        'title="Lebih dari 1 permohonan. Dengan saringan, hitungan '
        'berhenti di 1 agar halaman tetap cepat.">1+</span>'
    ) in html


@pytest.mark.django_db
def test_required_field_is_marked_like_crispy_marks_it(client, officer):
    client.force_login(officer)
    nik = _group(client.get(URL).content.decode(), "nik")
    assert (
        '<label for="id_nik" class="form-label requiredField">'
        'Cari NIK<span class="asteriskField">*</span></label>' in nik
    )
    assert 'maxlength="24" class="form-control" required id="id_nik">' in nik


@pytest.mark.django_db
def test_rows_are_named_even_for_a_desa_added_after_the_page_read_its_reference(officer, doc_type, desa_a):
    from applications.selectors import QueueFilters, queue_base, queue_page, queue_reference

    reference = queue_reference()
    newer = f.DesaFactory(name="Desa Baru", kecamatan=f.KecamatanFactory(code="52.06.09", name="Kec Baru"))
    f.ApplicationFactory(number="A-NEW-DESA", document_type=doc_type, desa=newer, assigned_to=officer)
    (row,) = queue_page(queue_base(user=officer, filters=QueueFilters()), reference=reference).rows
    assert (row.number, row.desa_name, row.kecamatan_name, row.document_type_name) == (
        "A-NEW-DESA",
        "Desa Baru",
        "Kec Baru",
        doc_type.name,
    )
