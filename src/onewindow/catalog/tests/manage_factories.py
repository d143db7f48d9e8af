"""Small builders for the manager-page tests (test_manage_*.py)."""

from __future__ import annotations

import datetime
import io
import itertools
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.catalog.models import (
    DelegationAgreement,
    Department,
    Material,
    Scenario,
    ServiceItem,
)

_n = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def pdf_upload(name: str = "表格.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_item(department: Department, **fields: Any) -> ServiceItem:
    n = next(_n)
    fields.setdefault("name", f"测试事项{n}")
    fields.setdefault("implementation_code", f"11511301MB1550442U{n:06d}")
    fields.setdefault("item_type", "1")
    fields.setdefault("visit_reason", "核验原件")
    return ServiceItem.objects.create(department=department, **fields)


def make_scenario(item: ServiceItem, **fields: Any) -> Scenario:
    n = next(_n)
    fields.setdefault("code", f"S{n:02d}")
    fields.setdefault("name", f"情形{n}")
    return Scenario.objects.create(item=item, **fields)


def make_material(scenario: Scenario, **fields: Any) -> Material:
    n = next(_n)
    fields.setdefault("code", f"M{n:02d}")
    fields.setdefault("name", f"材料{n}")
    return Material.objects.create(scenario=scenario, **fields)


def make_agreement(
    department: Department, *, scan: bool = True, **fields: Any
) -> DelegationAgreement:
    n = next(_n)
    today = datetime.date.today()
    fields.setdefault("number", f"WT-{n:04d}")
    fields.setdefault("title", f"授权委托书{n}")
    fields.setdefault("delegate", "区政务服务中心综合受理窗口")
    fields.setdefault("scope", "收件、原件核验")
    fields.setdefault("signed_on", today - datetime.timedelta(days=30))
    fields.setdefault("valid_from", today - datetime.timedelta(days=30))
    agreement = DelegationAgreement(department=department, **fields)
    if scan:
        agreement.scan.save("scan.pdf", pdf_upload("scan.pdf"), save=False)
    agreement.save()
    return agreement


def management_data(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
