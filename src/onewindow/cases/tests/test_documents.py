"""A case's written documents: print pages, who may open them, archival PDFs, the worker, and
what the applicant may download from public tracking."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import threading
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.cases import documents, services, tracking
from onewindow.cases.models import ArchivedDocument, Case, CaseNotice, MaterialState
from onewindow.cases.services import MaterialCheck
from onewindow.cases.tests.factories import PERSON_ID, Setup, make_case_item, person
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import MONDAY, accepted_case
from onewindow.core.services import sync_calendar_from_library

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture
def setup(department: Any) -> Setup:
    department.name = "区市场监督管理局"
    department.save()
    return make_case_item(
        department,
        name="食品经营许可",
        result_type="certificate",
        result_name="食品经营许可证",
        implementing_body="示范区市场监督管理局",
    )


@pytest.fixture
def hall(hall: Any) -> Any:
    hall.address = "示范区人民路 1 号"
    hall.phone = "0571-12345"
    hall.save()
    return hall


def noticed(setup: Setup, hall: Any, clerk: Any) -> Case:
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
        now=at(MONDAY),
    )
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.WRONG, reason="申请表缺少申请人签名"),
        actor=clerk,
        now=at(MONDAY),
    )
    services.give_one_time_notice(case=case, actor=clerk, note="请带原件", now=at(MONDAY))
    case.refresh_from_db()
    return case


def delivered(setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any) -> Case:
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(TUESDAY))
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意", now=at(TUESDAY))
    services.issue_result(
        case=case,
        actor=certificate_clerk,
        number="JY13301100000123",
        valid_from=datetime.date(2026, 3, 3),
        valid_until=datetime.date(2031, 3, 2),
        now=at(TUESDAY, 15),
    )
    services.deliver_result(
        case=case,
        actor=certificate_clerk,
        mode="window",
        recipient_name="张三",
        recipient_id_number=PERSON_ID,
        now=at(TUESDAY, 16),
    )
    case.refresh_from_db()
    return case


def page(client: Client, case: Case, slug: str) -> str:
    response = client.get(reverse("cases:document", args=[case.number, slug]))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- what each document says --------------------------------------------------------------------


def test_the_one_time_notice_lists_everything_missing_numbered(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = noticed(setup, hall, clerk)
    notice = case.notices.get()
    html = page(client_for(clerk), case, notice.number)
    body = text(html)
    assert "<title>一次性告知书 " in html
    assert f"编号：{notice.number}" in body
    assert "张三：" in body
    assert "2026年3月2日申请办理的“食品经营许可（首次申请）”" in body
    assert "第三十二条第一款第（四）项" in body
    rows = re.findall(r'<tr data-line="(\d+)">(.*?)</tr>', html, re.S)
    assert [(n, text(cells).split()) for n, cells in rows] == [
        ("1", ["1", "申请表", "需补正", "申请表缺少申请人签名"]),
        ("2", ["2", "营业执照", "未提交", "缺少"]),
    ]
    assert "请带原件" in body
    assert "示范区市场监督管理局 2026年3月2日" in body  # issuer and date, bottom right
    assert "示范区人民路 1 号" in body and "0571-12345" in body
    assert (
        "window.print()" in html
        and reverse("cases:document-pdf", args=[case.number, notice.number]) in html
    )


def test_the_refusal_gives_the_reason_the_authority_and_the_remedy(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
        now=at(MONDAY),
    )
    notice = services.refuse_case(
        case=case,
        actor=clerk,
        reason="申请事项不属于本机关职权范围",
        go_to="市生态环境局",
        now=at(MONDAY, 11),
    )
    body = text(page(client_for(clerk), case, notice.number))
    assert "不予受理通知书" in body and f"编号：{notice.number}" in body
    assert "决定不予受理" in body and "申请事项不属于本机关职权范围" in body
    assert "请向有权机关申请：市生态环境局" in body
    assert "六十日内依法申请行政复议" in body and "六个月内依法向人民法院提起行政诉讼" in body


def test_the_acceptance_notice_and_receipt(
    setup: Setup, hall: Any, clerk: Any, client_for: Any, settings: Any
):
    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.example.gov.cn"
    case = accepted_case(setup, hall, clerk)
    notice = case.notices.get()
    html = page(client_for(clerk), case, notice.number)
    body = text(html)
    assert "受理通知书" in body and "受理回执" in body
    assert "决定予以受理" in body and "第三十二条第一款第（五）项" in body
    assert case.tracking_code in body and case.number in body
    assert f"{case.due_on.year}年{case.due_on.month}月{case.due_on.day}日" in body
    assert "5个工作日" in body
    assert "https://zwfw.example.gov.cn/track/" in body
    assert "<svg" in html and "data-qr" in html
    # The QR code leads to this case's public page.
    qr_link = documents.context(documents.find(case, notice.number))["qr"]
    assert qr_link.startswith("<svg")


def test_the_licence_and_the_delivery_receipt(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    certificate_clerk: Any,
    client_for: Any,
):
    case = delivered(setup, hall, clerk, reviewer, certificate_clerk)
    client = client_for(certificate_clerk)
    licence = text(page(client, case, "result"))
    assert "食品经营许可证" in licence and "编号：JY13301100000123" in licence
    assert "2026年3月3日至2031年3月2日" in licence
    assert "发证机关 示范区市场监督管理局" in licence
    assert "110105********002X" in licence and PERSON_ID not in licence
    receipt = text(page(client, case, "delivery"))
    assert "送达回证" in receipt and f"编号：SD{case.number}" in receipt
    assert "食品经营许可证" in receipt and "JY13301100000123" in receipt
    assert "直接送达（窗口领取）" in receipt
    assert "2026年3月3日 16时00分" in receipt
    assert "受送达人签名或盖章" in receipt and certificate_clerk.display_name in receipt


def test_an_approval_letter_when_the_result_is_not_a_certificate(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any, client_for: Any
):
    setup.item.result_type = "approval"
    setup.item.save()
    case = accepted_case(setup, hall, clerk)  # the version it pins freezes the result type
    services.claim_case(case=case, actor=reviewer, now=at(TUESDAY))
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意", now=at(TUESDAY))
    services.issue_result(
        case=case, actor=certificate_clerk, number="PW-2026-3", name="准予行政许可决定书"
    )
    html = page(client_for(certificate_clerk), case, "result")
    body = text(html)
    assert "ow-doc-certificate" not in html
    assert "准予行政许可决定书" in body and "编号：PW-2026-3" in body and "张三：" in body
    assert "决定准予行政许可" in body and "第三十八条第一款" in body


def test_a_denial_states_reasons_and_the_right_to_reconsideration_or_litigation(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(TUESDAY))
    services.decide(
        case=case,
        actor=reviewer,
        approve=False,
        opinion="不符合条件",
        reasons="经营场所面积小于规定的 30 平方米",
        now=at(TUESDAY),
    )
    services.issue_result(case=case, actor=certificate_clerk, number="BYXK-2026-7", now=at(TUESDAY))
    body = text(page(client_for(reviewer), case, "result"))
    assert "编号：BYXK-2026-7" in body
    assert "决定不予行政许可" in body and "经营场所面积小于规定的 30 平方米" in body
    assert "第三十八条第二款" in body
    assert "六十日内依法申请行政复议" in body and "六个月内依法向人民法院提起行政诉讼" in body


def test_documents_are_written_in_the_halls_language_whatever_the_screen(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = noticed(setup, hall, clerk)
    notice = case.notices.get()
    client = client_for(clerk)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("cases:document", args=[case.number, notice.number])).content
    assert "Back to the case" in html.decode()  # the toolbar follows the screen
    assert "一次性告知书" in html.decode() and "One-time notice letter" not in html.decode()


def test_documents_come_from_frozen_data_not_the_live_catalog(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = noticed(setup, hall, clerk)
    notice = case.notices.get()
    setup.item.name = "改名后的事项"
    setup.item.implementing_body = "别的机关"
    setup.item.save()
    body = text(page(client_for(clerk), case, notice.number))
    assert "食品经营许可" in body and "示范区市场监督管理局" in body
    assert "改名后的事项" not in body and "别的机关" not in body


# --- who may open them --------------------------------------------------------------------------


@pytest.fixture
def closed(setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any) -> Case:
    return delivered(setup, hall, clerk, reviewer, certificate_clerk)


def seed_archive(document: documents.Document) -> ArchivedDocument:
    """An archived copy made beforehand, so access tests do not render PDFs."""
    stored = ArchivedDocument(
        case=document.case,
        kind=document.kind,
        number=document.number,
        size=9,
        sha256=hashlib.sha256(b"%PDF-seed").hexdigest(),
        created_at=timezone.now(),
    )
    stored.file.save(f"seed-{document.kind}.pdf", ContentFile(b"%PDF-seed"), save=False)
    stored.save()
    return stored


def test_who_may_open_a_document(closed: Case, any_persona: Any, client_for: Any):
    notice = closed.notices.get()
    seed_archive(documents.find(closed, notice.number))
    allowed = any_persona is not None and (
        any_persona.has_role(Role.CLERK, Role.HELPER)
        or any_persona.has_role(Role.CERTIFICATE_CLERK)
        or any_persona.has_role(Role.REVIEWER)
    )
    client = client_for(any_persona)
    for url in (
        reverse("cases:document", args=[closed.number, notice.number]),
        reverse("cases:document", args=[closed.number, "result"]),
        reverse("cases:document", args=[closed.number, "delivery"]),
        reverse("cases:document-pdf", args=[closed.number, notice.number]),
    ):
        response = client.get(url)
        if response.streaming:  # read to the end: the test client then closes the file
            b"".join(response.streaming_content)
        if any_persona is None:
            assert response.status_code == 302
        else:
            assert response.status_code == (200 if allowed else 403), (url, response.status_code)


def test_staff_of_another_hall_or_department_find_nothing(
    closed: Case, make_user: Any, other_hall: Any, other_department: Any, client_for: Any
):
    notice = closed.notices.get()
    seed_archive(documents.find(closed, notice.number))
    outsiders = [
        make_user(Role.CLERK, hall=other_hall),
        make_user(Role.CERTIFICATE_CLERK, hall=other_hall),
        make_user(Role.REVIEWER, department=other_department),
    ]
    for outsider in outsiders:
        client = client_for(outsider)
        for slug in (notice.number, "result", "delivery"):
            assert (
                client.get(reverse("cases:document", args=[closed.number, slug])).status_code == 404
            )
        pdf = reverse("cases:document-pdf", args=[closed.number, notice.number])
        assert client.get(pdf).status_code == 404
    # A reviewer of the case's department works in another hall: still theirs.
    remote = make_user(Role.REVIEWER, hall=other_hall, department=closed.department)
    assert (
        client_for(remote)
        .get(reverse("cases:document", args=[closed.number, "result"]))
        .status_code
        == 200
    )


def test_an_unknown_or_foreign_document_is_not_found(
    closed: Case, setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    other = noticed(setup, hall, clerk)
    foreign = other.notices.get().number
    client = client_for(clerk)
    assert client.get(reverse("cases:document", args=[closed.number, foreign])).status_code == 404
    assert client.get(reverse("cases:document", args=[other.number, "result"])).status_code == 404
    assert client.get(reverse("cases:document", args=[closed.number, "nothing"])).status_code == 404


def test_the_case_pages_link_their_documents(
    closed: Case, clerk: Any, reviewer: Any, certificate_clerk: Any, client_for: Any
):
    acceptance = closed.notices.get()
    intake = client_for(clerk).get(reverse("cases:intake-case", args=[closed.number])).content
    assert reverse("cases:document", args=[closed.number, acceptance.number]) in intake.decode()
    assert 'data-print-notice="acceptance"' in intake.decode()
    results = client_for(certificate_clerk).get(reverse("cases:result-case", args=[closed.number]))
    for slug in ("result", "delivery"):
        assert reverse("cases:document", args=[closed.number, slug]) in results.content.decode()
    review = client_for(reviewer).get(reverse("cases:review-case", args=[closed.number]))
    for slug in (acceptance.number, "result", "delivery"):
        assert reverse("cases:document-pdf", args=[closed.number, slug]) in review.content.decode()


def test_after_a_notice_the_intake_page_offers_to_print_it(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = noticed(setup, hall, clerk)
    html = client_for(clerk).get(reverse("cases:intake-case", args=[case.number])).content.decode()
    assert 'data-print-notice="one_time"' in html


# --- archival PDFs ------------------------------------------------------------------------------


def test_the_archival_pdf_embeds_its_fonts_and_its_text_is_chinese(
    setup: Setup, hall: Any, clerk: Any, client_for: Any, settings: Any
):
    from pypdf import PdfReader

    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.example.gov.cn"
    case = accepted_case(setup, hall, clerk)
    notice = case.notices.get()
    response = client_for(clerk).get(
        reverse("cases:document-pdf", args=[case.number, notice.number])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2  # the notice, then the applicant's receipt
    extracted = "".join(p.extract_text() for p in reader.pages)
    compact = re.sub(r"\s+", "", extracted)
    assert "受理通知书" in compact and "受理回执" in compact
    assert notice.number in compact and case.tracking_code in compact
    assert "2026年3月2日" in compact
    fonts = []
    for pdf_page in reader.pages:
        for font in pdf_page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.append(str(font["/BaseFont"]))
    assert any("Noto-Serif-CJK-SC" in f for f in fonts)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]{0,3}3", xmp) and re.search(r"conformance[^A-Z]{0,3}B", xmp)
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"  # PDF/A-3b, sRGB
    stored = ArchivedDocument.objects.get(kind="acceptance", number=notice.number)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)


def test_archiving_is_done_once(setup: Setup, hall: Any, clerk: Any, monkeypatch: Any):
    case = noticed(setup, hall, clerk)
    document = documents.find(case, case.notices.get().number)
    renders = []
    real = documents.render_pdf

    def counting(doc: documents.Document) -> bytes:
        renders.append(doc.number)
        return real(doc)

    monkeypatch.setattr(documents, "render_pdf", counting)
    first = documents.archive(document)
    second = documents.archive(document)
    assert renders == [document.number]
    assert first.pk == second.pk
    with first.file.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == first.sha256 == second.sha256
    assert ArchivedDocument.objects.count() == 1


def test_a_race_keeps_the_first_copy_and_drops_the_second(
    setup: Setup, hall: Any, clerk: Any, monkeypatch: Any, settings: Any
):
    case = noticed(setup, hall, clerk)
    document = documents.find(case, case.notices.get().number)
    winner = seed_archive(document)
    # The loser looked before the winner's row existed, rendered, and now meets the constraint.
    monkeypatch.setattr(documents, "archived", lambda doc: None)
    kept = documents.archive(document)
    assert kept.pk == winner.pk and kept.sha256 == winner.sha256
    folder = settings.MEDIA_ROOT / "cases" / "archive"
    assert sorted(p.name for p in folder.iterdir()) == [winner.file.name.rsplit("/", 1)[1]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_archivers_store_one_copy(
    setup: Setup, hall: Any, clerk: Any, monkeypatch: Any, settings: Any
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    sync_calendar_from_library()  # transactional tests start from a flushed database
    case = noticed(setup, hall, clerk)
    document = documents.find(case, case.notices.get().number)
    barrier = threading.Barrier(4)

    def render(doc: documents.Document) -> bytes:
        barrier.wait(timeout=30)  # everyone has looked and found nothing archived
        return b"%PDF-" + doc.number.encode()

    monkeypatch.setattr(documents, "render_pdf", render)
    kept: list[int] = []

    def work() -> None:
        try:
            kept.append(documents.archive(document).pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stored = ArchivedDocument.objects.get()
    assert kept == [stored.pk] * 4
    folder = settings.MEDIA_ROOT / "cases" / "archive"
    assert [p.name for p in folder.iterdir()] == [stored.file.name.rsplit("/", 1)[1]]


def test_the_worker_archives_only_what_is_missing(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = delivered(setup, hall, clerk, reviewer, certificate_clerk)
    already = seed_archive(documents.find(case, "result"))
    out = io.StringIO()
    call_command("archive_documents", stdout=out)
    assert out.getvalue().strip() == "archived 2 document(s)"  # the acceptance notice, the receipt
    assert set(ArchivedDocument.objects.values_list("kind", flat=True)) == {
        "acceptance",
        "result",
        "delivery",
    }
    assert ArchivedDocument.objects.get(kind="result").sha256 == already.sha256
    out = io.StringIO()
    call_command("archive_documents", stdout=out)
    assert out.getvalue().strip() == "archived 0 document(s)"


def test_a_document_that_fails_is_reported_and_the_rest_archived(
    setup: Setup, hall: Any, clerk: Any, monkeypatch: Any
):
    first = noticed(setup, hall, clerk)
    second = noticed(setup, hall, clerk)
    bad = first.notices.get().number

    def render(doc: documents.Document) -> bytes:
        if doc.number == bad:
            raise RuntimeError("broken")
        return b"%PDF-" + doc.number.encode()

    monkeypatch.setattr(documents, "render_pdf", render)
    run = documents.archive_missing(batch_size=1)
    assert run == documents.ArchiveRun(archived=1, failed=1)
    assert list(ArchivedDocument.objects.values_list("number", flat=True)) == [
        second.notices.get().number
    ]


# --- the applicant's own copies -----------------------------------------------------------------


def test_tracking_offers_only_the_documents_addressed_to_the_applicant(
    closed: Case, setup: Setup, hall: Any, clerk: Any
):
    acceptance = closed.notices.get()
    token = tracking.token_for(closed)
    html = Client().get(reverse("tracking:case", args=[token])).content.decode()
    offered = re.findall(r'<li data-document="(\w+)">', html)
    assert offered == ["acceptance", "result"]
    seed_archive(documents.find(closed, acceptance.number))
    seed_archive(documents.find(closed, "result"))
    public = Client()
    for slug in (acceptance.number, "result"):
        response = public.get(reverse("tracking:document-pdf", args=[token, slug]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-seed"
    # The delivery receipt stays on file; another case's notice is not reachable with this link.
    other = noticed(setup, hall, clerk)
    for slug in ("delivery", other.notices.get().number, "nothing"):
        assert public.get(reverse("tracking:document-pdf", args=[token, slug])).status_code == 404
    assert (
        public.get(reverse("tracking:document-pdf", args=["forged", "result"])).status_code == 404
    )


def test_the_result_is_offered_to_the_applicant_only_once_delivered(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(TUESDAY))
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意", now=at(TUESDAY))
    services.issue_result(case=case, actor=certificate_clerk, number="JY1", now=at(TUESDAY))
    assert [d.kind for d in documents.for_applicant(case)] == ["acceptance"]
    token = tracking.token_for(case)
    assert Client().get(reverse("tracking:document-pdf", args=[token, "result"])).status_code == 404


def test_notice_numbers_match_the_archive_keys(setup: Setup, hall: Any, clerk: Any):
    case = noticed(setup, hall, clerk)
    notice = CaseNotice.objects.get(case=case)
    document = documents.for_notice(notice)
    assert (document.kind, document.number, document.slug) == (
        "one_time",
        notice.number,
        notice.number,
    )
    assert document.filename == f"一次性告知书-{notice.number}.pdf"
