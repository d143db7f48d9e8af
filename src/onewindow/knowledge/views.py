"""Knowledge-base pages: the public /ask/ page, maintenance for guides and hall managers, the
staff quick-answer panel and the statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onewindow.catalog.models import Answer, ServiceItem
from onewindow.core.permissions import staff_permission_required
from onewindow.knowledge import queries, services
from onewindow.knowledge.models import KnowledgeGap
from onewindow.knowledge.search import ask as run_ask

SESSION_VOTES = "knowledge_votes"
PAGE_SIZE = 50


def _public_hall() -> Any:
    from onewindow.catalog import queries as catalog_queries

    return catalog_queries.public_hall()


# --- Public ------------------------------------------------------------------------------------


@require_GET
def ask_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    result = run_ask(query) if query else None
    if result is not None and result.is_gap:
        services.log_gap(query=query)
    voted = request.session.get(SESSION_VOTES, {})
    context = {
        "query": query,
        "result": result,
        "popular": [] if query else queries.popular_general_answers(),
        "voted": {int(k): v for k, v in voted.items()},
        "hall": _public_hall(),
        "examples": ["营业执照多久能拿到", "社保卡丢了怎么办", "大厅几点上班", "低保一个月多少钱"],
    }
    return render(request, "knowledge/ask.html", context)


@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_object_or_404(Answer, pk=pk)
    value = request.POST.get("helpful")
    if value not in ("yes", "no"):
        return HttpResponseBadRequest(_("Choose yes or no."))
    votes = dict(request.session.get(SESSION_VOTES, {}))
    if str(answer.pk) not in votes:
        services.record_feedback(answer=answer, helpful=value == "yes")
        votes[str(answer.pk)] = value
        request.session[SESSION_VOTES] = votes
    if getattr(request, "htmx", False):
        return render(
            request,
            "knowledge/_feedback.html",
            {"answer": answer, "voted": {answer.pk: votes[str(answer.pk)]}},
        )
    back = request.POST.get("q", "")
    url = reverse("knowledge:ask")
    if back:
        from urllib.parse import urlencode

        url += "?" + urlencode({"q": back})
    return redirect(f"{url}#answer-{answer.pk}")


# --- Staff quick answers -----------------------------------------------------------------------


@require_GET
@staff_permission_required("knowledge.use_quick_answers")
def quick_answers(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    result = run_ask(query, limit=5, item_limit=3) if query else None
    template = "knowledge/quick_answers_page.html"
    if getattr(request, "htmx", False):
        template = "knowledge/_quick_answers.html#results"
    return render(request, template, {"quick_query": query, "quick_result": result})


# --- Maintenance -------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
@staff_permission_required("knowledge.maintain_answers")
def answer_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    needs_review = request.GET.get("review") == "1"
    q = request.GET.get("q", "").strip()[:100]
    item_id = _int(request.GET.get("item"))
    item_filter = (
        ServiceItem.objects.filter(pk=item_id).only("pk", "name").first() if item_id else None
    )
    answers = queries.answer_list(
        kind=kind if kind in ("item", "general") else "",
        needs_review=needs_review,
        item_id=item_id,
        q=q,
    )
    page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/manage/answer_list.html",
        {
            "page": page,
            "kind": kind,
            "review": needs_review,
            "q": q,
            "cutoff": queries.review_cutoff(),
            "item_filter": item_filter,
        },
    )


def _item_from(request: HttpRequest) -> tuple[ServiceItem | None, str | None]:
    raw = request.POST.get("item", "").strip()
    if not raw:
        return None, None
    item = ServiceItem.objects.filter(pk=_int(raw) or 0).first()
    return item, None if item else _("That item does not exist.")


def _answer_form(request: HttpRequest, answer: Answer | None) -> HttpResponse:
    gap = None
    gap_id = _int(request.POST.get("gap") or request.GET.get("gap"))
    if gap_id:
        gap = KnowledgeGap.objects.filter(pk=gap_id).first()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            "question": request.POST.get("question", ""),
            "answer": request.POST.get("answer", ""),
            "source": request.POST.get("source", ""),
            "item": request.POST.get("item", ""),
        }
        item, item_error = _item_from(request)
        if item_error:
            errors["item"] = item_error
        else:
            try:
                saved = services.save_answer(
                    answer=answer,
                    item=item,
                    question=values["question"],
                    answer_text=values["answer"],
                    source=values["source"],
                    actor=request.user,
                    gap=gap,
                )
            except services.KnowledgeError as error:
                errors[error.field or "question"] = error.message
            else:
                messages.success(request, _("Answer saved."))
                return redirect("knowledge:manage-answer-edit", pk=saved.pk)
    elif answer is not None:
        values = {
            "question": answer.question,
            "answer": answer.answer,
            "source": answer.source,
            "item": str(answer.item_id or ""),
        }
    else:
        values = {
            "question": gap.query if gap else request.GET.get("question", ""),
            "answer": "",
            "source": "",
            "item": request.GET.get("item", ""),
        }
    item_choice = None
    if values["item"] and values["item"].isdigit():
        item_choice = ServiceItem.objects.filter(pk=int(values["item"])).first()
    status = 400 if errors else 200
    return render(
        request,
        "knowledge/manage/answer_form.html",
        {
            "answer": answer,
            "values": values,
            "errors": errors,
            "gap": gap,
            "item_choice": item_choice,
            "items": ServiceItem.objects.published().order_by("name").only("pk", "name"),
        },
        status=status,
    )


@staff_permission_required("knowledge.maintain_answers")
def answer_create(request: HttpRequest) -> HttpResponse:
    return _answer_form(request, None)


@staff_permission_required("knowledge.maintain_answers")
def answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer_form(request, get_object_or_404(Answer, pk=pk))


@require_POST
@staff_permission_required("knowledge.maintain_answers")
def answer_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_object_or_404(Answer, pk=pk)
    services.mark_reviewed(answer=answer, actor=request.user)
    messages.success(request, _("Marked as reviewed today."))
    back = request.POST.get("next", "")
    if back.startswith("/manage/answers/"):
        return redirect(back)
    return redirect("knowledge:manage-answers")


@require_GET
@staff_permission_required("knowledge.manage_gaps")
def gap_list(request: HttpRequest) -> HttpResponse:
    show_resolved = request.GET.get("resolved") == "1"
    gaps = KnowledgeGap.objects.filter(resolved=show_resolved).select_related("answer")
    gaps = gaps.order_by("-count", "-last_seen")
    page = Paginator(gaps, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "knowledge/manage/gap_list.html", {"page": page, "show_resolved": show_resolved}
    )


@require_POST
@staff_permission_required("knowledge.manage_gaps")
def gap_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    gap = get_object_or_404(KnowledgeGap, pk=pk)
    services.resolve_gap(gap=gap, actor=request.user)
    messages.success(request, _("Marked as resolved."))
    return redirect("knowledge:manage-gaps")


@require_GET
@staff_permission_required("knowledge.view_knowledge_stats")
def statistics(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/manage/statistics.html",
        {"stats": queries.statistics(), "review_days": _review_days()},
    )


def _review_days() -> int:
    from django.conf import settings

    return int(settings.ONEWINDOW_ANSWER_REVIEW_DAYS)
