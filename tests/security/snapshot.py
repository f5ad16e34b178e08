"""A fingerprint of every table, to prove a request changed nothing.

Every model's rows are read in primary-key order and hashed, so a created, updated or deleted row
shows up whatever field it touched. Left out: what a request is allowed to write on the side
(sessions, the audit trail, django-axes' access logs).
"""

import hashlib

from django.apps import apps

# tables a request may write without changing the office's data
ALLOWED = {
    "sessions.session",
    "core.auditentry",
    "axes.accesslog",
    "axes.accessattempt",
    "axes.accessfailurelog",
}

# fields a GET may fill in: the manifest PDF is rendered on first download and kept (a cache of a
# render of the batch's current version; the batch itself does not change)
ALLOWED_FIELDS = {"routing.deliverybatch": {"pdf", "pdf_version"}}


def snapshot() -> dict[str, str]:
    """model label → hash of its rows."""
    result = {}
    for model in apps.get_models():
        if model._meta.label_lower in ALLOWED or not model._meta.managed:
            continue
        skip = ALLOWED_FIELDS.get(model._meta.label_lower, set())
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        rows = model._default_manager.order_by("pk").values_list(*fields)
        result[model._meta.label_lower] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return result


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
