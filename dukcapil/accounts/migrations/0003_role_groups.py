"""Create one group per role with its permissions (frozen here, as a migration must be)."""

from django.db import migrations

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


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, model_perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = []
        for model_label, actions in model_perms.items():
            app_label, model = model_label.split(".")
            for action in actions:
                perms.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                )
        group.permissions.set(perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("applications", "0002_initial"),
        ("routing", "0001_initial"),
        ("notifications", "0001_initial"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
