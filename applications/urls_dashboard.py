"""URLs of the dashboard and the public tracking page, appended to the `applications` namespace."""

from django.urls import path

from . import views_dashboard as v

urlpatterns = [
    path("dasbor/", v.dashboard, name="dashboard"),
    path("dasbor/unduh/<slug:table>.xlsx", v.dashboard_xlsx, name="dashboard_xlsx"),
    path("lacak/", v.track, name="track"),
]
