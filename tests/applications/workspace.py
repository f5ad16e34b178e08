"""Helpers shared by the officer-workspace tests (intake, queue, application page, attachments, access)."""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from applications.models import Application, RequirementCheck
from tests import factories as f


def jpeg_bytes(size=(900, 600), colour=(40, 120, 160), text: str = "KK") -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, 80), fill=(250, 250, 250))
    draw.text((30, 40), text, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def jpeg_upload(name: str = "foto_kk.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def stored_files(root: Path) -> list[Path]:
    """Every file under the private media folder (what an attacker could leave behind)."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def intake_data(doc_type, desa, **overrides) -> dict:
    data = {
        "applicant_name": "Siti Aminah",
        "nik": f.make_nik(female=True, serial=17),
        "no_kk": f.make_no_kk(serial=33),
        "whatsapp": "0812-3456-7890",
        "desa": str(desa.pk),
        "document_type": str(doc_type.pk),
        "urgency": Application.Urgency.NONE,
        "urgency_reason": "",
        "delivery_method": Application.Delivery.VIA_PEMDES,
    }
    data.update(overrides)
    return data


def application_with_checks(doc_type, **kwargs) -> Application:
    """An application as intake leaves it: one pending check per requirement of its type."""
    app = f.ApplicationFactory(document_type=doc_type, **kwargs)
    for req in doc_type.requirements.all():
        RequirementCheck.objects.create(application=app, requirement=req)
    return app


def page_queries(captured) -> list[str]:
    """The queries a page itself makes: session bookkeeping (read, save on every request, savepoints)
    belongs to the session middleware and is left out so the pin is about the page."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
