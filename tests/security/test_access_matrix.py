"""The access matrix: every URL of the URLconf, with every role, with objects of the user's own
bidang/desa, of ANOTHER bidang/desa, and with ids that do not exist.

Each URL must have a row below. A URL without one fails `test_every_url_is_classified`: decide who
may open it and write the row. The tokens of a row are the outcomes for the roles in this order:

    anonymous  petugas  kepala_bidang  kepala_dinas  pemdes  admin

    login  302 to the login page          ok   200
    403    refused for the role           404  not found (the role's scope holds no such object)
    405    wrong method (POST-only view)  302  a redirect elsewhere
    pass   (POST only) got past the access checks: a form error, a conflict or the action itself

A refused POST (login, 403, 404) must also leave every table as it was (tests/security/snapshot.py).

`hide` names the roles whose reach is cut to a bidang or a desa: for them ANOTHER bidang's or desa's
object must answer 404 exactly like an id that does not exist (same status, same page). For every
other role, the other object answers like their own.

"Own" is dafduk and desa A (petugas and kepala bidang of dafduk, Pemdes of desa A); "other" is capil
and desa B; see tests/security/world.py. Office roles are `is_staff`, as in the demo data.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import override_settings

from .snapshot import changed, snapshot
from .urlwalk import all_routes, fill
from .world import ROLES, build_world

pytestmark = [pytest.mark.security, pytest.mark.django_db]

P, K, D, M, A = "petugas", "kepala_bidang", "kepala_dinas", "pemdes", "admin"


@dataclass(frozen=True)
class Row:
    get: str  # GET outcome per role, own objects
    post: str = ""  # POST outcome per role (state-changing views), own objects
    hide: str = ""  # roles for which another bidang/desa object is 404 like a missing id
    other: dict = field(default_factory=dict)  # (method, role) → outcome, where another's object differs

    def outcome(self, method: str, role: str) -> str:
        tokens = (self.get if method == "get" else self.post).split()
        assert len(tokens) == len(ROLES), f"row {self} needs {len(ROLES)} outcomes"
        return tokens[ROLES.index(role)]


BIDANG = f"{P} {K}"
GET_ONLY_405 = "405 405 405 405 405 405"

# fmt: off
URLS = {
    # --- accounts ------------------------------------------------------------------------------
    "home":                             Row("login ok ok ok ok ok"),
    "login":                            Row("ok 302 302 302 302 302"),
    "logout":                           Row(GET_ONLY_405, post="login login login login login login"),
    # 2FA pages: a session that passed the step (force_login does, tests/conftest.py) or a role
    # without 2FA is sent on; the unverified cases are in tests/accounts/test_two_factor.py
    "otp_enrol":                        Row("login 302 302 302 302 302", post="login 302 302 302 302 302"),
    "otp_verify":                       Row("login 302 302 302 302 302", post="login 302 302 302 302 302"),
    "set_language":                     Row("302 302 302 302 302 302", post="302 302 302 302 302 302"),
    "dukcapil_audit":                   Row("login 403 403 403 403 ok", post="login 403 403 403 403 pass"),
    # --- officer workspace ---------------------------------------------------------------------
    "applications:queue":               Row("login ok ok ok 403 ok"),
    "applications:queue_nik":           Row("login 302 302 302 403 302", post="login pass pass pass 403 pass"),
    "applications:intake":              Row("login ok ok 403 403 403", post="login pass pass 403 403 403"),
    "applications:intake_duplicates":   Row(GET_ONLY_405, post="login pass pass 403 403 403"),
    "applications:detail":              Row("login ok ok ok 403 ok", hide=BIDANG),
    "applications:checklist":           Row(GET_ONLY_405, post="login pass pass pass 403 pass", hide=BIDANG),
    "applications:action":              Row(GET_ONLY_405, post="login pass pass 403 403 pass", hide=BIDANG),
    "applications:resubmit":            Row(GET_ONLY_405, post="login pass pass 403 403 pass", hide=BIDANG),
    "applications:nik_reveal":          Row(GET_ONLY_405, post="login pass pass 403 403 pass", hide=BIDANG),
    "applications:attachment":          Row("login ok ok ok 403 ok", hide=BIDANG),
    "applications:attachment_thumb":    Row("login ok ok ok 403 ok", hide=BIDANG),
    "applications:dashboard":           Row("login 403 ok ok 403 ok"),
    "applications:dashboard_xlsx":      Row("login 403 ok ok 403 ok"),
    "applications:track":               Row("ok ok ok ok ok ok", post="pass pass pass pass pass pass"),
    # --- delivery to the desa (the office sees every batch; a Pemdes only its desa's) -------------
    "routing:batch_list":               Row("login ok ok ok 403 ok"),
    "routing:batch_ready":              Row("login ok ok ok 403 ok"),
    # the form names the application; an empty form names none, so the builders get a 404
    "routing:batch_add_item":           Row("login 405 405 405 405 405", post="login 404 404 403 403 404"),
    "routing:batch_create_all":         Row("login 405 405 405 405 405", post="login pass pass 403 403 pass"),
    # a batch-creation job is seen by its starter and the office-wide roles
    "routing:batch_job":                Row("login ok 404 ok 404 ok", hide=P),
    "routing:batch_job_status":         Row("login ok 404 ok 404 ok", hide=P),
    # the merged manifests a finished admin job made: the same people as its progress page
    "routing:batch_job_file":           Row("login ok 404 ok 404 ok", hide=P),
    "routing:batch_detail":             Row("login ok ok ok ok ok", hide=M),
    "routing:batch_dispatch":           Row("login 405 405 405 405 405", post="login pass pass 403 403 pass", hide=M),
    "routing:batch_confirm_receipt":    Row("login 405 405 405 405 405", post="login 403 403 403 pass pass", hide=M),
    "routing:batch_remove_item":        Row("login 405 405 405 405 405", post="login pass pass 403 403 pass", hide=M),
    "routing:batch_hand_over_item":     Row("login 403 403 403 ok ok", post="login 403 403 403 pass pass", hide=M),
    "routing:batch_return_item":        Row("login ok ok 403 ok ok", post="login pass pass 403 pass pass", hide=M),
    "routing:batch_manifest":           Row("login ok ok ok ok ok", hide=M),
    "routing:batch_pdf":                Row("login ok ok ok ok ok", hide=M),
    "routing:batch_csv":                Row("login ok ok ok ok ok", hide=M),
    "routing:batch_xlsx":               Row("login ok ok ok ok ok", hide=M),
    "routing:pemdes_home":              Row("login 403 403 403 ok 403"),
    "routing:pemdes_overdue":           Row("login 403 403 403 ok 403"),
    "routing:pemdes_history":           Row("login 403 403 403 ok 403"),
    # --- staff routing: numbers, workload, rota (kepala bidang of the bidang and admin) ----------
    "routing:number_list":              Row("login 403 ok 403 403 ok"),
    "routing:number_create":            Row("login 403 ok 403 403 ok", post="login 403 pass 403 403 pass"),
    "routing:number_poster":            Row("login 403 ok 403 403 ok"),
    "routing:number_edit":              Row("login 403 ok 403 403 ok", post="login 403 pass 403 403 pass", hide=K),
    "routing:number_toggle":            Row(GET_ONLY_405, post="login 403 pass 403 403 pass", hide=K),
    "routing:workload":                 Row("login 403 ok ok 403 ok"),
    "routing:reassign":                 Row("login 403 ok 403 403 ok", post="login 403 pass 403 403 pass"),
    "routing:rota_list":                Row("login 403 ok ok 403 ok"),
    "routing:rota_generate":            Row("login 403 ok 403 403 ok", post="login 403 pass 403 403 pass"),
    "routing:rota_detail":              Row("login 403 ok 403 403 ok", hide=K),
    "routing:rota_day":                 Row(GET_ONLY_405, post="login 403 pass 403 403 pass", hide=K),
    "routing:rota_swap":                Row(GET_ONLY_405, post="login 403 pass 403 403 pass", hide=K),
    "routing:rota_move":                Row(GET_ONLY_405, post="login 403 pass 403 403 pass", hide=K),
    "routing:rota_publish":             Row(GET_ONLY_405, post="login 403 pass 403 403 pass", hide=K),
    "routing:rota_delete":              Row(GET_ONLY_405, post="login 403 pass 403 403 pass", hide=K),
    "routing:rota_print":               Row("login 403 ok ok 403 ok", hide=K),
    "routing:my_schedule":              Row("login ok ok 403 403 403"),
    "routing:ical_token_reset":         Row(GET_ONLY_405, post="login pass pass 403 403 403"),
    # the calendar feed is opened by a phone's calendar app: the secret token is the key
    "routing:ical":                     Row("ok ok ok ok ok ok"),
    # --- urgent KTP-el recording (a dafduk service: dafduk staff and admin) ----------------------
    "routing:recording_list":           Row("login ok ok ok 403 ok"),
    "routing:recording_create":         Row("login ok ok 403 403 ok", post="login pass pass 403 403 pass"),
    "routing:recording_cap":            Row(GET_ONLY_405, post="login 403 pass 403 403 pass"),
    "routing:recording_desk":           Row("login ok ok ok 403 ok"),
    "routing:recording_detail":         Row("login ok ok ok 404 ok"),
    "routing:recording_approve":        Row(GET_ONLY_405, post="login 403 pass 403 404 pass"),
    "routing:recording_decline":        Row(GET_ONLY_405, post="login 403 pass 403 404 pass"),
    # a petugas cancels only the bookings they made (the "other" one was made by a colleague)
    "routing:recording_cancel":         Row(GET_ONLY_405, post="login pass pass 403 404 pass",
                                            other={("post", P): "403"}),
    "routing:recording_attend":         Row(GET_ONLY_405, post="login pass pass 403 404 pass"),
    # --- WhatsApp ------------------------------------------------------------------------------
    # Meta's callback: GET is the verify handshake (token), POST needs the HMAC signature
    "notifications:webhook":            Row("403 403 403 403 403 403", post="403 403 403 403 403 403"),
    "notifications:inbox":              Row("login ok ok 403 403 ok"),
    "notifications:conversation":       Row("login ok ok 403 403 ok", hide=BIDANG),
    "notifications:conversation_create": Row(GET_ONLY_405, post="login pass pass 403 403 403", hide=BIDANG),
    "notifications:conversation_attach": Row(GET_ONLY_405, post="login pass pass 403 403 pass", hide=BIDANG),
    "notifications:conversation_dismiss": Row(GET_ONLY_405, post="login pass pass 403 403 pass", hide=BIDANG),
    "notifications:inbound_media":      Row("login ok ok 403 403 ok", hide=BIDANG),
    "notifications:outbox":             Row("login 403 403 403 403 ok"),
    "notifications:resend":             Row(GET_ONLY_405, post="login pass pass 403 403 pass", hide=BIDANG),
    "notifications:application_messages": Row("login ok ok ok 403 ok", hide=BIDANG),
    "notifications:preview":            Row(GET_ONLY_405, post="login 403 403 403 403 pass"),
    # --- the admin site (a Pemdes never enters it, whatever its flags) ---------------------------
    "admin:index":                      Row("login ok ok ok 403 ok"),
    "admin:login":                      Row("login 302 302 302 403 302"),
    "admin:logout":                     Row("302 405 405 405 302 405"),
    "admin:password_change":            Row("login ok ok ok 403 ok"),
    "admin:password_change_done":       Row("login ok ok ok 403 ok"),
    "admin:autocomplete":               Row("login 403 403 403 403 403"),
    "admin:jsi18n":                     Row("login ok ok ok 403 ok"),
    "admin:view_on_site":               Row("login 404 404 404 403 404"),
    "admin:app_list":                   Row("login ok ok ok 403 ok"),
    "admin:kelola/(?P<url>.*)$":        Row("login 404 404 404 403 404"),
    "admin:auth_user_password_change":  Row("login 404 403 404 403 ok", hide=K),
}


@dataclass(frozen=True)
class AdminModel:
    """Who may open a registered model's admin pages (a Pemdes and the anonymous never)."""

    view: str = ""  # changelist, change form, history
    add: str = ""
    delete: str = ""
    hide: str = ""  # roles that see only their bidang's rows: another bidang's row is 404


OFFICE = f"{P} {K} {D} {A}"
ADMIN_MODELS = {
    "auth.group":                       AdminModel(),
    "axes.accessattempt":               AdminModel(),
    "axes.accesslog":                   AdminModel(),
    "axes.accessfailurelog":            AdminModel(),
    "accounts.user":                    AdminModel(view=f"{K} {A}", add=A, hide=K),
    "core.auditentry":                  AdminModel(view=A),
    "core.backgroundjob":               AdminModel(),
    "core.counter":                     AdminModel(),
    "routing.kecamatan":                AdminModel(view=OFFICE, add=A),
    "routing.desa":                     AdminModel(view=OFFICE, add=A),
    "routing.officernumber":            AdminModel(view=f"{P} {K} {A}", add=A, hide=BIDANG),
    "routing.leave":                    AdminModel(view=f"{K} {A}", add=f"{K} {A}", delete=f"{K} {A}", hide=K),
    "routing.closedday":                AdminModel(view=f"{K} {A}", add=A, delete=A),
    "routing.rota":                     AdminModel(view=f"{K} {D} {A}", add=f"{K} {A}", hide=K),
    "routing.shiftassignment":          AdminModel(view=f"{P} {K} {A}", hide=BIDANG),
    "routing.recordingday":             AdminModel(view=f"{K} {A}", add=f"{K} {A}"),
    "routing.recordingbooking":         AdminModel(view=f"{P} {K} {A}"),
    "routing.deliverybatch":            AdminModel(view=OFFICE),
    "routing.batchitem":                AdminModel(view=f"{P} {K} {A}"),
    "applications.servicecategory":     AdminModel(view=A, add=A),
    "applications.documenttype":        AdminModel(view=OFFICE, add=A),
    "applications.requirement":         AdminModel(view=f"{P} {K} {A}", add=A, delete=A),
    "applications.application":         AdminModel(view=OFFICE, hide=BIDANG),
    "applications.applicationevent":    AdminModel(view=OFFICE, hide=BIDANG),
    "applications.requirementcheck":    AdminModel(view=f"{P} {K} {A}", hide=BIDANG),
    "applications.attachment":          AdminModel(view=f"{P} {K} {A}", hide=BIDANG),
    "applications.applicationtally":    AdminModel(),
    "applications.openworktally":       AdminModel(),
    "applications.openworkclock":       AdminModel(),
    "applications.missingtally":        AdminModel(),
    "notifications.messagetemplate":    AdminModel(view=A, add=A),
    "notifications.outboxmessage":      AdminModel(view=f"{P} {K} {A}", hide=BIDANG),
    "notifications.inboundmessage":     AdminModel(view=f"{P} {A}", hide=P),
    "notifications.webhookreceipt":     AdminModel(),
}
# fmt: on


def admin_model_row(key: str) -> Row | None:
    """The row of an admin model URL ("admin:<app>.<model>:<kind>"), built from ADMIN_MODELS."""
    _, label, kind = key.split(":")
    spec = ADMIN_MODELS.get(label)
    if spec is None:
        return None
    allowed = {"changelist": spec.view, "history": spec.view, "change": spec.view}.get(kind)
    allowed = {"add": spec.add, "delete": spec.delete}.get(kind, allowed)
    tokens = []
    for role in ROLES:
        if role == "anonymous":
            tokens.append("login")
        elif role == M:
            tokens.append("403")
        elif kind == "redirect":  # <id>/ sends staff on to <id>/change/, where the rules apply
            tokens.append("302")
        else:
            tokens.append("ok" if role in allowed.split() else "denied")
    return Row(" ".join(tokens), hide=spec.hide if kind in ("history", "change", "delete") else "")


def row_for(key: str) -> Row | None:
    if key in URLS:
        return URLS[key]
    if key.startswith("admin:") and key.count(":") == 2:
        return admin_model_row(key)
    return None


def unclassified() -> list[str]:
    return [r.key for r in all_routes() if row_for(r.key) is None]


# --- classification ---------------------------------------------------------------------------


def test_every_url_is_classified():
    missing = unclassified()
    assert not missing, (
        "URLs without a row in tests/security/test_access_matrix.py (classify them: who may open "
        f"them, and what the others get): {missing}"
    )


def test_the_table_names_no_url_that_is_gone():
    keys = {r.key for r in all_routes()}
    stale = [k for k in URLS if k not in keys]
    models = {k.split(":")[1] for k in keys if k.startswith("admin:") and k.count(":") == 2}
    stale += [label for label in ADMIN_MODELS if label not in models]
    assert not stale


@override_settings(ROOT_URLCONF="tests.security.urls_probe")
def test_a_new_url_fails_until_it_is_classified():
    # the probe URLconf is the real one plus one view nobody classified, and one new admin model
    assert "security_probe" in unclassified()
    assert "admin:auth.permission:changelist" in unclassified()


# --- the walk -----------------------------------------------------------------------------------


def outcome(client, response, method: str) -> str:
    """The response as a matrix token (see the module docstring)."""
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith("/kelola/login/"):
        # the admin's own login hop: it sends the anonymous on to the login page and answers 403
        # to a signed-in user who may not enter
        response = client.get(location)
        location = response.get("Location", "")
    code = response.status_code
    if code == 302 and location.startswith("/akun/masuk/"):
        return "login"
    if code == 200 and method == "get":
        return "ok"
    if code in (403, 404, 405, 302):
        return str(code)
    if method == "post" and code in (200, 400, 409):
        return "pass"
    return str(code)


def _matches(expected: str, got: str) -> bool:
    if expected == "denied":
        return got in ("403", "404")
    if expected == "pass":
        return got in ("pass", "302")
    return expected == got


@pytest.fixture
def world(doc_type, doc_type_capil, desa_a, desa_b):
    return build_world(doc_type=doc_type, doc_type_capil=doc_type_capil, desa_a=desa_a, desa_b=desa_b)


def _login_as(client, world, role):
    client.logout()
    if world.user(role) is not None:
        client.force_login(world.user(role))


def _send(client, method: str, url: str, *, moved: list | None = None):
    """GET, or POST inside a savepoint that is rolled back (so one request cannot set up the next).

    With `moved`, the tables the POST changed are appended to it (before the rollback)."""
    if method == "get":
        return client.get(url)
    with transaction.atomic():
        before = snapshot() if moved is not None else None
        response = client.post(url, {})
        if moved is not None:
            moved.extend(changed(before, snapshot()))
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_classified(client, world, role):
    wrong = []
    for route in all_routes():
        row = row_for(route.key)
        for method in ("get", "post") if row.post else ("get",):
            _login_as(client, world, role)  # again: the previous request may have been a logout
            url = fill(route, world, world.own)
            expected = row.outcome(method, role)
            refused = expected in ("login", "403", "404", "denied")
            moved: list = []
            got = outcome(client, _send(client, method, url, moved=moved if refused else None), method)
            if not _matches(expected, got):
                wrong.append(f"{method.upper()} {url} ({route.key}): expected {expected}, got {got}")
            if moved:  # a refused POST must leave the data as it was
                wrong.append(f"{method.upper()} {url} ({route.key}): refused, yet changed {moved}")
    assert not wrong, "\n".join(wrong)


def _page(response) -> bytes:
    """The body without what differs on every render (the masked CSRF token, CSP nonces)."""
    return re.sub(rb'(csrfmiddlewaretoken" value="|nonce=")[^"]+', rb"\\1", response.content)


@pytest.mark.parametrize("role", ROLES[1:])
def test_another_bidang_or_desa_answers_like_a_missing_id(client, world, role):
    """Hidden roles: the other side's object is a 404 with the very page a missing id gets.
    Everyone else: the other side's object answers like their own."""
    wrong = []
    for route in all_routes():
        if not route.params or route.key == "routing:ical":
            continue
        row = row_for(route.key)
        for method in ("get", "post") if row.post else ("get",):
            expected_own = row.outcome(method, role)
            if expected_own == "405":
                continue
            _login_as(client, world, role)
            other = _send(client, method, fill(route, world, world.other))
            missing = _send(client, method, fill(route, world, world.own, missing=True))
            if role in row.hide.split():
                if not (other.status_code == missing.status_code == 404 and _page(other) == _page(missing)):
                    wrong.append(
                        f"{method.upper()} {route.key}: another's object gave {other.status_code}, "
                        f"a missing id {missing.status_code} (or another page)"
                    )
                continue
            expected = row.other.get((method, role), expected_own)
            got = outcome(client, other, method)
            if not _matches(expected, got):
                wrong.append(
                    f"{method.upper()} {route.key}: another's object: expected {expected}, got {got}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_matrix_can_fail(client, world):
    # the check itself: an officer given the wrong row's expectations is reported
    _login_as(client, world, P)
    route = next(r for r in all_routes() if r.key == "applications:detail")
    got = outcome(client, client.get(fill(route, world, world.other)), "get")
    assert got == "404"
    assert not _matches(Row("login ok ok ok 403 ok").outcome("get", P), got)
