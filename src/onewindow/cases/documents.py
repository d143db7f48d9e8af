"""A case's written documents: print pages and archival PDFs.

Five kinds of document leave a case in writing (行政许可法 Art. 32, 38, 44): the one-time notice
(一次性告知书), the notice of non-acceptance (不予受理通知书), the acceptance notice with the
applicant's receipt (受理通知书 + 受理回执), the result — licence, approval or decision not to
grant, the last with the right to 复议/诉讼 (Art. 38) — and the delivery receipt (送达回证).

Each is built from what was frozen when it was issued: the notice's `content`, the result and
delivery rows, the decision's event and the item version the case pinned — never the live
catalog — so a reprint years later says what the applicant was given. One template per kind is
rendered both as the browser's print page and as the PDF (PDF/A-3b, fonts embedded), in the
hall's language whatever the language of the clerk's screen.

Rendering a PDF costs ~200 ms, so it never runs inside a case service's transaction: the
`archive_documents` worker archives what is missing and the download views archive on demand.
An `ArchivedDocument` is written once per (kind, number), never re-rendered; two processes racing
for the same document meet at the unique constraint and the loser keeps the winner's copy.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import logging
import mimetypes
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import FileResponse, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from onewindow.cases import tracking
from onewindow.cases.models import (
    ArchivedDocument,
    Case,
    CaseEvent,
    CaseNotice,
    CaseResult,
    Delivery,
    DeliveryMode,
    DocumentKind,
    MaterialState,
    NoticeKind,
    ResultCode,
)
from onewindow.core import masking
from onewindow.tickets.qr import qr_svg

log = logging.getLogger(__name__)

TITLES = {
    DocumentKind.ONE_TIME_NOTICE: NoticeKind.ONE_TIME.label,
    DocumentKind.REFUSAL: NoticeKind.REFUSAL.label,
    DocumentKind.ACCEPTANCE: NoticeKind.ACCEPTANCE.label,
    DocumentKind.DELIVERY_RECEIPT: DocumentKind.DELIVERY_RECEIPT.label,
}
# What a material's state means on the applicant's paper.
FINDINGS = {
    MaterialState.MISSING: _("Not provided"),
    MaterialState.WRONG: _("To be corrected"),
    MaterialState.DEFERRED: _("To be supplied later"),
    MaterialState.RECEIVED: _("Received"),
    MaterialState.NOT_NEEDED: _("Not needed"),
}
SERVICE_MODES = {
    DeliveryMode.WINDOW: _("Served in person (collected at the window)"),
    DeliveryMode.POST: _("Served by post"),
    DeliveryMode.ELECTRONIC: _("Served electronically"),
}
RESULT_SLUG, DELIVERY_SLUG = "result", "delivery"
# The PDF renderer reads the page's own stylesheets from the static files; nothing is fetched
# over the network (the hall may be offline).
_PDF_BASE_URL = "https://onewindow.invalid/"


def document_language() -> str:
    """Official documents are written in the hall's language (zh-hans by default)."""
    return settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Document:
    """One written document of a case, as issued."""

    kind: str  # a DocumentKind value
    number: str  # the document's number: unique per kind, the archived copy's key
    case: Case
    source: Any  # the CaseNotice, CaseResult or Delivery it was issued as

    @property
    def slug(self) -> str:
        """How URLs name it within its case: the notice's number, "result" or "delivery"."""
        if self.kind == DocumentKind.RESULT:
            return RESULT_SLUG
        if self.kind == DocumentKind.DELIVERY_RECEIPT:
            return DELIVERY_SLUG
        return self.number

    @property
    def title(self) -> str:
        if self.kind == DocumentKind.RESULT:
            return str(self.source.name)
        return str(TITLES[DocumentKind(self.kind)])

    @property
    def issued_at(self) -> datetime.datetime:
        if self.kind == DocumentKind.DELIVERY_RECEIPT:
            return self.source.delivered_at
        return self.source.issued_at

    @property
    def template(self) -> str:
        return f"cases/documents/{self.kind}.html"

    @property
    def addressed_to_applicant(self) -> bool:
        """Notices and the result go to the applicant; the delivery receipt stays on file."""
        return self.kind != DocumentKind.DELIVERY_RECEIPT

    @property
    def filename(self) -> str:
        with translation.override(document_language()):
            name = f"{self.title}-{self.number}"
        return re.sub(r'[\\/:*?"<>|\s]+', "_", name) + ".pdf"


def for_notice(notice: CaseNotice) -> Document:
    return Document(kind=notice.kind, number=notice.number, case=notice.case, source=notice)


def for_result(result: CaseResult) -> Document:
    return Document(kind=DocumentKind.RESULT, number=result.number, case=result.case, source=result)


def delivery_number(case: Case) -> str:
    """送达回证 number: one delivery per case, so the case number names it."""
    return f"SD{case.number}"


def for_delivery(delivery: Delivery) -> Document:
    return Document(
        kind=DocumentKind.DELIVERY_RECEIPT,
        number=delivery_number(delivery.case),
        case=delivery.case,
        source=delivery,
    )


def case_documents(case: Case) -> list[Document]:
    """Every document issued for the case, in the order it was issued (three queries)."""
    found: list[Document] = []
    for notice in CaseNotice.objects.filter(case=case).order_by("issued_at", "id"):
        notice.case = case
        found.append(for_notice(notice))
    result = CaseResult.objects.filter(case=case).first()
    if result is not None:
        result.case = case
        found.append(for_result(result))
        delivery = Delivery.objects.filter(case=case).select_related("delivered_by").first()
        if delivery is not None:
            delivery.case = case
            found.append(for_delivery(delivery))
    return found


def find(case: Case, slug: str) -> Document | None:
    """The case's document named `slug` (see `Document.slug`), or None."""
    if slug == RESULT_SLUG:
        result = CaseResult.objects.filter(case=case).first()
        if result is None:
            return None
        result.case = case
        return for_result(result)
    if slug == DELIVERY_SLUG:
        delivery = Delivery.objects.filter(case=case).select_related("delivered_by").first()
        if delivery is None:
            return None
        delivery.case = case
        return for_delivery(delivery)
    notice = CaseNotice.objects.filter(case=case, number=slug).first()
    if notice is None:
        return None
    notice.case = case
    return for_notice(notice)


def for_applicant(case: Case) -> list[Document]:
    """What the applicant may download from public tracking: the documents addressed to them,
    the result only once it has been delivered (for a denial, delivery starts the 60 days)."""
    documents = case_documents(case)
    delivered = any(d.kind == DocumentKind.DELIVERY_RECEIPT for d in documents)
    return [
        d
        for d in documents
        if d.addressed_to_applicant and (d.kind != DocumentKind.RESULT or delivered)
    ]


# --- what each document says --------------------------------------------------------------------


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _matter(item: str, scenario: str) -> str:
    return f"{item}（{scenario}）" if scenario else item


def public_base_url(request: HttpRequest | None = None) -> str:
    """The address citizens reach the site at: ONEWINDOW_PUBLIC_URL, else the request's."""
    base = str(getattr(settings, "ONEWINDOW_PUBLIC_URL", "") or "").rstrip("/")
    if not base and request is not None:
        base = request.build_absolute_uri("/").rstrip("/")
    return base


def context(document: Document, *, request: HttpRequest | None = None) -> dict[str, Any]:
    """The template context of a document, from its frozen data only."""
    case = document.case
    snapshot: dict[str, Any] = case.item_version.snapshot or {}
    item = snapshot.get("name") or case.item.name
    is_person = case.applicant_kind == "person"
    data: dict[str, Any] = {
        "document": document,
        "case": case,
        "hall": case.hall,
        "issued_at": document.issued_at,
        "issuer": snapshot.get("implementing_body")
        or snapshot.get("department")
        or case.department.name,
        "item": item,
        "matter": _matter(item, case.scenario_name),
        "applicant": {
            "name": case.applicant_name,
            "is_person": is_person,
            "id_number": masking.mask_id_number(case.id_number) if is_person else "",
            "credit_code": case.credit_code,
            "legal_representative": case.legal_representative,
            "address": case.address,
            "agent": case.agent_name,
        },
        "received_on": timezone.localtime(case.received_at).date(),
    }
    build = {
        DocumentKind.ONE_TIME_NOTICE: _one_time,
        DocumentKind.REFUSAL: _refusal,
        DocumentKind.ACCEPTANCE: _acceptance,
        DocumentKind.RESULT: _result,
        DocumentKind.DELIVERY_RECEIPT: _delivery,
    }[DocumentKind(document.kind)]
    data.update(build(document, snapshot, request))
    return data


def _one_time(document: Document, snapshot: dict[str, Any], request: Any) -> dict[str, Any]:
    content = document.source.content
    return {
        "matter": _matter(content.get("item", ""), content.get("scenario", "")),
        "lines": [
            {
                "n": line.get("n", i),
                "material": line.get("material", ""),
                "finding": FINDINGS.get(line.get("state"), ""),
                "reason": line.get("reason", ""),
            }
            for i, line in enumerate(content.get("items", []), start=1)
        ],
        "note": content.get("note", ""),
    }


def _refusal(document: Document, snapshot: dict[str, Any], request: Any) -> dict[str, Any]:
    content = document.source.content
    return {
        "matter": content.get("item", ""),
        "reason": content.get("reason", ""),
        "go_to": content.get("go_to", ""),
    }


def _acceptance(document: Document, snapshot: dict[str, Any], request: Any) -> dict[str, Any]:
    content = document.source.content
    case = document.case
    base = public_base_url(request)
    tracking_url = base + reverse("tracking:case", args=[tracking.token_for(case)]) if base else ""
    return {
        "matter": _matter(content.get("item", ""), content.get("scenario", "")),
        "accepted_on": _date(content.get("accepted_on")),
        "due_on": _date(content.get("due_on")),
        "limit_days": content.get("promised_limit_days"),
        "tracking_code": content.get("tracking_code", ""),
        "deemed": case.deemed_accepted,
        "materials": [
            {
                "material": m.get("material", ""),
                "finding": FINDINGS.get(m.get("state"), ""),
                "copies": m.get("copies") or 0,
            }
            for m in content.get("materials", [])
        ],
        "track_page": (base + reverse("tracking:track")) if base else reverse("tracking:track"),
        "qr": qr_svg(tracking_url, scale=3) if tracking_url else "",
    }


def _result(document: Document, snapshot: dict[str, Any], request: Any) -> dict[str, Any]:
    result: CaseResult = document.source
    case = document.case
    denied = case.result_code == ResultCode.DENIED
    decision = (
        CaseEvent.objects.filter(case=case, action="case.denied").order_by("-at", "-id").first()
        if denied
        else None
    )
    return {
        "result": result,
        "issuer": result.issuer,
        "denied": denied,
        "certificate": snapshot.get("result_type") == "certificate",
        "reasons": (decision.data.get("reasons") or decision.note) if decision else "",
        "accepted_on": case.accepted_on,
    }


def _delivery(document: Document, snapshot: dict[str, Any], request: Any) -> dict[str, Any]:
    delivery: Delivery = document.source
    case = document.case
    result = CaseResult.objects.filter(case=case).first()
    hall = case.hall
    if delivery.mode == DeliveryMode.WINDOW:
        place = f"{hall.name}（{hall.address}）" if hall.address else hall.name
    elif delivery.mode == DeliveryMode.POST:
        place = case.address
    else:
        place = ""
    return {
        "delivery": delivery,
        "result": result,
        "issuer": result.issuer if result else "",
        "mode": SERVICE_MODES.get(DeliveryMode(delivery.mode), ""),
        "place": place,
        "recipient_id": masking.mask_id_number(delivery.recipient_id_number),
        "by_agent": bool(
            delivery.recipient_name
            and case.agent_name
            and delivery.recipient_id_number == case.agent_id_number
        ),
        "deliverer": delivery.delivered_by.display_name if delivery.delivered_by else "",
    }


# --- rendering ----------------------------------------------------------------------------------


def render_html(
    document: Document,
    *,
    request: HttpRequest | None = None,
    for_pdf: bool = False,
    links: dict[str, str] | None = None,
) -> str:
    """The document's page: the print page (with its toolbar) or the PDF's source."""
    data = context(document, request=request)
    data.update(links or {})
    data.update({"for_pdf": for_pdf, "document_language": document_language()})
    return render_to_string("cases/documents/page.html", data, request=None if for_pdf else request)


def _static_fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefixes = [urljoin(_PDF_BASE_URL, settings.STATIC_URL), settings.STATIC_URL]

    class StaticFetcher(URLFetcher):
        """Serves the site's own static files; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            for prefix in prefixes:
                if prefix.startswith(("http://", "https://")) and url.startswith(prefix):
                    name = url[len(prefix) :].split("?")[0]
                    if ".." in name.split("/"):
                        break
                    path = finders.find(name)
                    if path is None and staticfiles_storage.exists(name):
                        path = staticfiles_storage.path(name)
                    if path:
                        with open(path, "rb") as fh:
                            body = fh.read()
                        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, body, {"Content-Type": kind})
            raise ValueError(f"not fetched: {url}")

    return StaticFetcher(allowed_protocols=("https",))


@functools.cache
def _srgb_icc() -> bytes:
    return (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def _output_intent() -> dict[str, Any]:
    """PDF/A's sRGB output intent, made from WeasyPrint's own profile. WeasyPrint's default for
    the variant opens that file and never closes it (a ResourceWarning on every render)."""
    from weasyprint.css import ColorProfile

    profile = ColorProfile(
        io.BytesIO(_srgb_icc()), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )
    return {"output_intent": "ow-srgb", "color_profiles": {"ow-srgb": profile}}


def render_pdf(document: Document) -> bytes:
    """The archival PDF (PDF/A-3b, subset CJK fonts embedded, text extractable)."""
    from weasyprint import HTML

    source = render_html(document, for_pdf=True)
    pdf = HTML(string=source, base_url=_PDF_BASE_URL, url_fetcher=_static_fetcher()).write_pdf(
        pdf_variant="pdf/a-3b", **_output_intent()
    )
    assert pdf is not None
    return pdf


# --- archive ------------------------------------------------------------------------------------


def archived(document: Document) -> ArchivedDocument | None:
    return ArchivedDocument.objects.filter(kind=document.kind, number=document.number).first()


def _archive(document: Document) -> tuple[ArchivedDocument, bool]:
    existing = archived(document)
    if existing is not None:
        return existing, False
    pdf = render_pdf(document)
    digest = hashlib.sha256(pdf).hexdigest()
    stored = ArchivedDocument(
        case=document.case,
        kind=document.kind,
        number=document.number,
        size=len(pdf),
        sha256=digest,
        created_at=timezone.now(),
    )
    stored.file.save(
        f"{document.case.number}-{document.kind}-{digest[:16]}.pdf", ContentFile(pdf), save=False
    )
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        # Another worker or request archived it first: theirs is the copy, ours goes.
        stored.file.delete(save=False)
        return ArchivedDocument.objects.get(kind=document.kind, number=document.number), False
    return stored, True


def archive(document: Document) -> ArchivedDocument:
    """The document's archived PDF, rendering and storing it if this is the first time."""
    return _archive(document)[0]


def missing(*, limit: int) -> list[Document]:
    """Documents without their archived PDF (up to `limit` of each kind of source)."""
    related = ("case__hall", "case__item", "case__item_version", "case__department")
    notices = (
        CaseNotice.objects.filter(
            ~Exists(
                ArchivedDocument.objects.filter(kind=OuterRef("kind"), number=OuterRef("number"))
            )
        )
        .select_related(*related)
        .order_by("id")[:limit]
    )
    results = (
        CaseResult.objects.filter(
            ~Exists(
                ArchivedDocument.objects.filter(kind=DocumentKind.RESULT, number=OuterRef("number"))
            )
        )
        .select_related(*related)
        .order_by("id")[:limit]
    )
    deliveries = (
        Delivery.objects.filter(
            ~Exists(
                ArchivedDocument.objects.filter(
                    kind=DocumentKind.DELIVERY_RECEIPT, case=OuterRef("case")
                )
            )
        )
        .select_related("delivered_by", *related)
        .order_by("id")[:limit]
    )
    return (
        [for_notice(n) for n in notices]
        + [for_result(r) for r in results]
        + [for_delivery(d) for d in deliveries]
    )


@dataclass(frozen=True)
class ArchiveRun:
    archived: int
    failed: int


def archive_missing(*, batch_size: int = 50) -> ArchiveRun:
    """Archive every document that lacks its PDF, a batch at a time, each in its own short
    transaction. A document that fails to render is logged and skipped for this run."""
    done, failed = 0, set()
    while True:
        batch = [
            d for d in missing(limit=batch_size + len(failed)) if (d.kind, d.number) not in failed
        ]
        if not batch:
            break
        for document in batch:
            try:
                _stored, created = _archive(document)
            except Exception:
                log.exception("could not archive %s %s", document.kind, document.number)
                failed.add((document.kind, document.number))
            else:
                done += int(created)
    return ArchiveRun(archived=done, failed=len(failed))


def pdf_response(stored: ArchivedDocument, document: Document) -> FileResponse:
    """The stored PDF as a download (never cached by shared caches: it names a person)."""
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
