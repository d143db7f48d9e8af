"""Scans and photos of a case's materials, accepted by what the file *is*, never by its name.

Only PDF, JPEG and PNG are accepted. The type is read from the content: a PDF starts with
``%PDF-`` and carries an ``%%EOF`` marker; an image must open and verify with Pillow as the
format its first bytes claim. The uploader's file name and the browser's content type are
ignored (a program renamed ``.pdf`` is still a program). Files larger than
``settings.ONEWINDOW_CASE_FILE_MAX_MB`` are refused before they are read.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# More pixels than any A4 scan at 600 dpi (about 35 million): a bigger image is a trap.
MAX_IMAGE_PIXELS = 60_000_000
MAX_NAME_CHARS = 200


class UploadRejected(Exception):
    """The file cannot be accepted; `message` tells the uploader what to do."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, with what it really is."""

    content: bytes
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str


# (first bytes, what it is) of formats people upload by mistake or on purpose, to say so.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "program"),  # Windows .exe / .dll
    (b"\x7fELF", "program"),  # Linux
    (b"\xcf\xfa\xed\xfe", "program"),  # macOS Mach-O
    (b"#!", "program"),  # scripts
    (b"PK\x03\x04", "archive"),  # ZIP, and Word/Excel files (which are ZIPs)
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
    (b"\xd0\xcf\x11\xe0", "office"),  # old .doc / .xls
)


def max_bytes() -> int:
    return int(settings.ONEWINDOW_CASE_FILE_MAX_MB) * 1024 * 1024


def clean_name(name: str) -> str:
    """The uploader's file name as shown to staff: no folders, no control characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:MAX_NAME_CHARS] or "file"


def _not_accepted() -> UploadRejected:
    return UploadRejected(
        _("Only PDF, JPG and PNG files can be uploaded. Scan or photograph the document again."),
        code="type",
    )


def _check_image(content: bytes, expected: str) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected:
                    raise _not_accepted()
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UploadRejected(
                        _("The picture is too large. Take the photo at a lower resolution."),
                        code="pixels",
                    )
                image.verify()
    except UploadRejected:
        raise
    except Exception:  # Pillow raises many kinds for damaged or forged files
        raise UploadRejected(
            _("The picture is damaged or incomplete. Take or save it again."), code="damaged"
        ) from None


def detect(content: bytes) -> tuple[str, str]:
    """(content type, extension) of an accepted file; raises UploadRejected otherwise."""
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content:
            raise UploadRejected(
                _("The PDF file is damaged or incomplete. Save or scan it again."), code="damaged"
            )
        return "application/pdf", ".pdf"
    if content.startswith(b"\xff\xd8\xff"):
        _check_image(content, "JPEG")
        return "image/jpeg", ".jpg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(content, "PNG")
        return "image/png", ".png"
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            if kind == "program":
                raise UploadRejected(
                    _(
                        "This file is a program, not a scan. Only PDF, JPG and PNG files can be "
                        "uploaded."
                    ),
                    code="program",
                )
            if kind == "archive":
                raise UploadRejected(
                    _(
                        "Compressed folders and Word or Excel files cannot be uploaded. Save each "
                        "document as PDF, or upload a photo (JPG or PNG)."
                    ),
                    code="archive",
                )
            if kind == "office":
                raise UploadRejected(
                    _(
                        "Word or Excel files cannot be uploaded. Save the document as PDF, or "
                        "upload a photo (JPG or PNG)."
                    ),
                    code="office",
                )
    raise _not_accepted()


def check_upload(upload: Any) -> CheckedFile:
    """Check one uploaded file (a Django UploadedFile); raises UploadRejected with the reason."""
    if upload is None:
        raise UploadRejected(_("Choose a file to upload."), code="required")
    limit = max_bytes()
    size = int(getattr(upload, "size", 0) or 0)
    if size > limit:
        raise UploadRejected(
            _(
                "The file is larger than %(mb)s MB. Scan at a lower resolution (150–300 dpi) or "
                "split it into several files."
            )
            % {"mb": settings.ONEWINDOW_CASE_FILE_MAX_MB},
            code="too_large",
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if not content:
        raise UploadRejected(_("The file is empty. Choose the file again."), code="empty")
    if len(content) > limit:  # the declared size was wrong
        raise UploadRejected(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.ONEWINDOW_CASE_FILE_MAX_MB},
            code="too_large",
        )
    content_type, extension = detect(content)
    return CheckedFile(
        content=content,
        original_name=clean_name(getattr(upload, "name", "")),
        content_type=content_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
