"""An attachment is reached only through its own application: never through another application's
id, of the same bidang or of another one, and the thumbnail obeys the same rule."""

import pytest
from django.urls import reverse

from dukcapil.core.models import AuditEntry
from tests.applications.workspace import application_with_checks

from .world import build_world, store_photo

pytestmark = [pytest.mark.security, pytest.mark.django_db]

VIEWS = ("applications:attachment", "applications:attachment_thumb")


@pytest.fixture
def world(doc_type, doc_type_capil, desa_a, desa_b):
    return build_world(doc_type=doc_type, doc_type_capil=doc_type_capil, desa_a=desa_a, desa_b=desa_b)


@pytest.fixture
def neighbour(world, doc_type, desa_a):
    """A second application of the same bidang and desa, with its own photo."""
    app = application_with_checks(doc_type, assigned_to=world.own.officer, desa=desa_a, status="verifying")
    return app, store_photo(app, world.own.officer)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ["petugas", "kepala_bidang", "kepala_dinas", "admin"])
def test_own_application_serves_its_file(client, world, view, role):
    client.force_login(world.user(role))
    url = reverse(view, args=[world.own.application.pk, world.own.attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ["petugas", "kepala_bidang", "kepala_dinas", "admin"])
def test_file_of_a_same_bidang_application_through_another_id_is_404(client, world, neighbour, view, role):
    app, attachment = neighbour
    client.force_login(world.user(role))
    audit_before = AuditEntry.objects.filter(action__in=["view_attachment", "download_attachment"]).count()
    # the neighbour's file through the own application's id, and the other way round
    crossed = [(world.own.application.pk, attachment.pk), (app.pk, world.own.attachment.pk)]
    for pk, attachment_pk in crossed:
        assert client.get(reverse(view, args=[pk, attachment_pk])).status_code == 404
        assert client.get(reverse(view, args=[pk, attachment_pk]) + "?unduh=1").status_code == 404
    # and both files are served through their own application
    assert client.get(reverse(view, args=[app.pk, attachment.pk])).status_code == 200
    served = AuditEntry.objects.filter(action__in=["view_attachment", "download_attachment"]).count()
    assert served - audit_before == (1 if view == "applications:attachment" else 0)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ["petugas", "kepala_bidang", "kepala_dinas", "admin"])
def test_file_of_another_bidang_through_an_own_application_is_404(client, world, view, role):
    client.force_login(world.user(role))
    url = reverse(view, args=[world.own.application.pk, world.other.attachment.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ["petugas", "kepala_bidang"])
def test_bidang_roles_cannot_reach_another_bidang_file_at_all(client, world, view, role):
    client.force_login(world.user(role))
    url = reverse(view, args=[world.other.application.pk, world.other.attachment.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["petugas", "kepala_bidang"])
def test_inbound_whatsapp_file_of_another_number_is_404(client, world, role):
    client.force_login(world.user(role))
    assert client.get(reverse("notifications:inbound_media", args=[world.own.media.pk])).status_code == 200
    assert client.get(reverse("notifications:inbound_media", args=[world.other.media.pk])).status_code == 404


def test_no_public_url_serves_the_private_media_folder(client, world, settings):
    client.force_login(world.user("admin"))
    name = world.own.attachment.file.name
    for prefix in ("/media/", "/private_media/", "/static/", "/"):
        assert client.get(prefix + name).status_code == 404
