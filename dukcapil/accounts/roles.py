"""Role ↔ group names. The groups and their permissions are created by migration 0002."""

from .models import User

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

    wanted = Group.objects.get(name=ROLE_GROUPS[user.role])
    others = Group.objects.filter(name__in=ROLE_GROUPS.values()).exclude(pk=wanted.pk)
    user.groups.remove(*others)
    user.groups.add(wanted)
