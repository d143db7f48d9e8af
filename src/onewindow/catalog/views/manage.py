"""The hall manager's catalog pages (事项管理): items, scenarios and materials, versions, the
delegation matrix, delegation agreements and synonyms.

Views validate with a form, check the permission and call one service from
`catalog.services`; every save writes audit events and (for guide content) a new item version.
Pages work without JavaScript; htmx only filters lists in place and confirms deletions inline.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from onewindow.catalog import services
from onewindow.catalog.forms import (
    ITEM_FIELDS,
    AgreementForm,
    AnswerFormSet,
    ItemFilterForm,
    ItemForm,
    MaterialFormSet,
    MatrixDepartmentForm,
    ReviewPointFormSet,
    ScenarioFormSet,
    SynonymForm,
)
from onewindow.catalog.models import (
    Delegation,
    DelegationAgreement,
    Department,
    ItemVersion,
    Material,
    Power,
    ReviewPoint,
    Scenario,
    ServiceItem,
    Synonym,
)
from onewindow.core.permissions import staff_permission_required

ITEM_PAGE_SIZE = 50
SYNONYM_PAGE_SIZE = 100
TEMPLATES = "catalog/manage"


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: a normal redirect, or a client-side one for htmx."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without `names` (for pagination and export links)."""
    pairs = [(k, v) for k, values in request.GET.lists() if k not in names for v in values if v]
    return urlencode(pairs)


def _history_url(obj: models.Model) -> str:
    content_type = ContentType.objects.get_for_model(type(obj))
    return reverse("core:history", args=[content_type.pk, obj.pk])


# --- Items -----------------------------------------------------------------------------------


def _filtered_items(form: ItemFilterForm) -> QuerySet[ServiceItem]:
    items = (
        ServiceItem.objects.select_related("department")
        .annotate(has_materials=Exists(Material.objects.filter(scenario__item=OuterRef("pk"))))
        .order_by("department__sort_order", "department__name", "name", "pk")
    )
    if not form.is_valid():
        return items
    data = form.cleaned_data
    if data["q"]:
        q = data["q"].strip()
        items = items.filter(
            Q(name__icontains=q)
            | Q(implementation_code__icontains=q)
            | Q(basic_code__icontains=q)
            | Q(aliases__icontains=q)
        )
    if data["department"]:
        items = items.filter(department=data["department"])
    if data["item_type"]:
        items = items.filter(item_type=data["item_type"])
    if data["status"]:
        items = items.filter(status=data["status"])
    if data["completeness"] == "complete":
        items = items.filter(has_materials=True)
    elif data["completeness"] == "incomplete":
        items = items.filter(has_materials=False)
    return items


def _items_csv(items: QuerySet[ServiceItem]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="items-{stamp}.csv"'
    response.write("\ufeff")  # Excel on Chinese Windows needs the BOM to read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Item name"),
            _("Implementation code"),
            _("Department"),
            _("Item type"),
            _("Status"),
            _("Version"),
            _("Guide status"),
            _("Updated at"),
        ]
    )
    for item in items.iterator(chunk_size=500):
        writer.writerow(
            [
                item.name,
                item.implementation_code,
                item.department.name,
                item.get_item_type_display(),
                item.get_status_display(),
                item.version,
                _("Guide complete") if item.has_materials else _("Guide to be completed"),
                timezone.localtime(item.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return response


@require_GET
@staff_permission_required("catalog.change_serviceitem")
def item_list(request: HttpRequest) -> HttpResponse:
    form = ItemFilterForm(request.GET)
    items = _filtered_items(form)
    if request.GET.get("export") == "csv":
        return _items_csv(items)
    page = Paginator(items, ITEM_PAGE_SIZE).get_page(request.GET.get("page"))
    template = f"{TEMPLATES}/item_list.html"
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": _query_without(request, "page", "export"),
        },
    )


def _item_values(form: ItemForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in ITEM_FIELDS}


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.add_serviceitem")
def item_create(request: HttpRequest) -> HttpResponse:
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = services.create_item(values=_item_values(form), actor=request.user)
        messages.success(
            request,
            _("Item created (version %(v)s). Now add its scenarios and materials.")
            % {"v": item.version},
        )
        return redirect("catalog:manage-scenarios", pk=item.pk)
    return render(request, f"{TEMPLATES}/item_form.html", {"form": form, "item": None})


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.change_serviceitem")
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ServiceItem.objects.select_related("department"), pk=pk)
    if request.method == "POST":
        # Bind to a second copy: the header keeps showing the saved values on errors.
        form = ItemForm(request.POST, instance=ServiceItem.objects.get(pk=pk))
        if form.is_valid():
            version = services.update_item(item=item, values=_item_values(form), actor=request.user)
            if version is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(
                    request, _("Saved. The guide now shows version %(v)s.") % {"v": version.number}
                )
            return redirect("catalog:manage-item-edit", pk=item.pk)
        messages.error(request, _("Not saved. Please correct the fields marked in red."))
    else:
        form = ItemForm(instance=item)
    return render(
        request,
        f"{TEMPLATES}/item_form.html",
        {"form": form, "item": item, "history_url": _history_url(item)},
    )


# --- Scenarios, materials, review points, Q&A --------------------------------------------------


@dataclass
class _Deletion:
    """A row the manager asked to delete, with what the confirmation page says about it."""

    kind: str
    obj: Any
    title: str
    consequences: list[str] = field(default_factory=list)


def _find_deletion(item: ServiceItem, kind: str, raw_id: str) -> _Deletion | None:
    try:
        pk = int(raw_id)
    except (TypeError, ValueError):
        return None
    if kind == "scenario":
        scenario = item.scenarios.filter(pk=pk).annotate(n=Count("materials")).first()
        if scenario is None:
            return None
        return _Deletion(
            kind,
            scenario,
            _("Delete the scenario “%(name)s”?") % {"name": scenario.name},
            [
                _("Its %(n)s materials and their review points are deleted with it.")
                % {"n": scenario.n}
            ],
        )
    if kind == "material":
        material = Material.objects.filter(pk=pk, scenario__item=item).first()
        if material is None:
            return None
        n = material.review_points.count()
        notes = [_("Its %(n)s review points are deleted with it.") % {"n": n}] if n else []
        return _Deletion(
            kind, material, _("Delete the material “%(name)s”?") % {"name": material.name}, notes
        )
    if kind == "point":
        point = item.review_points.filter(pk=pk).first()
        if point is None:
            return None
        return _Deletion(kind, point, _("Delete the review point “%(text)s”?") % {"text": point})
    if kind == "answer":
        answer = item.answers.filter(pk=pk).first()
        if answer is None:
            return None
        return _Deletion(kind, answer, _("Delete the question “%(q)s”?") % {"q": answer.question})
    return None


_DELETE_PERMS = {
    "scenario": "catalog.delete_scenario",
    "material": "catalog.delete_material",
    "point": "catalog.delete_reviewpoint",
    "answer": "catalog.delete_answer",
}


def _delete_child(request: HttpRequest, deletion: _Deletion, item: ServiceItem) -> None:
    _require(request, _DELETE_PERMS[deletion.kind])
    obj, actor = deletion.obj, request.user
    if deletion.kind == "scenario":
        services.save_scenarios(item=item, upserts=[], deletes=[obj], actor=actor)
    elif deletion.kind == "material":
        services.save_materials(scenario=obj.scenario, upserts=[], deletes=[obj], actor=actor)
    elif deletion.kind == "point":
        services.save_review_points(item=item, upserts=[], deletes=[obj], actor=actor)
    else:
        services.save_answers(item=item, upserts=[], deletes=[obj], actor=actor)
    messages.success(request, _("Deleted."))


def _confirm_page(
    request: HttpRequest, item: ServiceItem, deletion: _Deletion, cancel_url: str
) -> HttpResponse:
    return render(
        request,
        f"{TEMPLATES}/confirm_delete.html",
        {
            "item": item,
            "deletion": deletion,
            "cancel_url": cancel_url,
            "action_url": request.path,
        },
    )


def _saved_message(request: HttpRequest, version: ItemVersion | None, changed: bool) -> None:
    if version is not None:
        messages.success(
            request, _("Saved. The guide now shows version %(v)s.") % {"v": version.number}
        )
    elif changed:
        messages.success(request, _("Saved."))
    else:
        messages.info(request, _("Nothing changed."))


def _material_choices(item: ServiceItem) -> list[tuple[Any, str]]:
    materials = Material.objects.filter(scenario__item=item).select_related("scenario")
    return [("", _("Whole item"))] + [(m.pk, f"{m.scenario.name} · {m.name}") for m in materials]


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.change_serviceitem")
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The item's guide content: scenarios (with their materials listed), review points, Q&A."""
    item = get_object_or_404(ServiceItem.objects.select_related("department"), pk=pk)
    here = reverse("catalog:manage-scenarios", args=[item.pk])
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if data else ""

    if request.method == "GET" and request.GET.get("delete"):
        kind, _sep, raw_id = request.GET["delete"].partition(":")
        deletion = _find_deletion(item, kind, raw_id)
        if deletion is None or kind == "material":
            return HttpResponseBadRequest()
        return _confirm_page(request, item, deletion, here)

    if action == "delete":
        deletion = _find_deletion(item, request.POST.get("kind", ""), request.POST.get("id", ""))
        if deletion is None or deletion.kind == "material":
            messages.error(request, _("That row no longer exists. The page has been reloaded."))
            return _done(request, here)
        if request.POST.get("confirmed") != "1":
            return _confirm_page(request, item, deletion, here)
        _delete_child(request, deletion, item)
        return _done(request, here)

    if data is not None and action not in {"scenarios", "points", "answers"}:
        return HttpResponseBadRequest()

    scenario_qs = item.scenarios.prefetch_related(
        Prefetch("materials", queryset=Material.objects.only("pk", "name", "required", "scenario"))
    )
    scenarios = ScenarioFormSet(
        data if action == "scenarios" else None,
        instance=item,
        prefix="scenarios",
        queryset=scenario_qs,
    )
    points = ReviewPointFormSet(
        data if action == "points" else None,
        instance=item,
        prefix="points",
        queryset=item.review_points.all(),
    )
    answers = AnswerFormSet(
        data if action == "answers" else None,
        instance=item,
        prefix="answers",
        queryset=item.answers.all(),
    )
    choices = _material_choices(item)
    for form in points.forms:
        form.fields["material"].choices = choices

    if action == "scenarios":
        _require(request, "catalog.add_scenario", "catalog.change_scenario")
        if scenarios.is_valid():
            upserts = scenarios.changed_instances()
            version = services.save_scenarios(item=item, upserts=upserts, actor=request.user)
            _saved_message(request, version, bool(upserts))
            return _done(request, here)
    elif action == "points":
        _require(request, "catalog.add_reviewpoint", "catalog.change_reviewpoint")
        if points.is_valid():
            upserts = points.changed_instances()
            version = services.save_review_points(item=item, upserts=upserts, actor=request.user)
            _saved_message(request, version, bool(upserts))
            return _done(request, here + "#review-points")
    elif action == "answers":
        _require(request, "catalog.add_answer", "catalog.change_answer")
        if answers.is_valid():
            upserts = answers.changed_instances()
            version = services.save_answers(item=item, upserts=upserts, actor=request.user)
            _saved_message(request, version, bool(upserts))
            return _done(request, here + "#answers")
    if data is not None:
        messages.error(request, _("Not saved. Please correct the fields marked in red."))

    return render(
        request,
        f"{TEMPLATES}/scenarios.html",
        {
            "item": item,
            "scenarios": scenarios,
            "points": points,
            "answers": answers,
            "history_url": _history_url(item),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.change_serviceitem")
def material_edit(request: HttpRequest, pk: int, scenario_pk: int) -> HttpResponse:
    item = get_object_or_404(ServiceItem.objects.select_related("department"), pk=pk)
    scenario = get_object_or_404(Scenario, pk=scenario_pk, item=item)
    here = reverse("catalog:manage-materials", args=[item.pk, scenario.pk])
    action = request.POST.get("action", "") if request.method == "POST" else ""

    if request.method == "GET" and request.GET.get("delete"):
        deletion = _find_deletion(item, "material", request.GET["delete"])
        if deletion is None or deletion.obj.scenario_id != scenario.pk:
            return HttpResponseBadRequest()
        return _confirm_page(request, item, deletion, here)

    if action == "delete":
        deletion = _find_deletion(item, "material", request.POST.get("id", ""))
        if deletion is None or deletion.obj.scenario_id != scenario.pk:
            messages.error(request, _("That row no longer exists. The page has been reloaded."))
            return _done(request, here)
        if request.POST.get("confirmed") != "1":
            return _confirm_page(request, item, deletion, here)
        _delete_child(request, deletion, item)
        return _done(request, here)

    if request.method == "POST" and action != "materials":
        return HttpResponseBadRequest()
    formset = MaterialFormSet(
        request.POST if action else None,
        request.FILES if action else None,
        instance=scenario,
        prefix="materials",
        queryset=scenario.materials.all(),
    )
    if action:
        _require(request, "catalog.add_material", "catalog.change_material")
        if formset.is_valid():
            upserts = formset.changed_instances()
            version = services.save_materials(
                scenario=scenario, upserts=upserts, actor=request.user
            )
            _saved_message(request, version, bool(upserts))
            return _done(request, here)
        messages.error(request, _("Not saved. Please correct the fields marked in red."))
    return render(
        request,
        f"{TEMPLATES}/materials.html",
        {
            "item": item,
            "scenario": scenario,
            "formset": formset,
            "max_upload_mb": settings.MAX_UPLOAD_MB,
            "history_url": _history_url(item),
            "material_ct": ContentType.objects.get_for_model(Material).pk,
        },
    )


# --- Versions ---------------------------------------------------------------------------------


def _labels(model: type[models.Model]) -> dict[str, str]:
    return {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}


def _choice_labels(model: type[models.Model]) -> dict[str, dict[Any, str]]:
    return {
        f.name: {k: str(v) for k, v in f.flatchoices}
        for f in model._meta.concrete_fields
        if f.choices
    }


def _show(value: Any, choices: dict[Any, str] | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if choices and value in choices:
        return choices[value]
    return str(value)


def _display_fields(
    model: type[models.Model], fields: list[tuple[str, Any, Any]]
) -> list[tuple[str, str, str]]:
    labels, choices = _labels(model), _choice_labels(model)
    labels["department"] = _("Department")
    labels["material"] = _("Material")
    return [
        (labels.get(name, name), _show(old, choices.get(name)), _show(new, choices.get(name)))
        for name, old, new in fields
    ]


def _display_diff(diff: dict[str, Any]) -> dict[str, Any]:
    def rows(section: dict[str, Any], model: type[models.Model]) -> dict[str, Any]:
        return {
            "added": section["added"],
            "removed": section["removed"],
            "changed": [
                {**c, "fields": _display_fields(model, c["fields"])} for c in section["changed"]
            ],
        }

    shown = {
        "fields": _display_fields(ServiceItem, diff["fields"]),
        "scenarios": rows(diff["scenarios"], Scenario),
        "materials": rows(diff["materials"], Material),
        "review_points": rows(diff["review_points"], ReviewPoint),
    }
    shown["empty"] = not shown["fields"] and not any(
        shown[k][part]
        for k in ("scenarios", "materials", "review_points")
        for part in ("added", "removed", "changed")
    )
    return shown


def _version_notes() -> dict[str, str]:
    return {
        "catalog.item.created": _("Item created"),
        "catalog.item.updated": _("Item details changed"),
        "catalog.scenario.updated": _("Scenarios changed"),
        "catalog.material.updated": _("Materials changed"),
        "catalog.reviewpoint.updated": _("Review points changed"),
        "catalog.answer.updated": _("Q&A changed"),
        "import": _("Imported"),
        "admin": _("Changed in the admin site"),
    }


@require_GET
@staff_permission_required("catalog.change_serviceitem")
def item_versions(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ServiceItem.objects.select_related("department"), pk=pk)
    versions = list(item.versions.select_related("created_by").defer("snapshot"))
    notes = _version_notes()
    for version in versions:
        version.note_label = notes.get(version.note, version.note)  # type: ignore[attr-defined]
    selected = previous = None
    if versions:
        wanted = request.GET.get("v")
        number = int(wanted) if wanted and wanted.isdigit() else versions[0].number
        selected = item.versions.filter(number=number).first()
        if selected is None:
            selected = item.versions.get(number=versions[0].number)
        previous = item.versions.filter(number__lt=selected.number).order_by("-number").first()
    diff = None
    if selected is not None and previous is not None:
        diff = _display_diff(services.diff_item_snapshots(previous.snapshot, selected.snapshot))
    return render(
        request,
        f"{TEMPLATES}/versions.html",
        {
            "item": item,
            "versions": versions,
            "selected": selected,
            "previous": previous,
            "diff": diff,
            "history_url": _history_url(item),
        },
    )


# --- Delegations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementStatus:
    code: str  # valid | expired | pending | no_scan | missing
    label: str

    @property
    def ok(self) -> bool:
        return self.code == "valid"


def agreement_status(
    agreement: DelegationAgreement | None, today: datetime.date
) -> AgreementStatus:
    """Why an agreement does or does not back a delegation today (see `is_valid_on`)."""
    if agreement is None:
        return AgreementStatus("missing", _("No agreement linked"))
    if agreement.valid_until is not None and today > agreement.valid_until:
        return AgreementStatus("expired", _("Expired"))
    if today < agreement.valid_from:
        return AgreementStatus("pending", _("Not yet valid"))
    if not agreement.scan:
        return AgreementStatus("no_scan", _("Signed scan missing"))
    return AgreementStatus("valid", _("Valid"))


@dataclass
class MatrixRow:
    item: ServiceItem
    powers: set[str] = field(default_factory=set)
    agreements: dict[str, AgreementStatus] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unbacked: int = 0  # delegations without an agreement valid today

    def checked(self) -> list[tuple[str, str, bool]]:
        return [(value, label, value in self.powers) for value, label in Power.choices]


def _matrix_rows(department: Department, today: datetime.date) -> list[MatrixRow]:
    items = ServiceItem.objects.filter(department=department).order_by("name", "pk")
    rows = {
        item.pk: MatrixRow(item)
        for item in items.only("pk", "name", "implementation_code", "status")
    }
    delegations = (
        Delegation.objects.filter(item__department=department)
        .select_related("agreement")
        .order_by("pk")
    )
    for d in delegations:
        row = rows.get(d.item_id)
        if row is None:
            continue
        row.powers.add(d.power)
        status = agreement_status(d.agreement, today)
        if d.agreement is not None:
            row.agreements[d.agreement.number] = status
        if not status.ok:
            row.unbacked += 1
            if status.label not in row.problems:
                row.problems.append(status.label)
    return list(rows.values())


def _parse_grants(values: list[str]) -> list[tuple[int, str]] | None:
    grants = []
    for value in values:
        item_id, _sep, power = value.partition(":")
        if not item_id.isdigit() or power not in Power.values:
            return None
        grants.append((int(item_id), power))
    return grants


def _save_matrix(request: HttpRequest, department: Department) -> HttpResponse:
    _require(request, "catalog.add_delegation", "catalog.delete_delegation")
    here = f"{reverse('catalog:delegation-matrix')}?{urlencode({'department': department.pk})}"
    agreement = None
    raw_agreement = request.POST.get("agreement", "")
    if raw_agreement:
        agreement = DelegationAgreement.objects.filter(
            pk=raw_agreement if raw_agreement.isdigit() else 0, department=department
        ).first()
        if agreement is None:
            messages.error(request, _("Choose one of this department's agreements."))
            return _done(request, here)
    if request.POST.get("action") == "grant_all":
        item_ids = ServiceItem.objects.filter(department=department).values_list("pk", flat=True)
        grants = [(i, p) for i in item_ids for p in Power.values]
    else:
        parsed = _parse_grants(request.POST.getlist("grant"))
        if parsed is None:
            return HttpResponseBadRequest()
        grants = parsed
    try:
        added, removed, relinked = services.save_delegation_matrix(
            department=department,
            grants=grants,
            agreement=agreement,
            relink=request.POST.get("relink") == "1",
            actor=request.user,
        )
    except services.CatalogError:
        messages.error(
            request,
            _("The delegations sent do not belong to this department. Please reload and retry."),
        )
        return _done(request, here)
    messages.success(
        request,
        _("Saved: %(added)s powers granted, %(removed)s withdrawn, %(relinked)s re-linked.")
        % {"added": added, "removed": removed, "relinked": relinked},
    )
    if added and (agreement is None or not agreement.is_valid_on(timezone.localdate())):
        messages.warning(
            request,
            _(
                "The new grants have no valid agreement. They stay marked until a valid "
                "agreement with its signed scan is linked."
            ),
        )
    return _done(request, here)


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.view_delegation")
def delegation_matrix(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    picker = MatrixDepartmentForm(source if "department" in source else None)
    department = picker.cleaned_data["department"] if picker.is_valid() else None
    if request.method == "POST":
        _require(request, "catalog.add_delegation", "catalog.delete_delegation")
        if department is None:
            return HttpResponseBadRequest()
        return _save_matrix(request, department)

    context: dict[str, Any] = {"picker": picker, "department": department, "powers": Power.choices}
    if department is not None:
        today = timezone.localdate()
        rows = _matrix_rows(department, today)
        agreements = [
            (a, agreement_status(a, today))
            for a in DelegationAgreement.objects.filter(department=department).order_by(
                "-valid_from", "-pk"
            )
        ]
        default = next((a for a, status in agreements if status.ok), None)
        n_powers = len(Power.values)
        context.update(
            rows=rows,
            agreements=agreements,
            default_agreement=default,
            can_change=request.user.has_perms(
                ("catalog.add_delegation", "catalog.delete_delegation")
            ),
            summary={
                "items": len(rows),
                "all": sum(1 for r in rows if len(r.powers) == n_powers),
                "partial": sum(1 for r in rows if 0 < len(r.powers) < n_powers),
                "none": sum(1 for r in rows if not r.powers),
                "lacking_items": sum(1 for r in rows if r.problems),
                "lacking_delegations": sum(r.unbacked for r in rows),
            },
        )
    return render(request, f"{TEMPLATES}/delegation_matrix.html", context)


# --- Agreements -------------------------------------------------------------------------------


@require_GET
@staff_permission_required("catalog.change_delegationagreement")
def agreement_list(request: HttpRequest) -> HttpResponse:
    picker = MatrixDepartmentForm(request.GET if request.GET.get("department") else None)
    agreements = DelegationAgreement.objects.select_related("department").annotate(
        n_delegations=Count("delegations")
    )
    if picker.is_valid():
        agreements = agreements.filter(department=picker.cleaned_data["department"])
    today = timezone.localdate()
    rows = [(a, agreement_status(a, today)) for a in agreements]
    return render(request, f"{TEMPLATES}/agreement_list.html", {"rows": rows, "picker": picker})


def _agreement_form_page(
    request: HttpRequest, agreement: DelegationAgreement | None
) -> HttpResponse:
    form = AgreementForm(request.POST or None, request.FILES or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_agreement(agreement=form.save(commit=False), actor=request.user)
        except services.CatalogError as error:
            form.add_error("department", str(error))
        else:
            messages.success(request, _("Agreement %(n)s saved.") % {"n": saved.number})
            return redirect("catalog:agreement-edit", pk=saved.pk)
    if request.method == "POST":
        messages.error(request, _("Not saved. Please correct the fields marked in red."))
    status = agreement_status(agreement, timezone.localdate()) if agreement else None
    return render(
        request,
        f"{TEMPLATES}/agreement_form.html",
        {
            "form": form,
            "agreement": agreement,
            "status": status,
            "history_url": _history_url(agreement) if agreement else None,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.add_delegationagreement")
def agreement_create(request: HttpRequest) -> HttpResponse:
    return _agreement_form_page(request, None)


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.change_delegationagreement")
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(DelegationAgreement.objects.select_related("department"), pk=pk)
    if request.method == "POST":
        # Bind to a fresh copy so the page header keeps the saved values on errors.
        return _agreement_form_page(request, DelegationAgreement.objects.get(pk=pk))
    return _agreement_form_page(request, agreement)


# --- Synonyms ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_permission_required("catalog.change_synonym")
def synonym_list(request: HttpRequest) -> HttpResponse:
    here = reverse("catalog:synonym-list")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    source = request.POST if action else request.GET

    target: Synonym | None = None
    raw_id = source.get("id") or source.get("edit") or source.get("delete") or ""
    if raw_id:
        target = Synonym.objects.filter(pk=raw_id if raw_id.isdigit() else 0).first()
        if target is None:
            messages.error(request, _("That synonym no longer exists."))
            return _done(request, here)

    if request.method == "GET" and request.GET.get("delete") and target is not None:
        return render(
            request, f"{TEMPLATES}/synonym_confirm_delete.html", {"synonym": target, "cancel": here}
        )
    if action == "delete" and target is not None:
        _require(request, "catalog.delete_synonym")
        if request.POST.get("confirmed") != "1":
            return render(
                request,
                f"{TEMPLATES}/synonym_confirm_delete.html",
                {"synonym": target, "cancel": here},
            )
        services.delete_synonym(synonym=target, actor=request.user)
        messages.success(request, _("Synonym “%(term)s” deleted.") % {"term": target.term})
        return _done(request, here)
    if request.method == "POST" and action != "save":
        return HttpResponseBadRequest()

    if action == "save":
        _require(request, "catalog.change_synonym" if target else "catalog.add_synonym")
        form = SynonymForm(request.POST, instance=target)
        if form.is_valid():
            saved = services.save_synonym(synonym=form.save(commit=False), actor=request.user)
            messages.success(request, _("Synonym “%(term)s” saved.") % {"term": saved.term})
            return _done(request, here)
    else:
        form = SynonymForm(instance=target)

    synonyms = Synonym.objects.all()
    q = request.GET.get("q", "").strip()
    if q:
        synonyms = synonyms.filter(
            Q(term__icontains=q) | Q(canonical__icontains=q) | Q(note__icontains=q)
        )
    page = Paginator(synonyms, SYNONYM_PAGE_SIZE).get_page(request.GET.get("page"))
    template = f"{TEMPLATES}/synonym_list.html"
    if getattr(request, "htmx", False) and request.method == "GET" and "q" in request.GET:
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "editing": target,
            "page": page,
            "q": q,
            "query": _query_without(request, "page", "edit", "delete"),
        },
    )
