from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dukcapil.core"
    label = "core"
    verbose_name = "Inti: audit, nomor urut, pekerjaan latar"
