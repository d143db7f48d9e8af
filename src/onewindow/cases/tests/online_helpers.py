"""Builders for the upload and online-channel tests: real tiny files and an online item."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onewindow.cases.tests.factories import Setup, make_case_item
from onewindow.catalog.models import Department

# A complete one-page PDF (header, catalogue, page, trailer, %%EOF).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt: str, colour: str = "white", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def jpeg(colour: str = "white") -> bytes:
    return image_bytes("JPEG", colour)


def png(colour: str = "white") -> bytes:
    return image_bytes("PNG", colour)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scan.pdf", PDF)
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_online_item(department: Department, **fields: Any) -> Setup:
    """An item applicants may apply for online (fully online unless told otherwise)."""
    fields.setdefault("name", "食品经营许可（新办）")
    fields.setdefault("online_depth", "4")
    fields.setdefault("max_visits", 0)
    fields.setdefault("result_type", "certificate")
    return make_case_item(department, **fields)
