"""Back up and restore the database and the private attachment store as one archive.

The archive (`.tar.gz`) holds `database.dump` (PostgreSQL: `pg_dump --format=custom`; SQLite: a
consistent copy made with SQLite's online backup API), `media/` (the private attachment store) and
`manifest.json` (when, which engine, a SHA-256 of every file). Restore checks every checksum
before it touches anything, then replaces the database and the media folder.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupReport:
    path: Path
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: dict) -> tuple[list[str], dict]:
    args = [
        "--host",
        db.get("HOST") or "127.0.0.1",
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        db.get("USER") or "postgres",
    ]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _dump_database(target: Path, alias: str = "default") -> str:
    connection = connections[alias]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _pg_env(db)
        subprocess.run(
            ["pg_dump", *args, "--format=custom", "--no-owner", "--file", str(target), db["NAME"]],
            check=True,
            env=env,
        )
    elif connection.vendor == "sqlite":
        # through Django's own connection: also right for a shared in-memory database
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        with dest:
            connection.connection.backup(dest)
        dest.close()
    else:
        raise BackupError(f"unsupported database engine: {connection.vendor}")
    return connection.vendor


def backup_create(*, output_dir: Path, alias: str = "default") -> BackupReport:
    media_root = Path(settings.PRIVATE_MEDIA_ROOT)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    archive = output_dir / f"dukcapil-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        engine = _dump_database(tmp_path / "database.dump", alias)
        files = {"database.dump": _sha256(tmp_path / "database.dump")}
        if media_root.exists():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                files[f"media/{path.relative_to(media_root).as_posix()}"] = _sha256(path)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "files": files,
        }
        (tmp_path / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmp_path / "manifest.json", arcname="manifest.json")
            tar.add(tmp_path / "database.dump", arcname="database.dump")
            if media_root.exists():
                tar.add(media_root, arcname="media")
        partial.rename(archive)  # a crash mid-way never leaves a half archive under the final name
    return BackupReport(path=archive, files=len(files), bytes=archive.stat().st_size)


def backup_restore(*, archive: Path, alias: str = "default") -> dict:
    """Verify the archive, then replace the database and the private media with its contents."""
    media_root = Path(settings.PRIVATE_MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp_path, filter="data")  # refuses absolute paths and ../ members
        manifest = json.loads((tmp_path / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("unknown backup format")
        for name, digest in manifest["files"].items():
            path = tmp_path / name
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(f"checksum mismatch or missing file: {name}")
        connection = connections[alias]
        if manifest["engine"] != connection.vendor:
            raise BackupError(f"backup is for {manifest['engine']}, this database is {connection.vendor}")
        db = connection.settings_dict
        connection.close()
        if connection.vendor == "postgresql":
            args, env = _pg_env(db)
            subprocess.run(
                [
                    "pg_restore",
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    db["NAME"],
                    str(tmp_path / "database.dump"),
                ],
                check=True,
                env=env,
            )
        else:
            source = sqlite3.connect(tmp_path / "database.dump")
            dest = sqlite3.connect(db["NAME"])
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        restored_media = tmp_path / "media"
        if media_root.exists():
            shutil.rmtree(media_root)
        if restored_media.exists():
            shutil.copytree(restored_media, media_root)
        else:
            media_root.mkdir(parents=True, exist_ok=True)
    return manifest
