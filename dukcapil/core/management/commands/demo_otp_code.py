"""Print the current 2FA code of a demo account, so `make run` users can pass the second step."""

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django_otp.oath import totp

from dukcapil.accounts.models import User
from dukcapil.accounts.two_factor import totp_device_confirmed
from dukcapil.core import demo


class Command(BaseCommand):
    help = (
        "Tampilkan kode verifikasi dua langkah yang berlaku sekarang untuk akun demo (admin, kadis, "
        "kabid.dafduk, kabid.capil). Hanya untuk akun dengan kunci demo; ditolak bila DJANGO_DEBUG "
        "tidak aktif kecuali dengan --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--force", action="store_true", help="Jalankan walau DJANGO_DEBUG tidak aktif (server demo)."
        )

    def handle(self, *args, username: str, force: bool = False, **options):
        """Steps: refuse outside development unless forced; refuse users that are not demo accounts or
        whose device no longer has the public demo key (re-enrolled, reset); print the code."""
        if not settings.DEBUG and not force:
            raise CommandError(
                "Perintah ini hanya untuk pengembangan (DJANGO_DEBUG=true) atau dengan --force."
            )
        demo_key = demo.DEMO_OTP_KEYS.get(username)
        if demo_key is None:
            raise CommandError(
                f"{username} bukan akun demo dengan verifikasi dua langkah "
                f"({', '.join(demo.DEMO_OTP_USERNAMES)})."
            )
        user = User.objects.filter(username=username).first()
        device = totp_device_confirmed(user=user) if user is not None else None
        if device is None or device.key != demo_key:
            raise CommandError(f"{username} tidak memakai kunci demo; jalankan `manage.py seed_demo` dulu.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
