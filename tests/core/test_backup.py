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


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_rows_and_files(tmp_path, private_media, doc_type, desa_a, settings):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:", ":memory:")):
        # pytest-django's in-memory SQLite cannot be reopened by name; use a file database for this test
        pytest.skip("in-memory SQLite test database; covered by the file-database and PostgreSQL runs")
    _roundtrip(tmp_path, private_media, doc_type, desa_a)


@pytest.mark.django_db
def test_tampered_archive_is_refused_and_nothing_changes(tmp_path, private_media, doc_type, desa_a):
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
