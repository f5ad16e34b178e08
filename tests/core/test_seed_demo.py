"""seed_demo: accounts per role, applications in every status, safe to run twice, bulk mode."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory

from applications.models import Application, ApplicationEvent
from dukcapil.accounts.models import User
from dukcapil.core import demo
from routing.models import OfficerNumber

DEMO_USERNAMES = {
    "admin",
    "kadis",
    "kabid.dafduk",
    "kabid.capil",
    *(f"petugas{i}" for i in range(1, 7)),
    "pemdes1",
    "pemdes2",
}


@pytest.mark.django_db
def test_seed_demo_twice_creates_everything_once():
    call_command("seed_demo")
    first = {
        "users": User.objects.count(),
        "apps": Application.objects.count(),
        "events": ApplicationEvent.objects.count(),
        "numbers": OfficerNumber.objects.count(),
    }
    call_command("seed_demo")
    second = {
        "users": User.objects.count(),
        "apps": Application.objects.count(),
        "events": ApplicationEvent.objects.count(),
        "numbers": OfficerNumber.objects.count(),
    }
    assert first == second
    assert set(User.objects.values_list("username", flat=True)) == DEMO_USERNAMES
    assert first["apps"] == sum(n for _s, n in demo.SMALL_PLAN)
    # every planned status is present, each application has its history
    assert set(Application.objects.values_list("status", flat=True)) == {s for s, _n in demo.SMALL_PLAN}
    assert ApplicationEvent.objects.filter(action="create").count() == first["apps"]


@pytest.mark.django_db
def test_demo_accounts_have_their_roles_and_can_log_in():
    call_command("seed_demo")
    petugas = User.objects.filter(role="petugas")
    assert {u.bidang for u in petugas} == {"dafduk", "capil"}
    pemdes1, pemdes2 = User.objects.get(username="pemdes1"), User.objects.get(username="pemdes2")
    assert pemdes1.desa_id != pemdes2.desa_id
    for username in DEMO_USERNAMES:
        user = authenticate(
            RequestFactory().post("/akun/masuk/"), username=username, password=demo.DEMO_PASSWORD
        )
        assert user is not None, username
        assert user.groups.count() == 1


@pytest.mark.django_db
def test_bulk_seed_writes_consistent_rows():
    call_command("seed_demo")
    before = Application.objects.count()
    call_command("seed_demo", applications=3000)
    assert Application.objects.count() == before + 3000
    numbers = list(Application.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    # closed rows have a closing time, finished rows a ready time, nothing is closed before it began
    assert not Application.objects.filter(
        status__in=Application.CLOSED_STATUSES, closed_at__isnull=True
    ).exists()
    assert not Application.objects.filter(
        status__in=["ready", "in_delivery", "at_desa", "handed_over"], ready_at__isnull=True
    ).exists()
    assert not Application.objects.filter(ready_at__lt=F("created_at")).exists()
