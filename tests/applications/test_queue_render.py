"""The queue's filter form, rendered in Python (queue_tags): same fields, labels, selection and errors."""

import re

import pytest
from django.urls import reverse

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
