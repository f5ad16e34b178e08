from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dukcapil.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"
