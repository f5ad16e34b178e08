"""The whole transition table: every allowed move, every forbidden one, and wrong roles."""

import pytest

from applications.models import Application, ApplicationEvent
from applications.services import StaleApplication, WorkflowError, application_transition
from applications.workflow import BATCH_ACTIONS, TRANSITIONS
from dukcapil.accounts.models import User
from notifications.models import OutboxMessage
from tests import factories as f

S = Application.Status
ALL_ACTIONS = sorted({t.action for t in TRANSITIONS})


@pytest.fixture
def actors(db, desa_a):
    return {
        User.Role.PETUGAS: f.OfficerFactory(username="w.petugas", bidang="dafduk"),
        User.Role.KEPALA_BIDANG: f.KabidFactory(username="w.kabid", bidang="dafduk"),
        User.Role.ADMIN: f.AdminFactory(username="w.admin"),
        User.Role.PEMDES: f.PemdesFactory(username="w.pemdes", desa=desa_a),
        User.Role.KEPALA_DINAS: f.UserFactory(username="w.kadis", role=User.Role.KEPALA_DINAS, bidang=""),
    }


def _application(status, doc_type, desa, delivery=Application.Delivery.VIA_PEMDES):
    return f.ApplicationFactory(status=status, document_type=doc_type, desa=desa, delivery_method=delivery)


def _kwargs(transition):
    kwargs = {"batch_context": transition.action in BATCH_ACTIONS}
    if transition.needs_note:
        kwargs["note"] = "Alasan uji"
    if transition.action == "mark_ready":
        kwargs["issued_document_number"] = "5206-KK-0001"
    return kwargs


@pytest.mark.django_db
@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.action}:{t.source}->{t.target}")
def test_every_allowed_transition_by_every_allowed_role(transition, actors, doc_type, desa_a):
    for role in transition.roles:
        delivery = (
            Application.Delivery.PICKUP
            if transition.action == "hand_over_at_office"
            else Application.Delivery.VIA_PEMDES
        )
        app = _application(transition.source, doc_type, desa_a, delivery)
        application_transition(
            application=app, actor=actors[role], action=transition.action, **_kwargs(transition)
        )
        app.refresh_from_db()
        assert app.status == transition.target
        assert app.version == 2
        event = ApplicationEvent.objects.get(application=app)
        assert (event.actor, event.from_status, event.to_status, event.action) == (
            actors[role],
            transition.source,
            transition.target,
            transition.action,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.action}:{t.source}")
def test_wrong_roles_are_refused_and_nothing_changes(transition, actors, doc_type, desa_a):
    for role, actor in actors.items():
        if role in transition.roles:
            continue
        app = _application(transition.source, doc_type, desa_a)
        with pytest.raises(WorkflowError):
            application_transition(
                application=app, actor=actor, action=transition.action, **_kwargs(transition)
            )
        app.refresh_from_db()
        assert (app.status, app.version) == (transition.source, 1)
        assert not ApplicationEvent.objects.filter(application=app).exists()


_ALLOWED = {(t.action, t.source) for t in TRANSITIONS}
FORBIDDEN = [(a, s) for a in ALL_ACTIONS for s in S.values if (a, s) not in _ALLOWED]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "source"), FORBIDDEN)
def test_moves_outside_the_table_are_refused(action, source, actors, doc_type, desa_a):
    app = _application(source, doc_type, desa_a)
    with pytest.raises(WorkflowError):
        application_transition(
            application=app,
            actor=actors[User.Role.ADMIN],
            action=action,
            note="x",
            issued_document_number="1",
            batch_context=True,
        )
    app.refresh_from_db()
    assert (app.status, app.version) == (source, 1)
    assert not ApplicationEvent.objects.exists()


@pytest.mark.django_db
def test_officer_of_other_bidang_cannot_act(doc_type, desa_a):
    capil_officer = f.OfficerFactory(username="capil.x", bidang="capil")
    app = _application(S.RECEIVED, doc_type, desa_a)
    with pytest.raises(WorkflowError, match="di luar wilayah kerja"):
        application_transition(application=app, actor=capil_officer, action="start_verification")


@pytest.mark.django_db
def test_pemdes_of_other_desa_cannot_confirm(doc_type, desa_a, desa_b):
    other = f.PemdesFactory(username="pemdes.lain", desa=desa_b)
    app = _application(S.IN_DELIVERY, doc_type, desa_a)
    with pytest.raises(WorkflowError):
        application_transition(application=app, actor=other, action="confirm_receipt", batch_context=True)


@pytest.mark.django_db
def test_batch_actions_need_a_batch(actors, doc_type, desa_a):
    app = _application(S.READY, doc_type, desa_a)
    with pytest.raises(WorkflowError, match="batch"):
        application_transition(application=app, actor=actors[User.Role.PETUGAS], action="dispatch")


@pytest.mark.django_db
def test_mark_ready_needs_document_number(actors, doc_type, desa_a):
    app = _application(S.PROCESSING, doc_type, desa_a)
    with pytest.raises(WorkflowError, match="Nomor dokumen"):
        application_transition(application=app, actor=actors[User.Role.PETUGAS], action="mark_ready")
    app.refresh_from_db()
    assert app.status == S.PROCESSING


@pytest.mark.django_db
def test_reject_needs_reason(actors, doc_type, desa_a):
    app = _application(S.VERIFYING, doc_type, desa_a)
    with pytest.raises(WorkflowError, match="Alasan"):
        application_transition(application=app, actor=actors[User.Role.PETUGAS], action="reject", note="  ")


@pytest.mark.django_db
def test_second_officer_with_stale_copy_is_told_who_changed_it(actors, doc_type, desa_a):
    app = _application(S.RECEIVED, doc_type, desa_a)
    first = Application.objects.get(pk=app.pk)
    second = Application.objects.get(pk=app.pk)
    application_transition(
        application=first, actor=actors[User.Role.KEPALA_BIDANG], action="start_verification"
    )
    with pytest.raises(StaleApplication, match=str(actors[User.Role.KEPALA_BIDANG])):
        application_transition(
            application=second, actor=actors[User.Role.PETUGAS], action="cancel", note="dobel"
        )
    app.refresh_from_db()
    assert app.status == S.VERIFYING
    assert ApplicationEvent.objects.filter(application=app).count() == 1


@pytest.mark.django_db
def test_revision_request_queues_one_message_with_the_missing_items(
    actors, doc_type, desa_a, django_capture_on_commit_callbacks
):
    app = _application(S.VERIFYING, doc_type, desa_a)
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=app, actor=actors[User.Role.PETUGAS], action="request_revision", note="- KTP-el buram"
        )
    message = OutboxMessage.objects.get(application=app)
    assert message.event == "revision_required"
    assert "KTP-el buram" in message.body
    assert message.recipient == app.whatsapp


@pytest.mark.django_db
def test_rollback_leaves_no_message(actors, doc_type, desa_a):
    from django.db import transaction

    app = _application(S.VERIFYING, doc_type, desa_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        application_transition(application=app, actor=actors[User.Role.PETUGAS], action="verify")
        raise RuntimeError("boom")
    app.refresh_from_db()
    assert app.status == S.VERIFYING
    assert not OutboxMessage.objects.exists()
    assert not ApplicationEvent.objects.exists()
