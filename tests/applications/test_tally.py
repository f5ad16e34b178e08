"""The status tally kept by database triggers equals a GROUP BY of the applications, always.

Random sequences of creates, transitions, reassignments, deletes and bulk updates, then the tally
is compared with a count made in Python from the raw rows. Runs on SQLite (row triggers) and, with
DATABASE_URL, on PostgreSQL (statement triggers with transition tables).
"""

import contextlib
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from applications.models import Application, ApplicationTally
from applications.services import WorkflowError, application_transition
from applications.tally import tally_rebuild, tally_stored
from applications.workflow import BATCH_ACTIONS, TRANSITIONS
from tests import factories as f

S = Application.Status


def raw_counts() -> dict[tuple[str, int, str], int]:
    """What the tally must say, counted in Python from every application row."""
    rows = Application.objects.values_list("bidang", "assigned_to_id", "status")
    return dict(Counter((bidang, officer or 0, status) for bidang, officer, status in rows))


@pytest.fixture
def world(db):
    dafduk = f.DocumentTypeFactory(category=f.ServiceCategoryFactory(code="dafduk"))
    capil = f.DocumentTypeFactory(category=f.ServiceCategoryFactory(code="capil"))
    return {
        "types": [dafduk, capil],
        "officers": [f.OfficerFactory(bidang="dafduk"), f.OfficerFactory(bidang="capil"), None],
        "desa": f.DesaFactory(),
        "admin": f.AdminFactory(is_superuser=True),
    }


def random_step(rng: random.Random, world: dict) -> None:
    """One random change of the applications table, through the service or the ORM in bulk."""
    apps = list(Application.objects.order_by("pk"))
    step = rng.choice(
        ["create", "create", "transition", "transition", "reassign", "delete", "bulk", "bulk_new"]
    )
    if step == "create" or not apps:
        f.ApplicationFactory(
            document_type=rng.choice(world["types"]),
            desa=world["desa"],
            assigned_to=rng.choice(world["officers"]),
            status=rng.choice(S.values),
        )
    elif step == "transition":
        app = rng.choice(apps)
        moves = [t for t in TRANSITIONS if t.source == app.status and t.action not in BATCH_ACTIONS]
        if moves:
            move = rng.choice(moves)
            # e.g. a pickup-only action on a via-Pemdes application fails and changes nothing
            with contextlib.suppress(WorkflowError):
                application_transition(
                    application=app,
                    actor=world["admin"],
                    action=move.action,
                    note="uji",
                    issued_document_number="D-1",
                )
    elif step == "reassign":
        app = rng.choice(apps)
        app.assigned_to = rng.choice(world["officers"])
        app.save(update_fields=["assigned_to"])
    elif step == "delete":
        rng.choice(apps).delete()
    elif step == "bulk":
        some = rng.sample([a.pk for a in apps], k=max(1, len(apps) // 2))
        Application.objects.filter(pk__in=some).update(status=rng.choice(S.values), version=F("version") + 1)
    else:
        f.ApplicationFactory.create_batch(
            rng.randint(2, 6), document_type=rng.choice(world["types"]), desa=world["desa"], status=S.READY
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tally_equals_group_by_after_random_changes(world, seed):
    rng = random.Random(seed)
    for _ in range(60):
        random_step(rng, world)
        assert tally_stored() == raw_counts()
    assert Application.objects.exists()


def test_tally_ignores_updates_of_other_columns(world):
    app = f.ApplicationFactory(document_type=world["types"][0], desa=world["desa"])
    before = list(ApplicationTally.objects.values_list("bidang", "assignee", "status", "n"))
    Application.objects.filter(pk=app.pk).update(applicant_name="Nama Baru")
    assert list(ApplicationTally.objects.values_list("bidang", "assignee", "status", "n")) == before
    assert before == [("dafduk", 0, "received", 1)]


def test_tally_follows_bulk_insert_update_and_delete(world):
    dafduk, capil = world["types"]
    officer = world["officers"][0]
    Application.objects.bulk_create(
        f.ApplicationFactory.build(document_type=dafduk, desa=world["desa"], assigned_to=officer)
        for _ in range(40)
    )
    assert tally_stored() == {("dafduk", officer.pk, "received"): 40}
    Application.objects.filter(pk__in=Application.objects.order_by("pk").values("pk")[:15]).update(
        status=S.VERIFYING, assigned_to=None
    )
    assert tally_stored() == {("dafduk", officer.pk, "received"): 25, ("dafduk", 0, "verifying"): 15}
    Application.objects.filter(status=S.RECEIVED).delete()
    assert tally_stored() == {("dafduk", 0, "verifying"): 15}


def test_rolled_back_change_leaves_tally_unchanged(world):
    f.ApplicationFactory(document_type=world["types"][1], desa=world["desa"])
    before = tally_stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        Application.objects.update(status=S.CANCELLED)
        assert tally_stored() == {("capil", 0, "cancelled"): 1}  # visible inside the transaction
        raise RuntimeError
    assert tally_stored() == before == {("capil", 0, "received"): 1}


def test_tally_rebuild_repairs_a_damaged_tally(world):
    f.ApplicationFactory.create_batch(3, document_type=world["types"][0], desa=world["desa"])
    f.ApplicationFactory(
        document_type=world["types"][1], desa=world["desa"], assigned_to=world["officers"][1]
    )
    truth = raw_counts()
    # what a restore of the applications without the tally (or a manual edit) leaves behind
    ApplicationTally.objects.filter(bidang="dafduk").update(n=99)
    ApplicationTally.objects.create(bidang="capil", assignee=12345, status=S.READY, n=7)
    assert tally_stored() != truth
    repair = tally_rebuild()
    assert tally_stored() == truth
    assert repair.keys_wrong == 2
    assert tally_rebuild().keys_wrong == 0


def test_tally_rebuild_command_reports_in_indonesian(world, capsys):
    f.ApplicationFactory(document_type=world["types"][0], desa=world["desa"])
    ApplicationTally.objects.all().delete()
    call_command("tally_rebuild")
    out = capsys.readouterr().out
    assert "Rekap dihitung ulang: 1 baris" in out
    assert "1 berbeda" in out
    assert tally_stored() == raw_counts()


def test_bulk_demo_seed_keeps_the_tally_exact(db):
    """seed_demo's bulk path (COPY on PostgreSQL, one grouped upsert per chunk) moves the tally too."""
    call_command("seed_demo")
    call_command("seed_demo", applications=2500)
    assert sum(tally_stored().values()) == Application.objects.count()
    assert tally_stored() == raw_counts()


def test_tally_is_viewable_in_the_admin_but_never_editable(client, world):
    f.ApplicationFactory(document_type=world["types"][0], desa=world["desa"])
    client.force_login(world["admin"])  # a superuser: no role group holds a permission on the tally
    changelist = client.get(reverse("admin:applications_applicationtally_changelist"))
    assert changelist.status_code == 200 and "received" in changelist.content.decode()
    tally = ApplicationTally.objects.get()
    assert client.get(reverse("admin:applications_applicationtally_add")).status_code == 403
    client.post(reverse("admin:applications_applicationtally_change", args=[tally.pk]), {"n": 50})
    tally.refresh_from_db()
    assert tally.n == 1
