"""The Pemdes portal: the documents Disdukcapil sends to a desa, as its operator sees them.

The home page puts first what needs the operator, on a phone as on a PC: batches on their way
(to check and confirm), batches at the desa, the documents waiting too long and the latest
finished batches. The last two grow with the desa's history, so the home page shows their first
rows and links to the full lists, which are paged. The batch pages themselves are in
views_delivery (the office opens them too).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET

from dukcapil.accounts.models import User

from . import delivery_selectors as sel
from .models import BatchItem, DeliveryBatch

# on the home page: the oldest documents waiting too long, and the latest finished batches
HOME_OVERDUE = 10
HOME_HISTORY = 5
OVERDUE_PER_PAGE = 25
HISTORY_PER_PAGE = 20


def _require_pemdes(user: User) -> None:
    if user.role != User.Role.PEMDES or not user.desa_id:
        raise PermissionDenied


def _url_format(name: str, arity: int) -> str:
    """The URL of `name` with its integer arguments left as {0}, {1}…, to fill in per row.

    One reverse() for a whole list instead of one per row and link: a reverse() costs tens of
    microseconds and a page of the portal has up to ~70 row links (the arguments are ints, so
    filling them in needs no escaping).
    """
    marks = [str(987_654_320 + i) for i in range(arity)]
    url = reverse(name, args=marks)
    for i, mark in enumerate(marks):
        url = url.replace(mark, f"{{{i}}}")
    return url


def _portal_rows(batches: list[DeliveryBatch], overdue: list[BatchItem]) -> None:
    """Give the portal's rows their links and the overdue rows their "at the desa since" label.

    The links are formatted from one reverse() per name (see _url_format) and the date label is
    made once per batch, not once per row (the overdue items of one batch share it); per row,
    these were most of the page's render time.
    """
    detail = _url_format("routing:batch_detail", 1)
    for batch in batches:
        batch.url = detail.format(batch.pk)
    hand_over = _url_format("routing:batch_hand_over_item", 2)
    give_back = _url_format("routing:batch_return_item", 2)
    since: dict[int, str] = {}
    for item in overdue:
        item.hand_over_url = hand_over.format(item.batch_id, item.pk)
        item.return_url = give_back.format(item.batch_id, item.pk)
        if item.batch_id not in since:
            received = item.batch.received_at
            day = formats.date_format(timezone.localtime(received), "j M Y")
            since[item.batch_id] = f"{day} ({timesince(received)})"
        item.since = since[item.batch_id]


@login_required
@require_GET
def pemdes_home(request: HttpRequest) -> HttpResponse:
    """Queries: session, user; overdue items, incoming, at the desa, history (one each, the last two
    read one row more than they show to know whether to link to the full list); desa and kecamatan."""
    _require_pemdes(request.user)
    portal = sel.pemdes_portal(request.user)
    overdue = list(portal.pop("overdue")[: HOME_OVERDUE + 1])
    history = list(portal.pop("history")[: HOME_HISTORY + 1])
    incoming, at_desa = list(portal.pop("incoming")), list(portal.pop("at_desa"))
    _portal_rows([*incoming, *at_desa, *history[:HOME_HISTORY]], overdue[:HOME_OVERDUE])
    return render(
        request,
        "routing/delivery/pemdes_home.html",
        {
            **portal,
            "incoming": incoming,
            "at_desa": at_desa,
            "overdue": overdue[:HOME_OVERDUE],
            "overdue_more": len(overdue) > HOME_OVERDUE,
            "history": history[:HOME_HISTORY],
            "history_more": len(history) > HOME_HISTORY,
            "desa": request.user.desa,
        },
    )


@login_required
@require_GET
def pemdes_overdue(request: HttpRequest) -> HttpResponse:
    """Every document waiting at the desa too long, the oldest first, a page at a time."""
    _require_pemdes(request.user)
    page = Paginator(sel.pemdes_overdue_items(request.user), OVERDUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    _portal_rows([], page.object_list)
    return render(
        request,
        "routing/delivery/pemdes_overdue.html",
        {"page": page, "waiting_days": sel.waiting_days_limit(), "desa": request.user.desa},
    )


@login_required
@require_GET
def pemdes_history(request: HttpRequest) -> HttpResponse:
    """The desa's finished batches, the latest first, a page at a time."""
    _require_pemdes(request.user)
    page = Paginator(sel.pemdes_history(request.user), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _portal_rows(page.object_list, [])
    return render(request, "routing/delivery/pemdes_history.html", {"page": page, "desa": request.user.desa})
