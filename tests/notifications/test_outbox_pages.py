"""The admin outbox page, the application page's message history, resend, and the template preview."""

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from tests import factories as f

S = OutboxMessage.Status
OUTBOX = "/notifikasi/pesan-keluar/"


@pytest.fixture
def application(doc_type, desa_a):
    return f.ApplicationFactory(document_type=doc_type, desa=desa_a, whatsapp="+6281234567890")


@pytest.fixture
def capil_application(doc_type_capil, desa_a):
    return f.ApplicationFactory(document_type=doc_type_capil, desa=desa_a)


def _failed(application, **kw):
    values = {
        "application": application,
        "status": S.PERMANENT_FAILURE,
        "attempts": 1,
        "last_error": "[131026] cloud: HTTP 400 code 131026 to +62812****890: Message Undeliverable.",
        "recipient": "+6281111111111",
        "event": "received",
    }
    values.update(kw)
    return f.OutboxMessageFactory(**values)


# --- outbox page -----------------------------------------------------------------------------------


def test_outbox_page_needs_login(client, db):
    response = client.get(OUTBOX)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


@pytest.mark.parametrize("who", ["officer", "kabid", "pemdes_a"])
def test_outbox_page_is_for_the_admin_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(OUTBOX).status_code == 403


def test_outbox_page_shows_counts_and_failures(client, admin_user, application):
    _failed(application)
    f.OutboxMessageFactory(application=application, status=S.SENT)
    f.OutboxMessageFactory(application=application, status=S.DELIVERED)
    f.OutboxMessageFactory(
        application=application,
        status=S.FAILED,
        last_error="[temporary] HTTP 503",
        next_attempt_at=timezone.now(),
    )
    client.force_login(admin_user)
    response = client.get(OUTBOX)
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["total"] == 4 and counts["permanent"] == 1 and counts["failed"] == 1 and counts["sent"] == 1
    html = response.content.decode()
    assert application.number in html
    assert "Nomor pemohon tidak valid" in html  # the explanation, not only the code
    assert [r["message"].status for r in response.context["rows"]] == [S.FAILED, S.PERMANENT_FAILURE]
    assert "+6281234567890" not in html and "+6281111111111" not in html


def test_outbox_page_filters_by_status(client, admin_user, application):
    _failed(application)
    sent = f.OutboxMessageFactory(application=application, status=S.SENT)
    client.force_login(admin_user)
    response = client.get(OUTBOX, {"status": "sent"})
    assert [r["message"] for r in response.context["rows"]] == [sent]
    assert client.get(OUTBOX, {"status": "nonsense"}).context["status"] == "failures"


def _page_queries(captured) -> list[str]:
    """The page's own queries: the session read/save (saved on every request, for the idle limit) left out."""
    return [
        q["sql"]
        for q in captured
        if "django_session" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_outbox_page_query_count_does_not_grow_with_rows(client, admin_user, application):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user)

    def load() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(OUTBOX, {"status": "all"}).status_code == 200
        return _page_queries(ctx.captured_queries)

    _failed(application)
    few = load()
    for _ in range(15):
        _failed(f.ApplicationFactory(document_type=application.document_type, desa=application.desa))
    many = load()
    # user, the session's 2FA device (admin), paginator count, page rows with their applications
    # (one join), counts aggregate
    assert len(few) == len(many) == 5, many


# --- resend -------------------------------------------------------------------------------------------


def test_resend_needs_login_and_post(client, application):
    message = _failed(application)
    url = reverse("notifications:resend", args=[message.pk])
    assert client.post(url).status_code == 302
    assert "/akun/masuk/" in client.post(url)["Location"]


def test_officer_resends_to_the_corrected_number(
    client, officer, application, django_capture_on_commit_callbacks, settings
):
    settings.WHATSAPP_SENDER = "console"
    message = _failed(application)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:resend", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[application.pk])
    message.refresh_from_db()
    assert message.status == S.SENT  # console sender, sent after commit
    assert message.recipient == "+6281234567890"  # the application's current number
    assert message.attempts == 1 and message.last_error == ""
    event = application.events.get(action="message_resend")
    assert event.actor == officer


def test_double_resend_queues_once(client, officer, application):
    message = _failed(application)
    client.force_login(officer)
    url = reverse("notifications:resend", args=[message.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "tidak perlu dikirim ulang" in response.content.decode()
    assert application.events.filter(action="message_resend").count() == 1


def test_sent_message_cannot_be_resent(client, officer, application):
    message = f.OutboxMessageFactory(application=application, status=S.DELIVERED)
    client.force_login(officer)
    client.post(reverse("notifications:resend", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == S.DELIVERED


def test_officer_of_another_bidang_gets_404(client, officer_capil, application):
    message = _failed(application)
    client.force_login(officer_capil)
    assert client.post(reverse("notifications:resend", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.status == S.PERMANENT_FAILURE


def test_pemdes_cannot_resend(client, pemdes_a, application):
    message = _failed(application)
    client.force_login(pemdes_a)
    assert client.post(reverse("notifications:resend", args=[message.pk])).status_code == 403


def test_resend_with_htmx_returns_the_refreshed_history(client, officer, application):
    message = _failed(application)
    client.force_login(officer)
    response = client.post(reverse("notifications:resend", args=[message.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="app-messages-{application.pk}"' in html
    assert "Menunggu" in html


def test_resend_ignores_an_external_next(client, officer, application):
    message = _failed(application)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:resend", args=[message.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("applications:detail", args=[application.pk])


# --- message history on the application page ------------------------------------------------------------


def _render_history(user, application):
    request = RequestFactory().get(f"/permohonan/{application.pk}/")
    request.user = user
    template = Template('{% include "applications/_messages.html" with application=application %}')
    return template.render(RequestContext(request, {"application": application}))


def test_history_lists_messages_with_status_and_resend_for_failures(
    officer, application, django_assert_num_queries
):
    f.OutboxMessageFactory(application=application, status=S.READ, read_at=timezone.now(), event="received")
    _failed(application, event="revision_required")
    with django_assert_num_queries(1):  # the application's messages
        html = _render_history(officer, application)
    assert "Permohonan diterima" in html and "Dibaca" in html
    assert "Pesan tidak sampai ke pemohon" in html
    assert html.count("Kirim ulang") == 1


def test_history_hides_resend_from_who_may_not(kabid_capil, application):
    _failed(application)
    html = _render_history(kabid_capil, application)
    assert "Pesan tidak sampai" in html
    assert "Kirim ulang" not in html


def test_history_empty_state(officer, application):
    assert "Belum ada pesan WhatsApp" in _render_history(officer, application)


def test_history_fragment_url_checks_access(client, officer, officer_capil, application):
    url = reverse("notifications:application_messages", args=[application.pk])
    assert client.get(url).status_code == 302
    client.force_login(officer_capil)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 200


# --- template preview ---------------------------------------------------------------------------------


def test_preview_fills_sample_data(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("notifications:preview"), {"body": "Yth. {nama}, nomor {nomor}."})
    html = response.content.decode()
    assert "Yth. Siti Aminah, nomor BIMA-2026-0000123." in html


def test_preview_reports_unknown_and_broken_placeholders(client, admin_user):
    client.force_login(admin_user)
    html = client.post(reverse("notifications:preview"), {"body": "Halo {nama_lengkap}"}).content.decode()
    assert "Tempat isian tidak dikenal: {nama_lengkap}" in html
    html = client.post(reverse("notifications:preview"), {"body": "Halo {nama"}).content.decode()
    assert "Kurung kurawal tidak berpasangan" in html


def test_preview_is_admin_only(client, officer):
    assert client.post(reverse("notifications:preview"), {"body": "x"}).status_code == 302
    client.force_login(officer)
    assert client.post(reverse("notifications:preview"), {"body": "x"}).status_code == 403
    assert client.get(reverse("notifications:preview")).status_code in (403, 405)


def test_admin_refuses_a_template_with_an_unknown_placeholder(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:notifications_messagetemplate_add")
    response = client.post(url, {"event": "received", "body": "Halo {nama} {0}", "is_active": "on"})
    assert response.status_code == 200
    assert "Tempat isian tidak dikenal" in response.content.decode()
    response = client.post(
        url, {"event": "received", "body": "Halo {nama}, nomor {nomor}", "is_active": "on"}
    )
    assert response.status_code == 302


def test_admin_add_form_starts_from_the_default_text(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:notifications_messagetemplate_add") + "?event=at_desa").content.decode()
    assert "sudah tiba dan dapat diambil di Kantor Desa" in html
    assert 'id="template-live-preview"' in html


def test_admin_template_is_used_for_new_messages(db, application, django_capture_on_commit_callbacks):
    from notifications.services import outbox_enqueue_for_application

    f.MessageTemplateFactory(event="verified", body="Halo {nama}, berkas {nomor} lengkap.")
    message = outbox_enqueue_for_application(application=application, event="verified")
    assert message.body == f"Halo {application.applicant_name}, berkas {application.number} lengkap."


def test_a_broken_template_row_falls_back_to_the_default_text(db, application):
    from notifications.services import outbox_enqueue_for_application

    f.MessageTemplateFactory(event="verified", body="Halo {0} {nama")
    message = outbox_enqueue_for_application(application=application, event="verified")
    assert "sudah lengkap dan sedang kami proses" in message.body


def test_unused_context_helpers_render(db):
    assert (
        Template("{% load notification_tags %}{{ 'permanent'|outbox_badge }}").render(Context())
        == "text-bg-danger"
    )
