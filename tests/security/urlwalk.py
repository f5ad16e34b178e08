"""Walk the whole URLconf (admin and i18n included) and fill in each pattern's arguments."""

import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or for an admin model URL "admin:<app>.<model>:<kind>"
    route: str  # the pattern text, e.g. "permohonan/<int:pk>/"
    params: tuple  # the names of its arguments

    @property
    def is_admin(self) -> bool:
        return self.key.startswith("admin:")


def _params(route: str) -> tuple:
    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", route)) + tuple(re.findall(r"\(\?P<(\w+)>", route))


# a registered model's admin URLs: kelola/<app>/<model>/[add/ | <id>/[history/|delete/|change/]]
_ADMIN_MODEL_URL = re.compile(
    r"^kelola/(?P<app>\w+)/(?P<model>\w+)/(?:(?P<add>add/)|<path:object_id>/(?:(?P<kind>history|delete|change)/)?)?$"
)
# their names (the "<id>/" redirect has none); keeps "password_change/done/" out
_ADMIN_MODEL_NAMES = ("_changelist", "_add", "_history", "_delete", "_change")


def _admin_model_key(text: str, name: str | None) -> str | None:
    """The key "admin:<app>.<model>:<kind>" for a model's admin URL, None for the site's own URLs."""
    match = _ADMIN_MODEL_URL.match(text)
    if match is None or (name and not name.endswith(_ADMIN_MODEL_NAMES)):
        return None
    if match["add"]:
        kind = "add"
    elif "<path:object_id>" in text:
        kind = match["kind"] or "redirect"
    else:
        kind = "changelist"
    return f"admin:{match['app']}.{match['model']}:{kind}"


def all_routes() -> list[Route]:
    """Every URL pattern, recursively; unnamed admin patterns get a key from their model."""
    routes = []

    def walk(patterns, prefix: str, namespace: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
                continue
            assert isinstance(p, URLPattern)
            text = prefix + str(p.pattern)
            admin_key = _admin_model_key(text, p.name) if namespace == "admin" else None
            if admin_key:
                key = admin_key
            elif p.name:
                key = f"{namespace}:{p.name}" if namespace else p.name
            else:
                key = f"{namespace}:{text}"
            routes.append(Route(key, text, _params(text)))

    walk(get_resolver().url_patterns, "", "")
    return routes


def _admin_object(route: Route, side, world):
    """An object of the route's admin model, taken from the side where possible."""
    label = route.key.split(":")[1]
    app_label, model_name = label.split(".")
    model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
    by_model = {
        "applications.application": side.application,
        "applications.attachment": side.attachment,
        "routing.deliverybatch": side.batch,
        "routing.batchitem": side.item,
        "routing.officernumber": side.number,
        "routing.rota": side.rota,
        "routing.recordingbooking": side.booking,
        "notifications.inboundmessage": side.inbound,
        "notifications.outboxmessage": side.outbox,
        "core.backgroundjob": side.job,
        "applications.requirementcheck": side.application.checks.first(),
        "applications.applicationevent": side.event,
        "accounts.user": side.officer,
        "routing.shiftassignment": side.shift,
        "routing.leave": side.leave,
    }
    obj = by_model.get(label)
    if obj is None:
        obj = model._default_manager.order_by("pk").first()
    return obj


def fill(route: Route, world, side, *, missing: bool = False) -> str:
    """The route's URL with arguments pointing at `side`'s objects (or at ids that do not exist)."""
    nope = 987654
    values = {}
    for name in route.params:
        if name == "pk":
            values[name] = nope if missing else _pk_for(route, side)
        elif name == "attachment_pk":
            values[name] = nope if missing else side.attachment.pk
        elif name == "item_pk":
            values[name] = nope if missing else side.item.pk
        elif name == "action":
            values[name] = "verify"
        elif name == "token":
            values[name] = "x" * 40 if missing else world.users["petugas"].ical_token
        elif name == "table":
            values[name] = "semua"
        elif name == "object_id":
            obj = _admin_object(route, side, world) if route.is_admin and "." in route.key else None
            values[name] = nope if (missing or obj is None) else obj.pk
        elif name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(side.application).pk
        elif name == "app_label":
            values[name] = "applications"
        elif name == "id":
            values[name] = nope if missing else side.officer.pk
        elif name == "url":
            values[name] = "tidak-ada/"
        else:
            raise AssertionError(f"no value for <{name}> in {route.route}: teach tests/security/urlwalk.py")
    if route.key == "admin:view_on_site":
        values["object_id"] = nope if missing else side.application.pk
    text = "/" + route.route
    text = re.sub(r"\^|\$", "", text)
    for name, value in values.items():
        text = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), text)
    return text


def _pk_for(route: Route, side) -> int:
    key = route.key
    if key.startswith("applications:") or key == "notifications:application_messages":
        return side.application.pk
    table = {
        "routing:batch_job": side.job,
        "routing:batch_job_status": side.job,
        "routing:batch_job_file": side.merge_job,
        "routing:number_edit": side.number,
        "routing:number_toggle": side.number,
        "notifications:inbound_media": side.media,
        "notifications:resend": side.outbox,
    }
    if key in table:
        return table[key].pk
    if key.startswith("routing:batch_"):
        return side.batch.pk
    if key.startswith("routing:rota_"):
        return side.rota.pk
    if key.startswith("routing:recording_"):
        return side.booking.pk
    if key.startswith("notifications:conversation"):
        return side.inbound.pk
    raise AssertionError(f"no object for <pk> in {route.route}: teach tests/security/urlwalk.py")
