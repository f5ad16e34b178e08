from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dukcapil.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from .models import User
        from .sessions import end_sessions_of_deactivated, mark_login_time

        user_logged_in.connect(mark_login_time, dispatch_uid="accounts_mark_login_time")
        # deactivation can come from the admin, a service or the shell: all of them save the user
        post_save.connect(end_sessions_of_deactivated, sender=User, dispatch_uid="accounts_end_sessions")
