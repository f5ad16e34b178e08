"""The admin keeps the product's access rules: bidang for officers, nothing for Pemdes, 404 outside."""

import pytest
from django.urls import reverse

from applications.models import Application, ApplicationEvent, Attachment, DocumentType, RequirementCheck
from dukcapil.accounts.models import User
from routing.models import Leave
from tests import factories as f
from tests.admin import add_url, change_url, changelist_url, make_staff


@pytest.fixture
def apps(doc_type, doc_type_capil, desa_a):
    return {
        "dafduk": f.ApplicationFactory(document_type=doc_type, desa=desa_a, applicant_name="Warga Dafduk"),
        "capil": f.ApplicationFactory(
            document_type=doc_type_capil, desa=desa_a, applicant_name="Warga Capil"
        ),
    }


def test_anonymous_is_sent_to_the_product_login(client):
    response = client.get("/kelola/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/kelola/")


def test_admin_login_page_sends_to_the_product_login(client):
    response = client.get(reverse("admin:login") + "?next=/kelola/permohonan/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "url", ["/kelola/", "/kelola/applications/application/", "/kelola/routing/deliverybatch/"]
)
def test_pemdes_cannot_enter_the_admin_even_when_flagged_staff(client, pemdes_a, url):
    # a Pemdes account flagged is_staff by mistake (shell, old data) still gets nothing
    User.objects.filter(pk=pemdes_a.pk).update(is_staff=True)
    client.force_login(pemdes_a)
    response = client.get(url, follow=True)
    assert response.status_code == 403


def test_office_account_without_is_staff_cannot_enter(client, officer):
    client.force_login(officer)
    assert client.get("/kelola/", follow=True).status_code == 403


def test_petugas_sees_only_their_bidang_in_the_changelist(client, officer, apps):
    client.force_login(make_staff(officer))
    response = client.get(changelist_url(Application))
    assert response.status_code == 200
    body = response.content.decode()
    assert apps["dafduk"].number in body
    assert apps["capil"].number not in body
    assert list(response.context["cl"].result_list) == [apps["dafduk"]]


def test_kepala_bidang_capil_sees_only_capil(client, kabid_capil, apps):
    client.force_login(make_staff(kabid_capil))
    response = client.get(changelist_url(Application))
    assert list(response.context["cl"].result_list) == [apps["capil"]]


def test_kepala_dinas_sees_the_whole_office_read_only(client, apps):
    head = make_staff(f.UserFactory(username="kadis", role=User.Role.KEPALA_DINAS, bidang=""))
    client.force_login(head)
    response = client.get(changelist_url(Application))
    assert set(response.context["cl"].result_list) == set(apps.values())
    # view permission only: no workflow action on offer, no status form on the page
    assert response.context["action_form"] is None or not [
        c for c in response.context["action_form"].fields["action"].choices if c[0]
    ]
    page = client.get(change_url(apps["dafduk"]))
    assert page.status_code == 200
    assert 'name="transition"' not in page.content.decode()
    assert client.post(change_url(apps["dafduk"]), {"transition": "start_verification"}).status_code == 403


@pytest.mark.parametrize("suffix", ["change", "history"])
def test_other_bidang_application_answers_404_by_its_admin_url(client, officer, apps, suffix):
    client.force_login(make_staff(officer))
    url = reverse(f"admin:applications_application_{suffix}", args=[apps["capil"].pk])
    assert client.get(url).status_code == 404
    # and exactly like an application that does not exist
    missing = reverse(f"admin:applications_application_{suffix}", args=[999_999])
    assert client.get(missing).status_code == 404
    own = reverse(f"admin:applications_application_{suffix}", args=[apps["dafduk"].pk])
    assert client.get(own).status_code == 200


def test_history_rows_of_other_bidang_answer_404(client, officer, apps, doc_type_capil):
    capil = apps["capil"]
    rows = [
        f.ApplicationEventFactory(application=capil),
        f.RequirementCheckFactory(application=capil, requirement=doc_type_capil.requirements.first()),
        f.AttachmentFactory(application=capil),
    ]
    client.force_login(make_staff(officer))
    for row in rows:
        assert client.get(change_url(row)).status_code == 404, type(row)
    for model in (ApplicationEvent, RequirementCheck, Attachment):
        response = client.get(changelist_url(model))
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []


def test_forged_action_on_other_bidang_ids_changes_nothing(client, officer, apps):
    client.force_login(make_staff(officer))
    capil = apps["capil"]
    client.post(
        changelist_url(Application),
        {"action": "start_verification_action", "_selected_action": [str(capil.pk)]},
    )
    capil.refresh_from_db()
    assert capil.status == Application.Status.RECEIVED
    assert not ApplicationEvent.objects.filter(application=capil).exists()


def test_admin_role_manages_master_data(client, admin_user, dafduk):
    client.force_login(admin_user)
    response = client.post(
        add_url(DocumentType),
        {
            "name": "Surat keterangan pindah",
            "code": "skpwni",
            "category": str(dafduk.pk),
            "order": "3",
            "description": "",
            "legal_basis": "Permendagri 108/2019",
            "service_level_days": "1",
            "reporting_deadline_days": "",
            "is_accepting": "on",
            "suspended_reason": "",
            "requirements-TOTAL_FORMS": "2",
            "requirements-INITIAL_FORMS": "0",
            "requirements-MIN_NUM_FORMS": "0",
            "requirements-MAX_NUM_FORMS": "1000",
            "requirements-0-order": "1",
            "requirements-0-name": "KK",
            "requirements-0-instruction": "Foto KK asli",
            "requirements-0-is_mandatory": "on",
            "requirements-0-alternative_group": "",
            "requirements-1-order": "2",
            "requirements-1-name": "KTP-el",
            "requirements-1-instruction": "",
            "requirements-1-is_mandatory": "on",
            "requirements-1-alternative_group": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = DocumentType.objects.get(code="skpwni")
    assert list(created.requirements.order_by("order").values_list("name", flat=True)) == ["KK", "KTP-el"]


def test_petugas_cannot_change_master_data(client, officer, doc_type):
    client.force_login(make_staff(officer))
    assert client.get(add_url(DocumentType)).status_code == 403
    page = client.get(change_url(doc_type))
    assert page.status_code == 200  # view permission: read-only
    assert client.post(change_url(doc_type), {"name": "Diubah"}).status_code == 403
    doc_type.refresh_from_db()
    assert doc_type.name == "KK hilang/rusak"


def test_kepala_bidang_sees_only_their_staff_and_petugas_sees_no_users(client, kabid, officer, officer_capil):
    client.force_login(make_staff(kabid))
    response = client.get(changelist_url(User))
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {kabid, officer}
    assert client.get(change_url(officer_capil)).status_code == 404
    assert client.post(change_url(officer), {"username": "x"}).status_code == 403

    client.force_login(make_staff(officer))
    assert client.get(changelist_url(User)).status_code == 403


def test_officer_picker_offers_only_own_bidang_officers(client, kabid, officer, officer_capil):
    client.force_login(make_staff(kabid))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "routing", "model_name": "leave", "field_name": "officer", "term": "Petugas"},
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {officer.pk}


def test_kepala_bidang_adds_leave_only_for_own_staff(client, kabid, officer, officer_capil):
    client.force_login(make_staff(kabid))
    data = {"start": "2026-12-01", "end": "2026-12-03", "reason": "Cuti tahunan"}
    refused = client.post(add_url(Leave), {**data, "officer": str(officer_capil.pk)})
    assert refused.status_code == 200
    assert "officer" in refused.context["adminform"].form.errors
    assert client.post(add_url(Leave), {**data, "officer": str(officer.pk)}).status_code == 302
    assert list(Leave.objects.values_list("officer_id", flat=True)) == [officer.pk]
