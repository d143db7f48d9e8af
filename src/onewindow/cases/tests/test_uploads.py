"""Uploaded scans are accepted by what the file is (PDF, JPEG, PNG), never by its name; a refused
file leaves nothing behind — no row, no file on disk, no event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from onewindow.cases import services, uploads
from onewindow.cases.models import Case, CaseEvent, CaseFile
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.online_helpers import (
    ELF,
    EXE,
    HTML,
    PDF,
    jpeg,
    png,
    upload,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department, name="食品经营许可")


@pytest.fixture
def case(setup: Setup, hall: Any, clerk: Any) -> Case:
    return services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
    )


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "cases"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the checks themselves -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("申请表.pdf", PDF, "application/pdf", ".pdf"),
        ("身份证.jpg", jpeg(), "image/jpeg", ".jpg"),
        ("营业执照.png", png(), "image/png", ".png"),
        # The name does not matter: a PNG called .pdf is a PNG.
        ("扫描.pdf", png(), "image/png", ".png"),
        ("photo", jpeg(), "image/jpeg", ".jpg"),
    ],
)
def test_real_pdf_jpeg_and_png_are_accepted_by_content(
    name: str, content: bytes, content_type: str, extension: str
):
    checked = uploads.check_upload(upload(name, content, "application/octet-stream"))
    assert checked.content_type == content_type
    assert checked.extension == extension
    assert checked.size == len(content)
    assert checked.original_name == name
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("申请表.pdf", EXE, "程序"),
        ("身份证.jpg", EXE, "程序"),
        ("scan.png", ELF, "程序"),
        ("申请表.pdf", HTML, "只能上传 PDF、JPG 或 PNG"),
        ("材料.pdf", zip_bytes(), "压缩包"),
        ("材料.pdf", b"", "文件是空的"),
        ("申请表.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "PDF 文件已损坏"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "图片已损坏"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片已损坏"),
    ],
    ids=[
        "exe-as-pdf",
        "exe-as-jpg",
        "elf",
        "html",
        "zip",
        "empty",
        "pdf-no-eof",
        "jpeg-junk",
        "png-junk",
    ],
)
def test_other_files_are_refused_with_a_clear_message(name: str, content: bytes, words: str):
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.check_upload(upload(name, content))
    assert words in refused.value.message


def test_a_file_over_the_limit_is_refused_before_it_is_read(settings: Any):
    settings.ONEWINDOW_CASE_FILE_MAX_MB = 1
    big = PDF[:-7] + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.check_upload(upload("大.pdf", big))
    assert refused.value.code == "too_large" and "1 MB" in refused.value.message


def test_the_uploader_s_file_name_is_cleaned():
    checked = uploads.check_upload(upload("C:\\扫描\\..\\申请\x00表.pdf", PDF))
    assert checked.original_name == "申请表.pdf"


# --- attaching a file to a case ------------------------------------------------------------------


def test_a_clerk_attaches_a_scan(case: Case, clerk: Any, settings: Any):
    case_file = services.attach_file(
        case=case, material_code="M01", upload=upload("申请表.pdf", PDF), actor=clerk
    )
    assert case_file.material.code == "M01" and case_file.uploaded_by == clerk
    assert case_file.content_type == "application/pdf" and case_file.size == len(PDF)
    assert case_file.file.name.startswith("cases/files/")
    assert case_file.file.name.endswith(".pdf") and case_file.sha256 in case_file.file.name
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / case_file.file.name]
    event = CaseEvent.objects.get(case=case, action="case.file.attached")
    assert event.data["material"] == "M01" and event.actor == clerk


@pytest.mark.parametrize(
    "content", [EXE, HTML, zip_bytes(), b""], ids=["exe", "html", "zip", "empty"]
)
def test_a_refused_file_leaves_nothing(case: Case, clerk: Any, settings: Any, content: bytes):
    with pytest.raises(services.CaseError) as refused:
        services.attach_file(
            case=case, material_code="M01", upload=upload("申请表.pdf", content), actor=clerk
        )
    assert refused.value.field == "file"
    assert not CaseFile.objects.exists()
    assert stored_files(settings) == []
    assert not CaseEvent.objects.filter(action="case.file.attached").exists()


def test_an_oversized_file_leaves_nothing(case: Case, clerk: Any, settings: Any):
    settings.ONEWINDOW_CASE_FILE_MAX_MB = 1
    big = png() + b"\x00" * (1024 * 1024)
    with pytest.raises(services.CaseError) as refused:
        services.attach_file(
            case=case, material_code="M01", upload=upload("大.png", big), actor=clerk
        )
    assert "超过 1 MB" in refused.value.message
    assert not CaseFile.objects.exists() and stored_files(settings) == []


def test_a_failure_after_the_file_was_written_removes_it(
    case: Case, clerk: Any, settings: Any, monkeypatch: Any
):
    def broken(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(CaseFile, "save", broken)
    with pytest.raises(RuntimeError):
        services.attach_file(
            case=case, material_code="M01", upload=upload("申请表.pdf", PDF), actor=clerk
        )
    assert stored_files(settings) == []


def test_the_same_file_twice_and_unknown_materials_are_refused(case: Case, clerk: Any):
    services.attach_file(case=case, material_code="M01", upload=upload("a.pdf", PDF), actor=clerk)
    with pytest.raises(services.CaseError) as twice:
        services.attach_file(
            case=case, material_code="M01", upload=upload("b.pdf", PDF), actor=clerk
        )
    assert twice.value.code == "duplicate"
    with pytest.raises(services.CaseError) as unknown:
        services.attach_file(
            case=case, material_code="M99", upload=upload("c.png", png()), actor=clerk
        )
    assert unknown.value.code == "not_found"
    assert CaseFile.objects.count() == 1


def test_only_staff_of_the_hall_and_only_while_receiving(
    case: Case, make_user: Any, other_hall: Any, clerk: Any
):
    stranger = make_user("clerk", hall=other_hall)
    with pytest.raises(services.CaseError) as other:
        services.attach_file(
            case=case, material_code="M01", upload=upload("a.pdf", PDF), actor=stranger
        )
    assert other.value.code == "other_hall"
    # The applicant cannot add files to a case received at a window.
    with pytest.raises(services.CaseError) as applicant:
        services.attach_file(
            case=case, material_code="M01", upload=upload("a.pdf", PDF), actor=None
        )
    assert applicant.value.code == "transition"
    for code in ("M01", "M02"):
        services.check_material(
            case=case, code=code, check=services.MaterialCheck(state="received"), actor=clerk
        )
    services.accept_case(case=case, actor=clerk)
    with pytest.raises(services.CaseError) as accepted:
        services.attach_file(
            case=case, material_code="M01", upload=upload("a.pdf", PDF), actor=clerk
        )
    assert accepted.value.code == "transition"
    assert not CaseFile.objects.exists()


# --- the clerk's intake page --------------------------------------------------------------------


def test_the_intake_page_uploads_and_lists_files(case: Case, clerk: Any, client_for: Any):
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    response = client.post(
        url, {"action": "upload", "code": "M01", "file": upload("申请表.jpg", EXE, "image/jpeg")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "这个文件是程序" in page
    assert not CaseFile.objects.exists()
    response = client.post(
        url, {"action": "upload", "code": "M01", "file": upload("申请表.pdf", PDF)}
    )
    assert response.status_code == 302
    case_file = CaseFile.objects.get()
    page = client.get(url).content.decode()
    assert reverse("cases:file", args=[case_file.pk]) in page and "申请表.pdf" in page


def test_django_s_own_limits_do_not_answer_first(case: Case, clerk: Any, client_for: Any):
    # 10 MB and one byte, at the default limit: our message, not a bare 400/413 from Django.
    big = PDF[:-7] + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    response = client_for(clerk).post(
        reverse("cases:intake-case", args=[case.number]),
        {"action": "upload", "code": "M01", "file": upload("大.pdf", big)},
    )
    assert response.status_code == 400
    assert "文件超过 10 MB" in response.content.decode()
    assert not CaseFile.objects.exists()
