"""Every state-changing POST of the product leaves an audit row (issue 8, part 2).

The walk: every URL the access matrix (tests/security/test_access_matrix.py) marks "pass" on POST
for some role is POSTed once, as the first role allowed, with a valid form (PAYLOADS) or an empty
one, inside a savepoint that is rolled back. If any table other than the side tables (sessions,
login logs, the audit trail: tests/security/snapshot.py) changed, the request must have written at
least one AuditEntry with outcome "allowed". Routes in MUST_CHANGE must really change something, so
a payload that silently stopped being valid fails the test instead of passing it vacuously.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dukcapil.core.models import AuditEntry
from notifications.models import OutboxMessage
from tests.security.snapshot import changed, snapshot
from tests.security.test_access_matrix import URLS
from tests.security.urlwalk import all_routes, fill
from tests.security.world import ROLES, build_world

pytestmark = pytest.mark.django_db


def _payloads(world) -> dict:
    """A valid form per route key (what the view tests post); routes not named post an empty form."""
    own = world.own
    today = timezone.localdate()
    return {
        "routing:number_toggle": {},
        "routing:number_edit": {
            "officer": own.officer.pk,
            "phone": "0812-3456-0099",
            "label": "Loket",
            "is_active": "on",
        },
        "routing:number_create": {
            "officer": own.officer.pk,
            "phone": "0812-3456-0098",
            "bidang": "dafduk",
            "label": "Loket baru",
            "is_active": "on",
        },
        "routing:recording_cap": {"day": (today + timedelta(days=30)).isoformat(), "cap": "3"},
        "routing:rota_day": {"cell": f"{own.shift.officer_id}:{own.shift.date.isoformat()}:home"},
        "routing:recording_decline": {"reason": "Kuota penuh"},
        "routing:recording_cancel": {"reason": "Batal oleh pemohon"},
        "routing:recording_approve": {"day": own.booking.date.isoformat()},
        "routing:batch_return_item": {"reason": "Salah desa"},
        "routing:batch_confirm_receipt": {"version": own.batch.version, "checked": "on"},
        "applications:checklist": {
            "version": own.application.version,
            **{f"verdict_{c.requirement_id}": "ok" for c in own.application.checks.all()},
        },
        "applications:action": {"version": own.application.version, "note": "Berkas lengkap"},
    }


# POSTs that change no office data by design (a search, a lookup, a preview; the NIK reveal and
# the audit search are reads, the reveal audited by its own test)
READ_ONLY = {
    "applications:queue_nik",
    "applications:intake_duplicates",
    "applications:nik_reveal",
    "applications:track",
    "notifications:preview",
    "dukcapil_audit",
}
# the skip list: a valid POST is not built here (it needs a state the security world does not hold:
# a received batch, a rule-abiding rota, a full intake form with files...). Each of these goes
# through a service that audits, checked by tests/core/test_audit_coverage.py and the app's tests;
# rota generate/swap/move/publish by test_rota_generate_swap_move_publish_each_write_their_row below.
NOT_BUILT = {
    "applications:intake",
    "applications:action",
    "applications:resubmit",
    "routing:batch_create_all",
    "routing:batch_dispatch",
    "routing:batch_confirm_receipt",
    "routing:batch_remove_item",
    "routing:batch_hand_over_item",
    "routing:batch_return_item",
    "routing:reassign",
    "routing:rota_generate",
    "routing:rota_swap",
    "routing:rota_move",
    "routing:rota_publish",
    "routing:recording_create",
    "routing:recording_approve",
    "routing:recording_decline",
    "notifications:conversation_create",
    "notifications:conversation_attach",
}


def _first_allowed_role(key: str) -> str | None:
    tokens = URLS[key].post.split()
    for role, token in zip(ROLES, tokens, strict=True):
        if token == "pass":
            return role
    return None


def _post_routes():
    return [r for r in all_routes() if r.key in URLS and URLS[r.key].post and _first_allowed_role(r.key)]


@pytest.fixture
def world(doc_type, doc_type_capil, desa_a, desa_b):
    world = build_world(doc_type=doc_type, doc_type_capil=doc_type_capil, desa_a=desa_a, desa_b=desa_b)
    # a failed message, so "kirim ulang" has something to put back in the queue
    OutboxMessage.objects.filter(pk=world.own.outbox.pk).update(status=OutboxMessage.Status.FAILED)
    return world


def _post_and_measure(client, world, route, payload) -> tuple[int, list[str], list[str]]:
    """POST once in a rolled-back savepoint: (status, tables changed, actions of the allowed audit
    rows the request wrote)."""
    role = _first_allowed_role(route.key)
    client.logout()
    if world.user(role) is not None:
        client.force_login(world.user(role))
    url = fill(route, world, world.own)
    with transaction.atomic():
        before = snapshot()
        last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.post(url, payload)
        moved = changed(before, snapshot())
        audited = list(
            AuditEntry.objects.filter(pk__gt=last, outcome=AuditEntry.Outcome.ALLOWED).values_list(
                "action", flat=True
            )
        )
        transaction.set_rollback(True)
    return response.status_code, moved, audited


# the action each newly audited view writes (issue 8 part 2: numbers, rota, caps, outbox, inbox)
EXPECTED_ACTION = {
    "routing:number_create": "number:add",
    "routing:number_edit": "number:edit",
    "routing:number_toggle": "number:toggle",
    "routing:rota_day": "rota:day",
    "routing:rota_delete": "rota:delete",
    "routing:ical_token_reset": "ical:reset",
    "routing:recording_cap": "recording_day:cap",
    "notifications:resend": "outbox:resend",
    "notifications:conversation_dismiss": "inbound:dismiss",
}


def test_every_state_changing_post_writes_an_audit_row(client, world):
    """Every POST route not skipped changes a table AND writes an allowed audit row; a skipped one
    that happens to change a table (with an empty form) must be audited all the same."""
    payloads = _payloads(world)
    unaudited, unchanged = [], []
    for route in _post_routes():
        status, moved, audited = _post_and_measure(client, world, route, payloads.get(route.key, {}))
        if moved and not audited:
            unaudited.append(f"{route.key} ({status}): changed {moved} without an audit row")
        if route.key not in READ_ONLY | NOT_BUILT and not moved:
            unchanged.append(f"{route.key} ({status}): its valid POST changed nothing (fix PAYLOADS)")
        if route.key in READ_ONLY and moved:
            unchanged.append(f"{route.key} ({status}): called read-only, yet changed {moved}")
        expected = EXPECTED_ACTION.get(route.key)
        if expected and expected not in audited:
            unaudited.append(f"{route.key}: no {expected!r} row (got {audited})")
    assert not unaudited, "\n".join(unaudited)
    assert not unchanged, "\n".join(unchanged)


def test_the_skip_lists_name_only_post_routes():
    keys = {r.key for r in _post_routes()}
    assert keys >= READ_ONLY | NOT_BUILT
    assert not READ_ONLY & NOT_BUILT


def test_the_walk_catches_a_change_without_an_audit_row(client, world, monkeypatch):
    """The check can fail: with the number service's audit call removed, the toggle is reported."""
    import routing.services.numbers as numbers

    monkeypatch.setattr(numbers, "audit_record", lambda **kwargs: None)
    route = next(r for r in _post_routes() if r.key == "routing:number_toggle")
    _status, moved, audited = _post_and_measure(client, world, route, {})
    assert moved == ["routing.officernumber"]
    assert audited == []


# --- the rota services the walk cannot reach with the security world's one-officer rota -------------


def test_rota_generate_swap_move_publish_each_write_their_row(kabid):
    """Through the services, in a team of six (the rota tests' set-up): one row per change, none for
    a refused one."""
    from routing import services
    from tests import factories as f
    from tests.routing.test_rota_views import generate, office_map

    for i in range(6):
        f.OfficerFactory(username=f"au{i}", bidang="dafduk")
    rota = generate(kabid, max_in_office=4)
    office = office_map(rota)
    days = sorted(office)
    a = next(iter(office[days[0]] - office[days[1]]))
    b = next(iter(office[days[1]] - office[days[0]]))
    services.rota_swap(actor=kabid, rota=rota, officer_a=a, day_a=days[0], officer_b=b, day_b=days[1])
    office = office_map(rota)
    mover = next(iter(office[days[0]] - office[days[1]]))
    services.rota_move(actor=kabid, rota=rota, officer_id=mover, from_day=days[0], to_day=days[1])
    services.rota_publish(actor=kabid, rota=rota)
    with pytest.raises(services.RoutingError):
        services.rota_publish(actor=kabid, rota=rota)  # already published: refused, no row
    rows = AuditEntry.objects.filter(action__startswith="rota:").order_by("pk")
    assert [(r.action, r.object_id, r.actor_id) for r in rows] == [
        (action, str(rota.pk), kabid.pk)
        for action in ("rota:generate", "rota:swap", "rota:move", "rota:publish")
    ]
