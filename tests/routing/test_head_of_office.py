"""The kepala dinas reads the routing pages of the whole office and changes nothing there.

Where officers have a list or a detail page (delivery batches, urgent recording, workload), the
kepala dinas opens it with every bidang's rows; the action buttons are not on the page, and the
actions answer 403 and change nothing.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from routing.models import DeliveryBatch, RecordingBooking, Rota
from tests import factories as f
from tests.routing.delivery_helpers import batch_with, ready_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def kadis(db):
    return f.UserFactory(username="kadis.uji", role="kepala_dinas", bidang="")


@pytest.fixture
def booking(officer, desa_a):
    day = timezone.localdate() + timedelta(days=1)
    return f.RecordingBookingFactory(date=day, created_by=officer, desa=desa_a)


def test_head_of_office_finds_the_routing_pages_in_the_menu(client, kadis):
    client.force_login(kadis)
    body = client.get(reverse("home")).content.decode()
    for name in ("routing:batch_list", "routing:recording_list", "routing:workload", "routing:rota_list"):
        assert f'href="{reverse(name)}"' in body, name


def test_head_of_office_reads_delivery_without_action_buttons(client, kadis, officer, desa_a, doc_type):
    ready_app(desa=desa_a, document_type=doc_type)
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    client.force_login(kadis)

    listing = client.get(reverse("routing:batch_list"))
    ready = client.get(reverse("routing:batch_ready"))
    detail = client.get(reverse("routing:batch_detail", args=[batch.pk]))

    assert listing.status_code == ready.status_code == detail.status_code == 200
    assert batch.number in listing.content.decode()
    assert reverse("routing:batch_create_all") not in listing.content.decode()
    assert reverse("routing:batch_add_item") not in ready.content.decode()
    for name in ("routing:batch_dispatch", "routing:batch_remove_item"):
        args = [batch.pk] if name == "routing:batch_dispatch" else [batch.pk, batch.items.first().pk]
        assert reverse(name, args=args) not in detail.content.decode()
        assert client.post(reverse(name, args=args)).status_code == 403
    batch.refresh_from_db()
    assert batch.status == DeliveryBatch.Status.OPEN and batch.items.count() == 2


def test_head_of_office_reads_every_bidangs_workload_but_cannot_reassign(
    client, kadis, officer, officer_capil
):
    client.force_login(kadis)
    response = client.get(reverse("routing:workload"))
    assert response.status_code == 200
    assert {o.pk for o in response.context["page"]} >= {officer.pk, officer_capil.pk}
    assert reverse("routing:reassign") not in response.content.decode()
    assert client.get(reverse("routing:reassign")).status_code == 403
    assert client.post(reverse("routing:reassign")).status_code == 403


def test_head_of_office_reads_recording_lists_and_bookings_without_actions(client, kadis, booking):
    client.force_login(kadis)

    listing = client.get(reverse("routing:recording_list"))
    desk = client.get(reverse("routing:recording_desk"), {"tanggal": booking.date.isoformat()})
    detail = client.get(reverse("routing:recording_detail", args=[booking.pk]))

    assert listing.status_code == desk.status_code == detail.status_code == 200
    assert booking.name in desk.content.decode() and booking.name in detail.content.decode()
    assert reverse("routing:recording_create") not in listing.content.decode()
    assert reverse("routing:recording_attend", args=[booking.pk]) not in desk.content.decode()
    assert reverse("routing:recording_cancel", args=[booking.pk]) not in detail.content.decode()
    assert client.get(reverse("routing:recording_create")).status_code == 403
    for name in ("recording_approve", "recording_decline", "recording_cancel", "recording_attend"):
        response = client.post(reverse(f"routing:{name}", args=[booking.pk]), {"reason": "x"})
        assert response.status_code == 403, name
    assert client.post(reverse("routing:recording_cap"), {"day": booking.date, "cap": 1}).status_code == 403
    booking.refresh_from_db()
    assert booking.status == RecordingBooking.Status.BOOKED


def test_head_of_office_reads_rotas_as_their_print_and_cannot_edit(client, kadis, kabid):
    rota = f.RotaFactory(bidang="capil", created_by=kabid)
    client.force_login(kadis)

    listing = client.get(reverse("routing:rota_list"))
    printed = client.get(reverse("routing:rota_print", args=[rota.pk]))

    assert listing.status_code == printed.status_code == 200
    body = listing.content.decode()
    assert reverse("routing:rota_print", args=[rota.pk]) in body
    assert reverse("routing:rota_generate") not in body
    assert f'href="{reverse("routing:rota_detail", args=[rota.pk])}"' not in body
    assert client.get(reverse("routing:rota_detail", args=[rota.pk])).status_code == 403
    assert client.get(reverse("routing:rota_generate")).status_code == 403
    for name in ("rota_publish", "rota_delete", "rota_swap", "rota_move", "rota_day"):
        assert client.post(reverse(f"routing:{name}", args=[rota.pk])).status_code == 403, name
    assert Rota.objects.get(pk=rota.pk).status == rota.status
