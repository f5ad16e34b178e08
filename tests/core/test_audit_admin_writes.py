"""Every add, change and delete made in the admin (/kelola/) leaves an audit row (issue 8, part 2)."""

from datetime import date

import pytest

from dukcapil.core.models import AuditEntry
from routing.models import ClosedDay
from tests.admin import add_url, change_url, changelist_url, make_staff

pytestmark = pytest.mark.django_db


def _rows(verb: str):
    return AuditEntry.objects.filter(action=f"admin:{verb}:routing.closedday")


def test_admin_add_change_and_delete_each_write_an_audit_row(client, admin_user):
    client.force_login(make_staff(admin_user))
    response = client.post(
        add_url(ClosedDay), {"date": "2026-12-24", "reason": "Cuti bersama"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302
    day = ClosedDay.objects.get(date=date(2026, 12, 24))
    added = _rows("add").get()
    assert (added.actor, added.object_id, added.object_type, added.outcome, added.ip) == (
        admin_user,
        str(day.pk),
        "closedday",
        AuditEntry.Outcome.ALLOWED,
        "10.1.2.3",
    )
    assert "Cuti" not in added.detail  # the object's text is never copied

    client.post(change_url(day), {"date": "2026-12-24", "reason": "Natal"})
    assert _rows("change").get().object_id == str(day.pk)

    client.post(
        changelist_url(ClosedDay),
        {"action": "delete_selected", "_selected_action": [str(day.pk)], "post": "yes"},
    )
    assert not ClosedDay.objects.exists()
    assert _rows("delete").get().object_id == str(day.pk)


def test_a_refused_admin_form_writes_no_audit_row(client, admin_user):
    client.force_login(make_staff(admin_user))
    response = client.post(add_url(ClosedDay), {"date": "bukan tanggal", "reason": ""})
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action__startswith="admin:").exists()
