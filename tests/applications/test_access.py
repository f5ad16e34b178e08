"""Access to every workspace view: anonymous → login, Pemdes → 403, another bidang → 404, right role works."""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from applications.attachments import FileWriteGuard, NewFile, attachments_store
from applications.models import Application
from applications.uploads import sanitize_upload
from tests import factories as f

from .workspace import application_with_checks, intake_data, jpeg_upload


@dataclass(frozen=True)
class View:
    name: str
    method: str = "get"
    on_application: bool = True  # the URL names an application (another bidang must get 404)
    status: str = "verifying"  # the application's status for the "works" case
    ok: tuple = (200,)
    data: dict = field(default_factory=dict)

    def url(self, target):
        if self.name in ("attachment", "attachment_thumb"):
            return reverse(f"applications:{self.name}", args=[target.app.pk, target.attachment.pk])
        if self.name == "action":
            return reverse("applications:action", args=[target.app.pk, "request_revision"])
        if self.on_application:
            return reverse(f"applications:{self.name}", args=[target.app.pk])
        return reverse(f"applications:{self.name}")


VIEWS = [
    View("queue", on_application=False),
    View("queue_nik", "post", on_application=False),
    View("intake", on_application=False),
    View("intake_duplicates", "post", on_application=False),
    View("detail"),
    View("checklist", "post", ok=(302,)),
    View("action", "post", ok=(302,), data={"note": "- KTP-el: tidak terbaca"}),
    View("resubmit", "post", status="revision_required", ok=(302,), data={"note": "Diterima lewat WA"}),
    View("nik_reveal", "post"),
    View("attachment"),
    View("attachment_thumb"),
]
IDS = [v.name for v in VIEWS]


@dataclass
class Target:
    app: Application
    attachment: object


@pytest.fixture
def target(doc_type, officer, desa_a):
    app = application_with_checks(doc_type, assigned_to=officer, desa=desa_a, status="verifying")
    with FileWriteGuard() as guard:
        attachment = attachments_store(
            application=app,
            files=[NewFile(requirement=None, clean=sanitize_upload(jpeg_upload()))],
            actor=officer,
            source="intake",
            guard=guard,
        )[0]
    return Target(app, attachment)


def _request(client, view, target, extra=None):
    data = {"version": target.app.version, **view.data, **(extra or {})}
    if view.method == "post":
        return client.post(view.url(target), data)
    return client.get(view.url(target))


@pytest.mark.django_db
@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_anonymous_is_sent_to_login(client, view, target):
    response = _request(client, view, target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_pemdes_operator_has_no_access(client, view, target, pemdes_a):
    # desa A is the application's own desa: even there the officer workspace is closed to Pemdes
    client.force_login(pemdes_a)
    assert _request(client, view, target).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("view", [v for v in VIEWS if v.on_application], ids=lambda v: v.name)
@pytest.mark.parametrize("who", ["officer_capil", "kabid_capil"])
def test_another_bidang_gets_404(request, client, view, target, who):
    client.force_login(request.getfixturevalue(who))
    assert _request(client, view, target).status_code == 404
    target.app.refresh_from_db()
    assert target.app.version == 1 and target.app.status == "verifying"


@pytest.mark.django_db
@pytest.mark.parametrize("view", VIEWS, ids=IDS)
def test_officer_of_the_bidang_can_use_it(client, view, target, officer, doc_type, desa_a):
    Application.objects.filter(pk=target.app.pk).update(status=view.status)
    target.app.refresh_from_db()
    extra = {}
    if view.name == "checklist":
        extra = {f"verdict_{r.pk}": "ok" for r in doc_type.requirements.all()}
    if view.name in ("queue_nik", "intake_duplicates"):
        extra = {"nik": target.app.nik, "document_type": doc_type.pk}
    client.force_login(officer)
    response = _request(client, view, target, extra)
    assert response.status_code in view.ok


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["kabid", "admin_user"])
def test_section_head_and_admin_can_open_and_act(request, client, target, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("applications:detail", args=[target.app.pk])).status_code == 200
    url = reverse("applications:action", args=[target.app.pk, "request_revision"])
    assert client.post(url, {"version": 1, "note": "- KK: tidak ada"}).status_code == 302


@pytest.mark.django_db
def test_head_of_office_reads_but_cannot_register_or_act(client, target, doc_type, desa_a):
    kadis = f.UserFactory(username="kadis", role="kepala_dinas", bidang="")
    client.force_login(kadis)
    assert client.get(reverse("applications:queue")).status_code == 200
    assert client.get(reverse("applications:detail", args=[target.app.pk])).status_code == 200
    assert client.get(reverse("applications:intake")).status_code == 403
    assert client.post(reverse("applications:intake"), intake_data(doc_type, desa_a)).status_code == 403
    url = reverse("applications:action", args=[target.app.pk, "request_revision"])
    assert client.post(url, {"version": 1, "note": "x"}).status_code == 403
    assert client.post(reverse("applications:nik_reveal", args=[target.app.pk])).status_code == 403
    target.app.refresh_from_db()
    assert target.app.status == "verifying"


@pytest.mark.django_db
def test_admin_cannot_register_without_a_bidang(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("applications:intake")).status_code == 403


@pytest.mark.django_db
def test_state_changing_views_refuse_get(client, officer, target):
    client.force_login(officer)
    for name in ("checklist", "resubmit", "nik_reveal"):
        assert client.get(reverse(f"applications:{name}", args=[target.app.pk])).status_code == 405
    assert client.get(reverse("applications:action", args=[target.app.pk, "verify"])).status_code == 405
    assert client.get(reverse("applications:intake_duplicates")).status_code == 405


@pytest.mark.django_db
def test_posts_need_the_csrf_token(officer, target):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    url = reverse("applications:action", args=[target.app.pk, "request_revision"])
    assert client.post(url, {"version": 1, "note": "x"}).status_code == 403
    target.app.refresh_from_db()
    assert target.app.status == "verifying"
