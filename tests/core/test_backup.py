"""Backup and restore of the database and the private attachment store."""

import tarfile

import pytest
from django.core.management import call_command
from django.db import connection

from applications.models import Application
from tests import factories as f


def _roundtrip(tmp_path, private_media, doc_type, desa_a):
    keep = f.ApplicationFactory(document_type=doc_type, desa=desa_a, applicant_name="Siti Aminah")
    attachment = f.AttachmentFactory(application=keep)
    stored = private_media / attachment.file.name
    assert stored.exists()
    call_command("backup", output=str(tmp_path / "bk"))
    archive = next((tmp_path / "bk").glob("*.tar.gz"))
    # disaster: rows changed and deleted, the file gone
    Application.objects.filter(pk=keep.pk).update(applicant_name="Rusak")
    f.ApplicationFactory(document_type=doc_type, desa=desa_a, applicant_name="Sesudah cadangan")
    stored.unlink()
    call_command("restore", str(archive), yes=True)
    assert list(Application.objects.values_list("applicant_name", flat=True)) == ["Siti Aminah"]
    assert stored.read_bytes() == b"%PDF-1.4 test"
    return archive


def _skip_on_in_memory_sqlite():
    if connection.vendor == "sqlite":
        # the test's own open transaction locks the SQLite test database against the backup's
        # reader; the PostgreSQL pass runs these, and test_sqlite_file_database_roundtrip covers SQLite
        pytest.skip("backup tests run on PostgreSQL; SQLite is covered by the file-database round trip")


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_rows_and_files(tmp_path, private_media, doc_type, desa_a, settings):
    _skip_on_in_memory_sqlite()
    _roundtrip(tmp_path, private_media, doc_type, desa_a)


@pytest.mark.django_db
def test_tampered_archive_is_refused_and_nothing_changes(tmp_path, private_media, doc_type, desa_a):
    _skip_on_in_memory_sqlite()
    f.ApplicationFactory(document_type=doc_type, desa=desa_a)
    call_command("backup", output=str(tmp_path / "bk"))
    archive = next((tmp_path / "bk").glob("*.tar.gz"))
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member) if member.isfile() else None
            if member.name == "database.dump":
                import io

                payload = data.read() + b"tampered"
                member.size = len(payload)
                dst.addfile(member, io.BytesIO(payload))
            else:
                dst.addfile(member, data)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(bad), yes=True)
    assert Application.objects.count() == 1


def test_sqlite_file_database_roundtrip(tmp_path):
    """The SQLite path (the `make run` default) on a real file, outside the test database."""
    import json
    import subprocess
    import sys

    env_db = tmp_path / "office.sqlite3"
    media = tmp_path / "media"
    env = {
        **__import__("os").environ,
        "DJANGO_SETTINGS_MODULE": "dukcapil.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{env_db}",
        "PRIVATE_MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    run = lambda *a: subprocess.run([*manage, *a], env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run("migrate", "-v0")
    run(
        "shell",
        "-c",
        "from dukcapil.core.models import Counter; Counter.objects.create(name='x', year=2026, value=7)",
    )
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "a.jpg").write_bytes(b"photo")
    out = run("backup", "--output", str(tmp_path / "bk")).stdout
    assert "Cadangan dibuat" in out
    archive = next((tmp_path / "bk").glob("*.tar.gz"))
    run("shell", "-c", "from dukcapil.core.models import Counter; Counter.objects.update(value=99)")
    (media / "attachments" / "a.jpg").unlink()
    run("restore", str(archive), "--yes")
    value = (
        run("shell", "-c", "from dukcapil.core.models import Counter; print(Counter.objects.get().value)")
        .stdout.strip()
        .splitlines()[-1]
    )
    assert value == "7"
    assert (media / "attachments" / "a.jpg").read_bytes() == b"photo"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["engine"] == "sqlite" and "media/attachments/a.jpg" in manifest["files"]
