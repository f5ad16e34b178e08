"""Role ↔ group names and each group's permissions (created by migration 0003 and on demand)."""

from .models import User

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"

GROUP_PERMISSIONS = {
    "Petugas": {
        "applications.application": [VIEW, ADD, CHANGE],
        "applications.attachment": [VIEW, ADD],
        "applications.applicationevent": [VIEW],
        "applications.requirementcheck": [VIEW, ADD, CHANGE],
        "applications.documenttype": [VIEW],
        "applications.requirement": [VIEW],
        "routing.desa": [VIEW],
        "routing.kecamatan": [VIEW],
        "routing.officernumber": [VIEW],
        "routing.shiftassignment": [VIEW],
        "routing.recordingbooking": [VIEW, ADD],
        "routing.deliverybatch": [VIEW, ADD, CHANGE],
        "routing.batchitem": [VIEW, ADD, CHANGE],
        "notifications.outboxmessage": [VIEW],
        "notifications.inboundmessage": [VIEW, CHANGE],
    },
    "Kepala Bidang": {
        "applications.application": [VIEW, ADD, CHANGE],
        "applications.attachment": [VIEW, ADD],
        "applications.applicationevent": [VIEW],
        "applications.requirementcheck": [VIEW, ADD, CHANGE],
        "applications.documenttype": [VIEW],
        "applications.requirement": [VIEW],
        "routing.desa": [VIEW],
        "routing.kecamatan": [VIEW],
        "routing.officernumber": [VIEW],
        "routing.leave": [VIEW, ADD, CHANGE, DELETE],
        "routing.closedday": [VIEW],
        "routing.rota": [VIEW, ADD, CHANGE],
        "routing.shiftassignment": [VIEW, ADD, CHANGE],
        "routing.recordingday": [VIEW, ADD, CHANGE],
        "routing.recordingbooking": [VIEW, ADD, CHANGE],
        "routing.deliverybatch": [VIEW, ADD, CHANGE],
        "routing.batchitem": [VIEW, ADD, CHANGE],
        "notifications.outboxmessage": [VIEW],
    },
    "Kepala Dinas": {
        "applications.application": [VIEW],
        "applications.applicationevent": [VIEW],
        "applications.documenttype": [VIEW],
        "routing.desa": [VIEW],
        "routing.kecamatan": [VIEW],
        "routing.deliverybatch": [VIEW],
        "routing.rota": [VIEW],
    },
    "Operator Pemdes": {
        "routing.deliverybatch": [VIEW, CHANGE],
        "routing.batchitem": [VIEW, CHANGE],
    },
    "Admin": {
        "applications.servicecategory": [VIEW, ADD, CHANGE],
        "applications.documenttype": [VIEW, ADD, CHANGE],
        "applications.requirement": [VIEW, ADD, CHANGE, DELETE],
        "applications.application": [VIEW, CHANGE],
        "applications.applicationevent": [VIEW],
        "applications.requirementcheck": [VIEW],
        "applications.attachment": [VIEW],
        "routing.kecamatan": [VIEW, ADD, CHANGE],
        "routing.desa": [VIEW, ADD, CHANGE],
        "routing.officernumber": [VIEW, ADD, CHANGE],
        "routing.leave": [VIEW, ADD, CHANGE, DELETE],
        "routing.closedday": [VIEW, ADD, CHANGE, DELETE],
        "routing.rota": [VIEW, ADD, CHANGE],
        "routing.shiftassignment": [VIEW, CHANGE],
        "routing.recordingday": [VIEW, ADD, CHANGE],
        "routing.recordingbooking": [VIEW],
        "routing.deliverybatch": [VIEW],
        "routing.batchitem": [VIEW],
        "notifications.messagetemplate": [VIEW, ADD, CHANGE],
        "notifications.outboxmessage": [VIEW, CHANGE],
        "notifications.inboundmessage": [VIEW],
        "accounts.user": [VIEW, ADD, CHANGE],
        "core.auditentry": [VIEW],
    },
}


ROLE_GROUPS = {
    User.Role.PETUGAS: "Petugas",
    User.Role.KEPALA_BIDANG: "Kepala Bidang",
    User.Role.KEPALA_DINAS: "Kepala Dinas",
    User.Role.PEMDES: "Operator Pemdes",
    User.Role.ADMIN: "Admin",
}


def user_sync_role_group(*, user: User) -> None:
    """Keep exactly one role group on the user, matching `user.role`."""
    from django.contrib.auth.models import Group

    wanted = Group.objects.filter(name=ROLE_GROUPS[user.role]).first()
    if wanted is None:  # a flushed test database, or a group deleted by hand
        from django.contrib.auth.models import Permission

        groups_ensure(Group, Permission)
        wanted = Group.objects.get(name=ROLE_GROUPS[user.role])
    others = Group.objects.filter(name__in=ROLE_GROUPS.values()).exclude(pk=wanted.pk)
    user.groups.remove(*others)
    user.groups.add(wanted)


def groups_ensure(group_model, permission_model) -> None:
    """Create the role groups with exactly their permissions (models passed in, for migrations)."""
    for group_name, model_perms in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        perms = []
        for model_label, actions in model_perms.items():
            app_label, model = model_label.split(".")
            for action in actions:
                perms.append(
                    permission_model.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    )
                )
        group.permissions.set(perms)
