"""Officers' WhatsApp numbers: managing them, access, and the printable poster."""

import re

import pytest
from django.urls import reverse

from routing.models import OfficerNumber
from routing.services import RoutingError, officer_number_create
from tests import factories as f

LIST = reverse("routing:number_list")
CREATE = reverse("routing:number_create")
POSTER = reverse("routing:number_poster")


@pytest.fixture
def number(officer, doc_type):
    n = f.OfficerNumberFactory(officer=officer, phone="+6281234560001", bidang="dafduk", label="Loket KK")
    n.services.set([doc_type])
    return n


@pytest.fixture
def capil_number(officer_capil):
    return f.OfficerNumberFactory(officer=officer_capil, phone="+6281234560002", bidang="capil")


# --- access ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["number_list", "number_create", "number_poster"])
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(f"routing:{url_name}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["officer", "pemdes_a"])
@pytest.mark.parametrize("url_name", ["number_list", "number_create", "number_poster"])
def test_wrong_role_is_refused(client, request, role, url_name):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(f"routing:{url_name}")).status_code == 403


def test_kabid_cannot_open_or_toggle_other_bidang_number(client, kabid, capil_number):
    client.force_login(kabid)
    assert client.get(reverse("routing:number_edit", args=[capil_number.pk])).status_code == 404
    assert client.post(reverse("routing:number_toggle", args=[capil_number.pk])).status_code == 404
    capil_number.refresh_from_db()
    assert capil_number.is_active


def test_kabid_sees_only_own_bidang_numbers(client, kabid, number, capil_number):
    client.force_login(kabid)
    response = client.get(LIST)
    assert response.status_code == 200
    assert b"0812-3456-0001" in response.content
    assert b"0812-3456-0002" not in response.content


def test_number_list_query_count_is_constant(client, admin_user, officer, django_assert_num_queries):
    for i in range(3):
        f.OfficerNumberFactory(officer=officer, phone=f"+62812345601{i:02d}")
    client.force_login(admin_user)
    # session, user, the session's 2FA device (admin), count for the paginator, numbers with officer,
    # services (prefetch); then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(9):
        assert client.get(LIST).status_code == 200
    for i in range(3, 20):
        f.OfficerNumberFactory(officer=f.OfficerFactory(username=f"o{i}"), phone=f"+62812345601{i:02d}")
    with django_assert_num_queries(9):
        assert client.get(LIST).status_code == 200


# --- create / edit / toggle --------------------------------------------------------------------


def _form(officer, **extra):
    data = {
        "phone": "0813-1111-2222",
        "bidang": "dafduk",
        "officer": officer.pk,
        "label": "",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_kabid_adds_a_number_normalised_to_e164(client, kabid, officer, doc_type):
    client.force_login(kabid)
    response = client.post(CREATE, _form(officer, services=[doc_type.pk]))
    assert response.status_code == 302
    number = OfficerNumber.objects.get()
    assert number.phone == "+6281311112222"
    assert number.officer == officer
    assert list(number.services.all()) == [doc_type]


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("0374-43210", "bukan nomor seluler"),
        ("12", "tidak"),
        ("+1 202 555 0100", "Hanya nomor Indonesia"),
    ],
)
def test_bad_number_is_refused_with_a_message(client, kabid, officer, phone, message):
    client.force_login(kabid)
    response = client.post(CREATE, _form(officer, phone=phone))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OfficerNumber.objects.exists()


def test_duplicate_number_is_refused(client, kabid, officer, number):
    client.force_login(kabid)
    response = client.post(CREATE, _form(officer, phone="0812 3456 0001"))
    assert "sudah terdaftar" in response.content.decode()
    assert OfficerNumber.objects.count() == 1


def test_officer_of_other_bidang_and_foreign_services_are_refused(
    client, kabid, officer, officer_capil, doc_type_capil
):
    client.force_login(kabid)
    response = client.post(CREATE, _form(officer_capil))
    assert response.status_code == 200  # capil officer is not even a choice for a dafduk kabid
    assert not OfficerNumber.objects.exists()
    response = client.post(CREATE, _form(officer, services=[doc_type_capil.pk]))
    assert response.status_code == 200
    assert not OfficerNumber.objects.exists()


def test_service_refuses_wrong_bidang_even_without_the_form(admin_user, officer, doc_type_capil):
    with pytest.raises(RoutingError):
        officer_number_create(actor=admin_user, officer=officer, phone="+6281311112222", bidang="capil")
    with pytest.raises(RoutingError):
        officer_number_create(
            actor=admin_user,
            officer=officer,
            phone="+6281311112222",
            bidang="dafduk",
            services=[doc_type_capil],
        )


def test_petugas_cannot_create_through_the_service(officer):
    with pytest.raises(RoutingError):
        officer_number_create(actor=officer, officer=officer, phone="+6281311112222", bidang="dafduk")


def test_edit_and_toggle(client, kabid, number, officer):
    client.force_login(kabid)
    url = reverse("routing:number_edit", args=[number.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(officer, phone="0812-3456-0009", label="Loket KTP"))
    assert response.status_code == 302
    number.refresh_from_db()
    assert (number.phone, number.label) == ("+6281234560009", "Loket KTP")
    assert number.services.count() == 0
    client.post(reverse("routing:number_toggle", args=[number.pk]))
    number.refresh_from_db()
    assert not number.is_active


def test_toggle_needs_post(client, kabid, number):
    client.force_login(kabid)
    assert client.get(reverse("routing:number_toggle", args=[number.pk])).status_code == 405


# --- poster ------------------------------------------------------------------------------------


def test_poster_lists_active_numbers_per_service_with_wa_me_qr(
    client, admin_user, number, capil_number, officer
):
    inactive = f.OfficerNumberFactory(officer=officer, phone="+6281234560003", is_active=False)
    client.force_login(admin_user)
    html = client.get(POSTER).content.decode()
    assert "0812-3456-0001" in html and "0812-3456-0002" in html
    assert "0812-3456-0003" not in html, inactive
    assert "Pendaftaran Penduduk" in html and "Pencatatan Sipil" in html
    assert "KK hilang/rusak" in html  # the service of the dafduk number
    assert "Loket KK" in html
    assert html.count("<svg") == 2  # one QR per active number


def test_poster_qr_encodes_the_wa_me_link():
    from routing.selectors import qr_svg, wa_link

    assert wa_link("+6281234560001") == "https://wa.me/6281234560001"
    svg = qr_svg(wa_link("+6281234560001"))
    assert svg.startswith("<svg") and 'viewBox="' in svg
    assert not re.search(r'<svg[^>]* width="', svg)  # scales with CSS, prints at a fixed size


def test_poster_query_count_is_constant(client, admin_user, officer, django_assert_num_queries):
    f.OfficerNumberFactory(officer=officer, phone="+6281234560101")
    client.force_login(admin_user)
    # session, user, the session's 2FA device (admin), numbers with officer, services (prefetch),
    # accepting document types; then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(9):
        client.get(POSTER)
    for i in range(10):
        f.OfficerNumberFactory(officer=f.OfficerFactory(username=f"p{i}"), phone=f"+62812345602{i:02d}")
    with django_assert_num_queries(9):
        client.get(POSTER)


def test_poster_empty_state(client, kabid):
    client.force_login(kabid)
    assert "Belum ada nomor aktif" in client.get(POSTER).content.decode()
