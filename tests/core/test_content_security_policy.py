"""The Content Security Policy (django-csp): scripts and styles from this site only, nothing framed
except an attachment inside our own application page, and templates that need nothing inline.

The browser side (no "Refused to …" message on any role's pages) is in
tests/e2e/test_field_ready.py::test_pages_work_under_the_content_security_policy.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from routing import delivery
from routing.models import DeliveryBatch
from tests.routing.delivery_helpers import ready_app

from ..applications.test_attachments import req, stored  # noqa: F401 - the fixtures, reused

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, list[str]]:
    """The header as {directive: [sources]}."""
    parts = [p.strip().split() for p in response["Content-Security-Policy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_pages_get_the_strict_policy(client, officer):
    client.force_login(officer)
    response = client.get(reverse("applications:queue"))
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]  # no nonce asked for on this page, no 'unsafe-inline'
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["frame-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"


def test_login_and_admin_pages_get_it_too(client, admin_user):
    assert policy(client.get(reverse("login")))["script-src"] == ["'self'"]
    client.force_login(admin_user)
    response = client.get(reverse("admin:applications_application_changelist"))
    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == ["'none'"]


def test_attachment_view_may_be_framed_by_our_own_pages_only(client, officer, stored):  # noqa: F811
    app, _ = stored
    pdf = app.attachments.get(kind="pdf")
    client.force_login(officer)
    response = client.get(reverse("applications:attachment", args=[app.pk, pdf.pk]))
    assert response.status_code == 200
    csp = policy(response)
    assert "sandbox" in csp
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["default-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_manifest_footer_style_carries_the_requests_nonce(client, officer, desa_a, doc_type):
    ready_app(desa=desa_a, document_type=doc_type, applicant_name="Siti Rahmah")
    delivery.batch_create_for_all_desa(actor=officer)
    batch = delivery.batch_dispatch(
        actor=officer,
        batch=DeliveryBatch.objects.get(),
        courier=officer,
        dispatch_date=timezone.localdate(),
    )
    client.force_login(officer)
    response = client.get(reverse("routing:batch_manifest", args=[batch.pk]))
    assert response.status_code == 200
    nonces = [s for s in policy(response)["style-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    body = response.content.decode()
    assert f'<style nonce="{nonces[0][7:-1]}">' in body
    assert body.count("<style") == 1  # the rest is the static stylesheet


INLINE = {
    "style attribute": re.compile(r"\sstyle=[\"']"),
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+=[\"']", re.S),
    "javascript: link": re.compile(r"href=[\"']\s*javascript:", re.I),
    "<style> without the nonce": re.compile(r"<style(?![^>]*\snonce=)[^>]*>"),
}
COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


@pytest.mark.parametrize("kind", list(INLINE))
def test_no_template_needs_what_the_policy_refuses(kind):
    """What the policy would refuse, found by reading every template (the manifest's PDF-only
    <style>, rendered server-side for WeasyPrint, is the one allowed exception)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = COMMENTS.sub("", path.read_text())
        if kind == "<style> without the nonce":
            text = text.replace("{% if for_pdf %}<style>{{ stylesheet }}</style>", "")
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:60]}" for m in INLINE[kind].finditer(text)]
    assert not found, "\n".join(found)


def test_admin_changelists_never_print_djangos_inline_style():
    """Django's change_list.html adds an inline <style> when a list shows no actions bar at all."""
    bare = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not (model_admin.actions_on_top or model_admin.actions_on_bottom)
    ]
    assert not bare
