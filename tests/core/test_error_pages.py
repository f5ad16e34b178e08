"""Error pages speak Indonesian and show no internals."""

import pytest


@pytest.mark.django_db
def test_404_page_is_the_products_own(client, officer):
    client.force_login(officer)
    response = client.get("/tidak-ada-halaman-ini/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Halaman tidak ditemukan" in body
    assert "Traceback" not in body and "urlpatterns" not in body


@pytest.mark.django_db
def test_500_page_reveals_nothing(client, officer, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("internal detail 5206015708900002")

    settings.ROOT_URLCONF = type("Urls", (), {"urlpatterns": [path("boom/", boom)]})
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Terjadi kesalahan di server" in body
    assert "internal detail" not in body and "5206015708900002" not in body
