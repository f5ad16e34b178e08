"""Admin tests: the admin at /kelola/ keeps the product's rules (access, workflow, speed).

Helpers shared by the test files of this folder.
"""

from django.urls import reverse


def make_staff(user):
    """Office accounts get the admin through `is_staff` (the lead's demo data sets it per role)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def run_action(client, model, action: str, objects, **data):
    """POST an admin action on `objects` from the changelist (first round, or with confirm="yes")."""
    payload = {"action": action, "_selected_action": [str(o.pk) for o in objects], **data}
    return client.post(changelist_url(model), payload)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]
