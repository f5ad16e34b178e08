"""Which officer gets a new application. (Placeholder rule until the routing work lands.)"""

from dukcapil.accounts.models import User


def assignment_choose_officer(*, bidang: str, received_on=None, today=None) -> User | None:
    """The officer of the number it arrived on, else the first active petugas of the bidang."""
    if received_on is not None and received_on.officer.is_active:
        return received_on.officer
    return User.objects.filter(role=User.Role.PETUGAS, bidang=bidang, is_active=True).order_by("id").first()
