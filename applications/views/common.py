"""Role gates shared by the workspace views. Object access is decided by the selectors (404)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from dukcapil.accounts.models import User

# who may open the queue and application pages: the office (kepala dinas reads, the others act too)
WORKSPACE_ROLES = frozenset(
    {User.Role.PETUGAS, User.Role.KEPALA_BIDANG, User.Role.KEPALA_DINAS, User.Role.ADMIN}
)
# who registers submissions: the people behind the published numbers and their section heads
INTAKE_ROLES = frozenset({User.Role.PETUGAS, User.Role.KEPALA_BIDANG})
# who sees the full NIK without asking: section heads settle duplicates and data disputes, the admin
# corrects records; everyone else sees it masked (officers may reveal it, audited, to key it into SIAK)
FULL_NIK_ROLES = frozenset({User.Role.KEPALA_BIDANG, User.Role.ADMIN})


def role_required(roles):
    """Login first (anonymous → login page), then the role (others → 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if user.role not in roles and not user.is_superuser:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


workspace_required = role_required(WORKSPACE_ROLES)
intake_required = role_required(INTAKE_ROLES)
