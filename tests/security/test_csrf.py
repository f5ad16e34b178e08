"""CSRF on every URL that takes a POST, and no state change on any GET.

- Every URL of the URLconf (admin included), POSTed by every role with a client that enforces CSRF
  and sends no token: 403 from the CSRF check, and no table changed.
- Every URL, GET by every role (with its own objects and with another bidang's): no table changed
  except sessions, the audit trail and the login logs (see snapshot.ALLOWED).
"""

import logging

import pytest
from django.test import Client

from .snapshot import changed, snapshot
from .test_access_matrix import row_for
from .urlwalk import all_routes, fill
from .world import ROLES, build_world

pytestmark = [pytest.mark.security, pytest.mark.django_db]

# Meta's webhook cannot carry our token: it is csrf_exempt and authenticated by its HMAC signature
# instead (tests/notifications/test_webhook_security.py); unsigned, it is refused all the same
CSRF_EXEMPT = {"notifications:webhook"}


@pytest.fixture
def world(doc_type, doc_type_capil, desa_a, desa_b):
    return build_world(doc_type=doc_type, doc_type_capil=doc_type_capil, desa_a=desa_a, desa_b=desa_b)


def _client(world, role, *, enforce_csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    if world.user(role) is not None:
        client.force_login(world.user(role))
    return client


def _form_for(route) -> dict:
    """Fields a real form would send, so a missing token is the only thing wrong with the POST."""
    return {
        "version": "1",
        "note": "uji",
        "nik": "5206014107990123",
        "status": "done",
        "action": "delete_selected",
    }


@pytest.mark.parametrize("role", ROLES)
def test_post_without_csrf_token_is_refused_and_changes_nothing(world, role, caplog):
    client = _client(world, role, enforce_csrf=True)
    before = snapshot()
    wrong = []
    for route in all_routes():
        for side in (world.own, world.other):
            url = fill(route, world, side)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
                response = client.post(url, _form_for(route))
            refused_by_csrf = any("CSRF" in r.getMessage() for r in caplog.records)
            if route.key in CSRF_EXEMPT:
                if response.status_code != 403:
                    wrong.append(f"{url}: unsigned webhook answered {response.status_code}")
            elif response.status_code != 403 or not refused_by_csrf:
                wrong.append(
                    f"{url} ({route.key}): {response.status_code}, CSRF check logged: {refused_by_csrf}"
                )
            if not route.params:
                break
    assert not wrong, "\n".join(wrong)
    assert changed(before, snapshot()) == []


def test_the_csrf_check_can_fail(world):
    # the same POST with the token goes through: the 403 above is the token's doing
    client = _client(world, "petugas", enforce_csrf=True)
    client.get("/permohonan/")
    token = client.cookies[_csrf_cookie_name()].value
    route = next(r for r in all_routes() if r.key == "applications:nik_reveal")
    response = client.post(fill(route, world, world.own), {"csrfmiddlewaretoken": token})
    assert response.status_code == 200


def _csrf_cookie_name() -> str:
    from django.conf import settings

    return settings.CSRF_COOKIE_NAME


def _get_everything(client, world, *, check_each: bool) -> list[str]:
    """GET every classified URL with own and other objects; with check_each, name the URLs that
    changed something (slower: a snapshot per request)."""
    moved = []
    for route in all_routes():
        if row_for(route.key) is None:
            continue  # test_access_matrix fails for it already
        for side in (world.own, world.other):
            url = fill(route, world, side)
            step_before = snapshot() if check_each else None
            client.get(url)
            if check_each and (step := changed(step_before, snapshot())):
                moved.append(f"GET {url} ({route.key}) changed {step}")
            if not route.params:
                break
    return moved


@pytest.mark.parametrize("role", ROLES)
def test_get_changes_no_data(world, role):
    """GET every URL, with own and other objects, as a role: only the allowed tables move."""
    client = _client(world, role, enforce_csrf=False)
    before = snapshot()
    _get_everything(client, world, check_each=False)
    moved_tables = changed(before, snapshot())
    if moved_tables:  # once more, a snapshot per request, to name the URL in the failure
        moved = _get_everything(client, world, check_each=True)
        pytest.fail(f"GET changed {moved_tables}: " + "\n".join(moved))


def test_the_snapshot_sees_a_change(world):
    before = snapshot()
    world.own.application.__class__.objects.filter(pk=world.own.application.pk).update(applicant_name="X")
    assert changed(before, snapshot()) == ["applications.application"]
