from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on the page it works from; the home page links to it with a short summary."""
    user: User = request.user
    template = {
        User.Role.PETUGAS: "home/petugas.html",
        User.Role.KEPALA_BIDANG: "home/kepala_bidang.html",
        User.Role.KEPALA_DINAS: "home/kepala_bidang.html",
        User.Role.PEMDES: "home/pemdes.html",
        User.Role.ADMIN: "home/admin.html",
    }.get(user.role, "home/petugas.html")
    return render(request, template, {"summary": _summary_for(user)})


def _summary_for(user: User) -> dict:
    from applications.selectors import home_summary

    return home_summary(user=user)
