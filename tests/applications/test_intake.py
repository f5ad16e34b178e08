"""Intake: an officer registers a WhatsApp submission with its files per requirement."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from applications.models import Application, ApplicationEvent, Attachment, RequirementCheck
from notifications.models import OutboxMessage
from tests import factories as f

from .workspace import intake_data, jpeg_upload, stored_files

URL = reverse("applications:intake")


@pytest.fixture
def reqs(doc_type):
    return list(doc_type.requirements.order_by("order", "id"))


@pytest.mark.django_db
def test_form_offers_only_the_officers_bidang_and_groups_desa_by_kecamatan(
    client, officer, doc_type, doc_type_capil, desa_a
):
    f.DesaFactory(name="Lewintana", kecamatan=f.KecamatanFactory(code="52.06.02", name="Soromandi"))
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert doc_type.name in html
    assert doc_type_capil.name not in html
    assert '<optgroup label="Monta">' in html and '<optgroup label="Soromandi">' in html
    # every requirement of the type is listed with its instruction and its own multi-file input
    for req in doc_type.requirements.all():
        assert f'name="files_{req.pk}" multiple' in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.django_db
def test_every_html_id_on_the_form_is_unique(client, officer, doc_type, dafduk, desa_a):
    """Each document type's fieldset has its own "lainnya" file box under the same field name
    (files_other); its label, hint and error ids must still point at one element each."""
    second = f.DocumentTypeFactory(code="kk-baru", name="KK baru", category=dafduk)
    f.RequirementFactory(document_type=second, name="Surat pengantar RT/RW")
    client.force_login(officer)
    html = client.get(URL).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert html.count('name="files_other"') == 2
    assert [name for name, n in ids.items() if n > 1] == []
    assert (
        f'id="id_files_other_{second.pk}"' in html
        and f'aria-describedby="help_files_other_{second.pk}"' in html
    )


@pytest.mark.django_db
def test_intake_stores_application_files_checks_event_and_message(
    client, officer, doc_type, reqs, desa_a, private_media
):
    number = f.OfficerNumberFactory(officer=officer)
    client.force_login(officer)
    data = intake_data(doc_type, desa_a, received_on=str(number.pk))
    data[f"files_{reqs[0].pk}"] = [jpeg_upload("surat_polisi_1.jpg"), jpeg_upload("surat_polisi_2.jpg")]
    data[f"files_{reqs[2].pk}"] = [jpeg_upload("ktp.jpg")]
    response = client.post(URL, data)

    app = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[app.pk])
    assert data["nik"] not in response["Location"]
    assert (app.applicant_name, app.nik, app.whatsapp) == ("Siti Aminah", data["nik"], "+6281234567890")
    assert app.assigned_to == officer and app.received_on == number and app.created_by == officer
    assert app.bidang == "dafduk" and app.status == Application.Status.RECEIVED
    attachments = list(app.attachments.order_by("id"))
    assert [(a.requirement_id, a.display_name, a.source) for a in attachments] == [
        (reqs[0].pk, "surat_polisi_1.jpg", "intake"),
        (reqs[0].pk, "surat_polisi_2.jpg", "intake"),
        (reqs[2].pk, "ktp.jpg", "intake"),
    ]
    # server-made names, file and thumbnail for each image, nothing else on disk
    assert len(stored_files(private_media)) == 6
    for a in attachments:
        assert a.file.name.startswith(f"attachments/{app.pk}/") and "ktp" not in a.file.name
        assert a.thumbnail.name and a.kind == "image" and a.content_type == "image/jpeg"
    assert RequirementCheck.objects.filter(application=app, verdict="pending").count() == 3
    event = ApplicationEvent.objects.get(application=app)
    assert event.action == "create" and "3 berkas" in event.note
    assert OutboxMessage.objects.filter(application=app, event="received").count() == 1


@pytest.mark.django_db
def test_invalid_nik_saves_nothing_and_says_files_must_be_chosen_again(
    client, officer, doc_type, reqs, desa_a, private_media
):
    client.force_login(officer)
    data = intake_data(doc_type, desa_a, nik="5206010101900000")
    data[f"files_{reqs[0].pk}"] = [jpeg_upload()]
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "tidak boleh 0000" in response.content.decode()
    assert "pilih ulang berkasnya" in response.content.decode()
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.django_db
def test_suspended_type_is_refused_with_its_reason(client, officer, dafduk, desa_a):
    suspended = f.DocumentTypeFactory(
        code="ktp-pemula",
        name="KTP-el pemula",
        category=dafduk,
        is_accepting=False,
        suspended_reason="Perekaman pemula ditunda selama pandemi",
    )
    client.force_login(officer)
    form_html = client.get(URL).content.decode()
    assert "KTP-el pemula — ditangguhkan" in form_html
    response = client.post(URL, intake_data(suspended, desa_a))
    assert response.status_code == 400
    assert "Perekaman pemula ditunda selama pandemi" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_open_application_with_same_nik_and_type_needs_a_confirmation(client, officer, doc_type, desa_a):
    client.force_login(officer)
    data = intake_data(doc_type, desa_a)
    existing = f.ApplicationFactory(document_type=doc_type, nik=data["nik"], status="verifying")

    response = client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert existing.number in html and "Sudah ada permohonan terbuka" in html
    assert Application.objects.count() == 1

    response = client.post(URL, {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Application.objects.count() == 2


@pytest.mark.django_db
def test_closed_application_with_same_nik_does_not_warn(client, officer, doc_type, desa_a):
    client.force_login(officer)
    data = intake_data(doc_type, desa_a)
    f.ApplicationFactory(document_type=doc_type, nik=data["nik"], status="handed_over")
    assert client.post(URL, data).status_code == 302


@pytest.mark.django_db
def test_live_duplicate_check_is_post_only_and_names_the_open_application(client, officer, doc_type, desa_a):
    client.force_login(officer)
    nik = f.make_nik(serial=5)
    existing = f.ApplicationFactory(document_type=doc_type, nik=nik)
    url = reverse("applications:intake_duplicates")
    assert client.get(url, {"nik": nik, "document_type": doc_type.pk}).status_code == 405
    response = client.post(url, {"nik": nik, "document_type": doc_type.pk})
    assert response.status_code == 200 and existing.number in response.content.decode()
    other = client.post(url, {"nik": f.make_nik(serial=6), "document_type": doc_type.pk})
    assert existing.number not in other.content.decode()


@pytest.mark.django_db
def test_other_urgency_needs_a_reason(client, officer, doc_type, desa_a):
    client.force_login(officer)
    response = client.post(URL, intake_data(doc_type, desa_a, urgency="other"))
    assert response.status_code == 400
    assert "Tuliskan alasan mendesaknya" in response.content.decode()
    ok = client.post(URL, intake_data(doc_type, desa_a, urgency="other", urgency_reason="Syarat beasiswa"))
    assert ok.status_code == 302
    app = Application.objects.get()
    assert app.is_urgent and app.urgency_reason == "Syarat beasiswa"


@pytest.mark.django_db
def test_number_must_be_the_officers_own(client, officer, doc_type, desa_a):
    f.OfficerNumberFactory(officer=officer)
    someone_elses = f.OfficerNumberFactory(officer=f.OfficerFactory(username="lain"))
    client.force_login(officer)
    response = client.post(URL, intake_data(doc_type, desa_a, received_on=str(someone_elses.pk)))
    assert response.status_code == 400
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_files_of_another_types_requirement_are_not_stored(
    client, officer, doc_type, dafduk, desa_a, private_media
):
    other_type = f.DocumentTypeFactory(code="kia", name="KIA", category=dafduk)
    other_req = f.RequirementFactory(document_type=other_type, name="Akta kelahiran anak")
    client.force_login(officer)
    data = intake_data(doc_type, desa_a)
    data[f"files_{other_req.pk}"] = [jpeg_upload()]
    assert client.post(URL, data).status_code == 302
    assert not Attachment.objects.exists() and stored_files(private_media) == []


@pytest.mark.django_db
def test_files_without_a_requirement_go_to_lainnya(client, officer, doc_type, desa_a):
    client.force_login(officer)
    data = intake_data(doc_type, desa_a, files_other=[jpeg_upload("tambahan.jpg")])
    assert client.post(URL, data).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.requirement is None and attachment.display_name == "tambahan.jpg"
