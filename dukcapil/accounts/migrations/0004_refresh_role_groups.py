"""Re-apply the role groups' permissions: the Admin group may view requirement checks and attachments."""

from django.db import migrations


def refresh(apps, schema_editor):
    from dukcapil.accounts.roles import groups_ensure

    groups_ensure(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_role_groups")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
