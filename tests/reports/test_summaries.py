"""The dashboard's daily summaries (reports): filling, idempotence, and the two facts that change
after their day (first revision request, reassignment of a ready document), checked against the
naive recomputation over the raw rows of tests/applications/test_dashboard_random.py."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from applications.dashboard import DashboardFilters, dashboard_build
from applications.models import Application, DocumentType
from applications.services import application_transition
from reports.models import DesaDay, OfficerDay, SummaryMarker, TurnaroundDay, TypeDay
from reports.selectors import summary_through
from reports.services import summaries_refresh
from routing.services.reassignment import applications_reassign
from tests import factories as f
from tests.applications.test_dashboard_random import NOW, compare, naive, random_world

TABLES = (TypeDay, TurnaroundDay, OfficerDay, DesaDay)


def snapshot() -> dict:
    fields = {m: [x.attname for x in m._meta.fields[1:]] for m in TABLES}
    return {m.__name__: sorted(m.objects.values_list(*fields[m]), key=repr) for m in TABLES}


def test_refresh_summarises_up_to_yesterday_and_again_changes_nothing(db):
    random_world(5)
    today = NOW.date()
    first_day = timezone.localdate(Application.objects.order_by("created_at").first().created_at)
    assert summaries_refresh(today=today) == (today - first_day).days
    assert summary_through() == today - timedelta(days=1)
    before = snapshot()
    assert all(before.values())
    assert summaries_refresh(today=today) == 0
    assert snapshot() == before
    # a crashed run is undone by the next: the marker moved back rewrites the same rows
    SummaryMarker.objects.update(through=today - timedelta(days=40))
    assert summaries_refresh(today=today) == 39
    assert snapshot() == before


def test_refresh_without_applications_keeps_no_marker(db):
    assert summaries_refresh() == 0
    assert summary_through() is None


def test_the_command_refreshes(db):
    f.ApplicationFactory(created_at=timezone.now() - timedelta(days=3))
    call_command("reports_refresh", verbosity=0)
    assert summary_through() == timezone.localdate() - timedelta(days=1)


@pytest.mark.parametrize("seed", [6, 7])
def test_changes_after_the_day_keep_the_figures_exact(db, settings, seed):
    """After the refresh: a first revision request of an application received on a summarised day,
    and ready documents moved to another officer. The dashboard must still equal the raw rows."""
    settings.URGENT_RECORDING_DAILY_CAP = 4
    random_world(seed)
    assert summaries_refresh(today=timezone.localdate())  # every day before the real today
    admin = f.AdminFactory(username=f"adm{seed}")
    kabid = f.KabidFactory(username=f"kabid{seed}", bidang="dafduk")
    # first revision: a dafduk application received 10-30 days before NOW, never revised
    target = Application.objects.filter(
        bidang="dafduk", revision_count=0, created_at__lt=NOW - timedelta(days=10)
    ).first()
    Application.objects.filter(pk=target.pk).update(status="verifying")
    target.refresh_from_db()
    application_transition(application=target, actor=admin, action="request_revision", note="KK buram")
    # a second revision of another one changes nothing in the summaries (it was counted already)
    again = Application.objects.filter(bidang="dafduk", revision_count__gt=0).exclude(pk=target.pk).first()
    Application.objects.filter(pk=again.pk).update(status="verifying")
    again.refresh_from_db()
    application_transition(application=again, actor=admin, action="request_revision", note="lagi")
    # ready documents (finished on a summarised day) moved to another officer
    ready = list(
        Application.objects.filter(bidang="dafduk", status="ready", ready_at__lt=NOW - timedelta(days=1))[:3]
    )
    assert ready, "the data set has ready dafduk documents"
    officer = f.OfficerFactory(username=f"baru{seed}", bidang="dafduk")
    applications_reassign(actor=kabid, application_ids=[a.pk for a in ready], to_officer=officer, note="")

    types = list(DocumentType.objects.select_related("category"))
    today = NOW.date()
    dashes = []
    for filters in (
        DashboardFilters(date_from=today - timedelta(days=59), date_to=today),
        DashboardFilters(date_from=today - timedelta(days=29), date_to=today, bidang="dafduk"),
    ):
        dashes.append(dashboard_build(user=admin, filters=filters, document_types=types, now=NOW))
        compare(dashes[-1], naive(admin, filters))
    assert any(r.user_id == officer.pk and r.finished == len(ready) for r in dashes[0].officers)


def test_reports_check_says_same_and_fails_on_a_wrong_summary(db, capsys):
    random_world(8)
    f.AdminFactory(username="adm8")
    summaries_refresh()
    call_command("reports_check")
    assert "BERBEDA" not in capsys.readouterr().out
    row = TypeDay.objects.filter(intake__gt=0).order_by("-day").first()
    TypeDay.objects.filter(pk=row.pk).update(intake=row.intake + 1)
    with pytest.raises(CommandError, match="berbeda dari data mentah"):
        call_command("reports_check")
    assert "BERBEDA: days, revisions" in capsys.readouterr().out
