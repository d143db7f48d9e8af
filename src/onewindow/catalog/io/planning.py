"""Parse the file's tables and check them against the database, without writing anything.

The result is a `Plan`: every error found (all of them, not the first), and for every table the
rows to create, update or delete. Queries are per table, not per row: existing departments,
agreements and items are loaded once into dictionaries, children only for the items the file
mentions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from onewindow.catalog.io.columns import (
    AGREEMENTS,
    DELEGATIONS,
    DEPARTMENTS,
    ITEM_TYPE_LABELS,
    ITEMS,
    MATERIALS,
    POWER_LABELS,
    QA,
    REVIEW_POINTS,
    SCENARIOS,
    TABLES,
    Table,
    infer_audience,
    split_list,
    table_named,
)
from onewindow.catalog.io.errors import RowError
from onewindow.catalog.io.reading import RawTable, Source
from onewindow.catalog.models import (
    Answer,
    Delegation,
    DelegationAgreement,
    Department,
    Material,
    ReviewPoint,
    Scenario,
    ServiceItem,
)

M = TypeVar("M", bound=models.Model)

_AREA_CODE = re.compile(r"^\d{12}$")
_DEPARTMENT_FIELDS = ("short_name", "window_location", "phone", "sort_order")
_CHUNK = 500


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@dataclass
class DepartmentPlan:
    name: str
    existing: Department | None
    codes: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # row in the departments table
    code_rows: list[tuple[Table, int]] = field(default_factory=list)
    mentioned: bool = False


@dataclass
class AgreementPlan:
    number: str
    existing: DelegationAgreement | None
    department: str
    values: dict[str, Any]
    row: int


@dataclass
class ItemPlan:
    code: str
    existing: ServiceItem | None
    department: str
    values: dict[str, Any]
    row: int
    changed: list[str] = field(default_factory=list)


@dataclass
class ChildChanges:
    """Creates, updates and deletes of one child table (keys are the rows' natural keys)."""

    create: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    update: list[tuple[models.Model, dict[str, Any]]] = field(default_factory=list)
    delete: list[models.Model] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> Counts:
        return Counts(len(self.create), len(self.update), self.unchanged, len(self.delete))


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def filter_in(queryset: models.QuerySet[M], lookup: str, ids: Iterable[Any]) -> list[M]:
    """queryset.filter(<lookup>__in=ids) in chunks, so no backend hits its parameter limit."""
    ids = sorted(set(ids))
    out: list[M] = []
    for chunk in chunks(ids):
        out.extend(queryset.filter(**{f"{lookup}__in": chunk}))
    return out


def diff_values(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    return {f: v for f, v in values.items() if getattr(obj, f) != v}


class Plan:
    """The file parsed and checked against the database: errors, and what would change."""

    def __init__(self, source: Source) -> None:
        self.errors: list[RowError] = list(source.errors)
        self.rows: dict[str, list[Row]] = {}
        self.present: dict[str, set[str]] = {}
        self.positions: dict[str, dict[str, int]] = {}
        self._parse(source.tables)

    # ------------------------------------------------------------------ errors

    def err(self, table: Table, row: int | None, column: str | None, message: str) -> None:
        self.errors.append(
            RowError(
                sheet=table.zh,
                row=row,
                column_name=table.column(column).zh if column else "",
                message=message,
                table=table.key,
                column=column or "",
                position=self.positions.get(table.key, {}).get(column or "", -1),
            )
        )

    def duplicate(self, table: Table, row: Row, column: str, value: str, first: int) -> None:
        self.err(
            table,
            row.number,
            column,
            _("“%(value)s” appears twice in the file (first in row %(row)s).")
            % {"value": value, "row": first},
        )

    # ------------------------------------------------------------------ parsing

    def _parse(self, raw_tables: list[RawTable]) -> None:
        sheet_names: dict[str, str] = {}
        for raw in raw_tables:
            table = table_named(raw.name)
            if table is None:
                self.errors.append(
                    RowError(
                        sheet=raw.name,
                        row=None,
                        column_name="",
                        message=_("Not a table of the template; use one of %(names)s.")
                        % {"names": "、".join(f"{t.zh}（{t.key}）" for t in TABLES)},
                    )
                )
                continue
            if table.key in sheet_names:
                self.err(
                    table,
                    None,
                    None,
                    _("The table appears twice (“%(a)s” and “%(b)s”).")
                    % {"a": sheet_names[table.key], "b": raw.name},
                )
                continue
            sheet_names[table.key] = raw.name
            self._parse_table(table, raw)

    def _parse_table(self, table: Table, raw: RawTable) -> None:
        positions: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        unnamed: list[int] = []
        for index, header in enumerate(raw.headers):
            if not header:
                unnamed.append(index)
                continue
            column = table.column_for(header)
            if column is None:
                self.errors.append(
                    RowError(
                        sheet=table.zh,
                        row=1,
                        column_name=header,
                        message=_(
                            "Unknown column. Use the template's column names (English key or"
                            " Chinese name)."
                        ),
                        table=table.key,
                        position=index,
                    )
                )
                continue
            if column.key in seen:
                self.err(
                    table,
                    1,
                    column.key,
                    _("The column appears twice (columns %(a)s and %(b)s).")
                    % {"a": seen[column.key] + 1, "b": index + 1},
                )
                continue
            seen[column.key] = index
            positions.append((index, column.key))
        self.positions[table.key] = dict(seen)
        missing = [c for c in table.columns if c.required and c.key not in seen]
        for column in missing:
            self.err(table, 1, column.key, _("This required column is missing."))
        width = len(raw.headers)
        stray_reported: set[int] = set()
        rows: list[Row] = []
        for number, cells in raw.rows:
            for index, cell in enumerate(cells):
                if cell and (index >= width or index in unnamed) and index not in stray_reported:
                    stray_reported.add(index)
                    self.errors.append(
                        RowError(
                            sheet=table.zh,
                            row=number,
                            column_name=_("column %(n)s") % {"n": index + 1},
                            message=_("This cell has data but its column has no name."),
                            table=table.key,
                            position=index,
                        )
                    )
            if missing:
                continue
            row = Row(number=number, values={})
            for index, key in positions:
                column = table.column(key)
                value, problem = table.parse(column, cells[index] if index < len(cells) else "")
                if problem:
                    row.bad.add(key)
                    self.err(table, number, key, problem)
                else:
                    row.values[key] = value
            rows.append(row)
        self.rows[table.key] = rows
        self.present[table.key] = set(seen)
        self.positions[table.key] = dict(seen)

    def table_rows(self, table: Table) -> list[Row]:
        return self.rows.get(table.key, [])

    def has(self, table: Table, column: str) -> bool:
        return column in self.present.get(table.key, set())

    # ------------------------------------------------------------------ planning

    def plan(self) -> None:
        self._load()
        self._plan_departments()
        self._plan_items()  # may introduce departments (the province's list form)
        self._plan_agreements()
        self._plan_department_changes()
        self._plan_children()

    def _load(self) -> None:
        self.db_departments = {d.name: d for d in Department.objects.all()}
        self.db_agreements = {
            a.number: a for a in DelegationAgreement.objects.select_related("department")
        }
        self.db_items = {
            i.implementation_code: i for i in ServiceItem.objects.select_related("department")
        }

    def _plan_departments(self) -> None:
        self.departments: dict[str, DepartmentPlan] = {
            name: DepartmentPlan(name=name, existing=d, codes=split_list(d.codes))
            for name, d in self.db_departments.items()
        }
        self.code_owner: dict[str, str] = {}
        seen: dict[str, int] = {}
        restated: set[str] = set()
        for row in self.table_rows(DEPARTMENTS):
            name = row.get("department")
            if not name:
                continue
            if name in seen:
                self.duplicate(DEPARTMENTS, row, "department", name, seen[name])
                continue
            seen[name] = row.number
            plan = self.departments.get(name) or DepartmentPlan(name=name, existing=None, codes=[])
            self.departments[name] = plan
            plan.row = row.number
            plan.mentioned = True
            for key in _DEPARTMENT_FIELDS:
                if key in row.values:
                    plan.values[key] = row.values[key]
            if "department_code" in row.values:
                plan.codes = []
                restated.add(name)
        # Codes of departments the file does not restate stay theirs; a restated code that
        # belongs to one of them is an error on the row that states it.
        for plan in self.departments.values():
            if plan.name not in restated:
                for code in plan.codes:
                    self.code_owner.setdefault(code, plan.name)
        for row in self.table_rows(DEPARTMENTS):
            name = row.get("department")
            if name in restated and seen.get(name) == row.number:
                for code in row.get("department_code", []):
                    self._claim_code(DEPARTMENTS, row, self.departments[name], code)

    def _claim_code(self, table: Table, row: Row, plan: DepartmentPlan, code: str) -> None:
        owner = self.code_owner.get(code)
        if owner is not None and owner != plan.name:
            self.err(
                table,
                row.number,
                "department_code",
                _("Department code “%(code)s” belongs to “%(owner)s”, not “%(name)s”.")
                % {"code": code, "owner": owner, "name": plan.name},
            )
            return
        if owner is None:
            self.code_owner[code] = plan.name
        if code not in plan.codes:
            plan.codes.append(code)
            plan.code_rows.append((table, row.number))

    def _known_department(self, table: Table, row: Row, column: str) -> DepartmentPlan | None:
        name = row.get(column)
        if not name:
            return None
        plan = self.departments.get(name)
        if plan is None:
            self.err(
                table,
                row.number,
                column,
                _(
                    "Unknown department “%(name)s”. List it in the departments table first, or"
                    " give its department code in the items table."
                )
                % {"name": name},
            )
        return plan

    def _plan_agreements(self) -> None:
        self.agreements: dict[str, AgreementPlan] = {}
        fields = [c for c in AGREEMENTS.columns if c.field]
        for row in self.table_rows(AGREEMENTS):
            number = row.get("agreement_number")
            if not number:
                continue
            if number in self.agreements:
                first = self.agreements[number].row
                self.duplicate(AGREEMENTS, row, "agreement_number", number, first)
                continue
            existing = self.db_agreements.get(number)
            values = {c.field: row.values[c.key] for c in fields if c.key in row.values}
            dept = self._known_department(AGREEMENTS, row, "department")
            if dept is not None:
                dept.mentioned = True
                if existing is not None and existing.department.name != dept.name:
                    self.err(
                        AGREEMENTS,
                        row.number,
                        "department",
                        _(
                            "Agreement “%(number)s” is an agreement of “%(owner)s”; it cannot be"
                            " moved to another department."
                        )
                        % {"number": number, "owner": existing.department.name},
                    )
            final_from = values.get("valid_from", getattr(existing, "valid_from", None))
            final_until = values.get("valid_until", getattr(existing, "valid_until", None))
            if final_from and final_until and final_until < final_from:
                self.err(
                    AGREEMENTS,
                    row.number,
                    "valid_until",
                    _("The end date cannot be before the start date."),
                )
            self.agreements[number] = AgreementPlan(
                number=number,
                existing=existing,
                department=row.get("department", ""),
                values=values,
                row=row.number,
            )

    def _plan_items(self) -> None:
        self.items: dict[str, ItemPlan] = {}
        self.item_codes_in_file: set[str] = set()
        fields = [c for c in ITEMS.columns if c.field]
        next_order = max(
            [d.sort_order for d in self.db_departments.values()]
            + [p.values.get("sort_order") or 0 for p in self.departments.values()]
            + [0]
        )
        for row in self.table_rows(ITEMS):
            code = row.get("implementation_code")
            if not code:
                continue
            self.item_codes_in_file.add(code)
            if code in self.items:
                self.duplicate(ITEMS, row, "implementation_code", code, self.items[code].row)
                continue
            name = row.get("department")
            dept = self.departments.get(name) if name else None
            if name and dept is None:
                if row.get("department_code"):
                    # The province's list form: a department given with its code is known.
                    next_order += 1
                    dept = DepartmentPlan(
                        name=name, existing=None, codes=[], values={"sort_order": next_order}
                    )
                    self.departments[name] = dept
                else:
                    self._known_department(ITEMS, row, "department")
            if dept is not None:
                dept.mentioned = True
                for dept_code in row.get("department_code", []):
                    self._claim_code(ITEMS, row, dept, dept_code)
            existing = self.db_items.get(code)
            values = {c.field: row.values[c.key] for c in fields if c.key in row.values}
            if existing is None and not self.has(ITEMS, "audience") and "name" in values:
                values["audience"] = infer_audience(values["name"])
            self._check_item(row, existing, values)
            plan = ItemPlan(
                code=code, existing=existing, department=name or "", values=values, row=row.number
            )
            if existing is not None:
                plan.changed = list(diff_values(existing, values))
                if name and existing.department.name != name:
                    plan.changed.append("department")
            self.items[code] = plan

    def _check_item(self, row: Row, existing: ServiceItem | None, values: dict[str, Any]) -> None:
        def final(name: str) -> Any:
            if name in values:
                return values[name]
            if existing is not None:
                return getattr(existing, name)
            return ServiceItem._meta.get_field(name).get_default()

        def fine(*keys: str) -> bool:
            return not (set(keys) & row.bad)

        label = row.get("item_type")
        type_code = row.get("item_type_code")
        if label and type_code and label != type_code:
            self.err(
                ITEMS,
                row.number,
                "item_type",
                _("“%(label)s” does not match item type code %(code)s (%(expected)s).")
                % {
                    "label": ITEM_TYPE_LABELS[label],
                    "code": type_code,
                    "expected": ITEM_TYPE_LABELS[type_code],
                },
            )
        area = row.get("area_code")
        if area and not _AREA_CODE.match(area):
            self.err(
                ITEMS,
                row.number,
                "area_code",
                _("“%(value)s” is not an area code (12 digits).") % {"value": area},
            )
        limits = ("statutory_limit_days", "promised_limit_days")
        if fine(*limits) and any(self.has(ITEMS, k) for k in limits):
            statutory, promised = final("statutory_limit_days"), final("promised_limit_days")
            if statutory is not None and promised is not None and promised > statutory:
                self.err(
                    ITEMS,
                    row.number,
                    "promised_limit_days",
                    _(
                        "The promised limit (%(promised)s working days) cannot be longer than the"
                        " statutory limit (%(statutory)s working days)."
                    )
                    % {"promised": promised, "statutory": statutory},
                )
        if fine("confidential", "one_window") and final("confidential") and final("one_window"):
            self.err(
                ITEMS,
                row.number,
                "confidential" if self.has(ITEMS, "confidential") else "one_window",
                _("A confidential item cannot be in the one-window list: set 是否一窗办理 to 否."),
            )
        basis_columns = ("one_window", "one_window_exclusion_basis")
        if (
            fine(*basis_columns)
            and any(self.has(ITEMS, k) for k in basis_columns)
            and not final("one_window")
            and not final("one_window_exclusion_basis")
        ):
            self.err(
                ITEMS,
                row.number,
                "one_window_exclusion_basis"
                if self.has(ITEMS, "one_window_exclusion_basis")
                else "one_window",
                _("An item outside the one-window list needs the basis for its exclusion."),
            )

    def _plan_department_changes(self) -> None:
        self.department_counts = Counts()
        codes_field = Department._meta.get_field("codes")
        for plan in self.departments.values():
            joined = ";".join(plan.codes)
            if len(joined) > codes_field.max_length:
                table, number = plan.code_rows[-1] if plan.code_rows else (DEPARTMENTS, plan.row)
                self.err(
                    table,
                    number,
                    "department_code",
                    _("The department's codes are longer than %(n)s characters in all.")
                    % {"n": codes_field.max_length},
                )
            if not plan.mentioned:
                continue
            if plan.existing is None:
                self.department_counts.created += 1
            elif (
                diff_values(plan.existing, plan.values)
                or split_list(plan.existing.codes) != plan.codes
            ):
                self.department_counts.updated += 1
            else:
                self.department_counts.unchanged += 1

    # ------------------------------------------------------------------ children

    def _known_item(self, table: Table, row: Row) -> str | None:
        code = row.get("implementation_code")
        if not code:
            return None
        if code not in self.db_items and code not in self.item_codes_in_file:
            self.err(
                table,
                row.number,
                "implementation_code",
                _(
                    "Unknown item: implementation code “%(code)s” is neither in the items table nor"
                    " in the catalog."
                )
                % {"code": code},
            )
            return None
        return code

    def item_department(self, code: str) -> str:
        if code in self.items:
            return self.items[code].department
        return self.db_items[code].department.name

    def _plan_children(self) -> None:
        mentioned = {
            row.get("implementation_code")
            for table in (SCENARIOS, MATERIALS, REVIEW_POINTS, QA, DELEGATIONS)
            for row in self.table_rows(table)
        }
        ids = [self.db_items[c].pk for c in mentioned if c in self.db_items]
        self.db_scenarios: dict[str, dict[str, Scenario]] = defaultdict(dict)
        self.db_materials: dict[tuple[str, str], dict[str, Material]] = defaultdict(dict)
        self.db_points: dict[str, dict[str, ReviewPoint]] = defaultdict(dict)
        self.db_answers: dict[str, dict[str, Answer]] = defaultdict(dict)
        self.db_delegations: dict[str, dict[str, Delegation]] = defaultdict(dict)
        if ids and any(self.table_rows(t) for t in (SCENARIOS, MATERIALS, REVIEW_POINTS)):
            for s in filter_in(Scenario.objects.select_related("item"), "item_id", ids):
                self.db_scenarios[s.item.implementation_code][s.code] = s
            for m in filter_in(
                Material.objects.select_related("scenario__item"), "scenario__item_id", ids
            ):
                key = (m.scenario.item.implementation_code, m.scenario.code)
                self.db_materials[key][m.code] = m
            for p in filter_in(
                ReviewPoint.objects.select_related("item", "material__scenario"), "item_id", ids
            ):
                self.db_points[p.item.implementation_code][p.code] = p
        if self.table_rows(QA):
            for a in filter_in(Answer.objects.select_related("item"), "item_id", ids):
                self.db_answers[a.item.implementation_code][a.code] = a
            for a in Answer.objects.filter(item__isnull=True):
                self.db_answers[""][a.code] = a
        if self.table_rows(DELEGATIONS):
            for d in filter_in(
                Delegation.objects.select_related("item", "agreement"), "item_id", ids
            ):
                self.db_delegations[d.item.implementation_code][d.power] = d
        self._plan_scenarios()
        self._plan_materials()
        self._plan_points()
        self._plan_answers()
        self._plan_delegations()

    def _grouped(
        self, table: Table, key_columns: tuple[str, ...], *, item_required: bool = True
    ) -> dict[Any, dict[str, tuple[Row, dict[str, Any]]]]:
        """Rows by parent key → {own code: (row, field values)}; reports unknown items, repeats."""
        out: dict[Any, dict[str, tuple[Row, dict[str, Any]]]] = defaultdict(dict)
        fields = [c for c in table.columns if c.field]
        own = next(c.key for c in table.columns if c.field == "code")
        for row in self.table_rows(table):
            if row.get("implementation_code") or item_required:
                item = self._known_item(table, row)
                if item is None:
                    continue
            else:
                item = ""
            code = row.get(own)
            if not code or any(row.get(k) is None for k in key_columns):
                continue
            parent = (item, *(row.get(k) for k in key_columns)) if key_columns else item
            if code in out[parent]:
                self.duplicate(table, row, own, code, out[parent][code][0].number)
                continue
            values = {c.field: row.values[c.key] for c in fields if c.key in row.values}
            out[parent][code] = (row, values)
        return out

    def _changes(
        self,
        existing: dict[str, M],
        wanted: dict[str, tuple[Row, dict[str, Any]]],
        *,
        parent: Any,
        delete_unlisted: bool = True,
    ) -> ChildChanges:
        changes = ChildChanges()
        for code, (_row, values) in wanted.items():
            obj = existing.get(code)
            if obj is None:
                changes.create.append(((parent, code), values))
                continue
            diff = diff_values(obj, values)
            if diff:
                changes.update.append((obj, diff))
            else:
                changes.unchanged += 1
        if delete_unlisted:
            changes.delete.extend(obj for code, obj in existing.items() if code not in wanted)
        return changes

    def final_scenarios(self, item: str) -> set[str]:
        if item in self.scenario_rows:
            return set(self.scenario_rows[item])
        return set(self.db_scenarios.get(item, {}))

    def final_materials(self, item: str, scenario: str) -> set[str]:
        if scenario not in self.final_scenarios(item):
            return set()
        if (item, scenario) in self.material_rows:
            return set(self.material_rows[(item, scenario)])
        return set(self.db_materials.get((item, scenario), {}))

    def _plan_scenarios(self) -> None:
        self.scenario_rows = self._grouped(SCENARIOS, ())
        self.scenario_changes: dict[str, ChildChanges] = {
            item: self._changes(self.db_scenarios.get(item, {}), wanted, parent=item)
            for item, wanted in self.scenario_rows.items()
        }

    def _plan_materials(self) -> None:
        grouped = self._grouped(MATERIALS, ("scenario_code",))
        self.material_rows: dict[tuple[str, str], dict[str, tuple[Row, dict[str, Any]]]] = {}
        for (item, scenario), wanted in grouped.items():
            if scenario not in self.final_scenarios(item):
                for row, _values in wanted.values():
                    self.err(
                        MATERIALS,
                        row.number,
                        "scenario_code",
                        _("Item “%(item)s” has no scenario “%(scenario)s”.")
                        % {"item": item, "scenario": scenario},
                    )
                continue
            self.material_rows[(item, scenario)] = wanted
            existing = self.db_materials.get((item, scenario), {})
            for code, (row, values) in wanted.items():
                current = existing.get(code)
                may_defer = values.get("may_defer", getattr(current, "may_defer", False))
                defer_days = values.get("defer_days", getattr(current, "defer_days", None))
                if (
                    defer_days is not None
                    and not may_defer
                    and not {"may_defer", "defer_days"} & row.bad
                ):
                    self.err(
                        MATERIALS,
                        row.number,
                        "defer_days",
                        _(
                            "Only a material that may be supplied later has a deadline to supply"
                            " it."
                        ),
                    )
        self.material_changes: dict[tuple[str, str], ChildChanges] = {}
        for (item, scenario), wanted in self.material_rows.items():
            # Materials of a scenario that is itself created start from nothing.
            existing = self.db_materials.get((item, scenario), {})
            self.material_changes[(item, scenario)] = self._changes(
                existing, wanted, parent=(item, scenario)
            )

    def _plan_points(self) -> None:
        grouped = self._grouped(REVIEW_POINTS, ())
        self.point_changes: dict[str, ChildChanges] = {}
        with_material = self.has(REVIEW_POINTS, "material_code") or self.has(
            REVIEW_POINTS, "scenario_code"
        )
        for item, wanted in grouped.items():
            for _code, (row, values) in wanted.items():
                scenario, material = row.get("scenario_code", ""), row.get("material_code", "")
                if material and not scenario:
                    self.err(
                        REVIEW_POINTS,
                        row.number,
                        "scenario_code",
                        _("Give the scenario code of the material."),
                    )
                elif scenario and not material:
                    self.err(
                        REVIEW_POINTS,
                        row.number,
                        "material_code",
                        _("Give the material code, or leave the scenario code empty."),
                    )
                elif scenario and scenario not in self.final_scenarios(item):
                    self.err(
                        REVIEW_POINTS,
                        row.number,
                        "scenario_code",
                        _("Item “%(item)s” has no scenario “%(scenario)s”.")
                        % {"item": item, "scenario": scenario},
                    )
                elif material and material not in self.final_materials(item, scenario):
                    self.err(
                        REVIEW_POINTS,
                        row.number,
                        "material_code",
                        _("Scenario “%(scenario)s” has no material “%(material)s”.")
                        % {"scenario": scenario, "material": material},
                    )
                if with_material:
                    values["material_ref"] = (scenario, material) if material else None
            existing = self.db_points.get(item, {})
            changes = ChildChanges()
            for code, (_row, values) in wanted.items():
                obj = existing.get(code)
                if obj is None:
                    changes.create.append(((item, code), values))
                    continue
                plain = {k: v for k, v in values.items() if k != "material_ref"}
                diff = diff_values(obj, plain)
                if "material_ref" in values:
                    current = (
                        (obj.material.scenario.code, obj.material.code) if obj.material else None
                    )
                    if current != values["material_ref"]:
                        diff["material_ref"] = values["material_ref"]
                if diff:
                    changes.update.append((obj, diff))
                else:
                    changes.unchanged += 1
            changes.delete.extend(obj for code, obj in existing.items() if code not in wanted)
            self.point_changes[item] = changes

    def _plan_answers(self) -> None:
        grouped = self._grouped(QA, (), item_required=False)
        self.answer_changes: dict[str, ChildChanges] = {
            item: self._changes(
                self.db_answers.get(item, {}),
                wanted,
                parent=item,
                # General answers are matched by code; the file never removes one.
                delete_unlisted=bool(item),
            )
            for item, wanted in grouped.items()
        }

    def _plan_delegations(self) -> None:
        by_label = {label: power for power, label in POWER_LABELS.items()}
        self.delegation_rows: dict[str, dict[str, str | None]] = {}
        first_row: dict[tuple[str, str], int] = {}
        keep_agreement = not self.has(DELEGATIONS, "agreement_number")
        for row in self.table_rows(DELEGATIONS):
            item = self._known_item(DELEGATIONS, row)
            if item is None:
                continue
            grants = self.delegation_rows.setdefault(item, {})
            number = row.get("agreement_number") or None
            if number:
                agreement_department = (
                    self.agreements[number].department
                    if number in self.agreements
                    else self.db_agreements[number].department.name
                    if number in self.db_agreements
                    else None
                )
                if agreement_department is None:
                    self.err(
                        DELEGATIONS,
                        row.number,
                        "agreement_number",
                        _(
                            "Agreement “%(number)s” is neither in the agreements table nor in the"
                            " catalog."
                        )
                        % {"number": number},
                    )
                elif agreement_department != self.item_department(item):
                    self.err(
                        DELEGATIONS,
                        row.number,
                        "agreement_number",
                        _(
                            "Agreement “%(number)s” is an agreement of “%(owner)s”, but the item"
                            " belongs to “%(department)s”."
                        )
                        % {
                            "number": number,
                            "owner": agreement_department,
                            "department": self.item_department(item),
                        },
                    )
            for text in row.get("powers", []):
                power = by_label.get(text) or (text if text in POWER_LABELS else None)
                if power is None:
                    self.err(
                        DELEGATIONS,
                        row.number,
                        "powers",
                        _("“%(value)s” is not one of the five powers (%(powers)s).")
                        % {"value": text, "powers": "、".join(POWER_LABELS.values())},
                    )
                    continue
                if (item, power) in first_row:
                    self.duplicate(
                        DELEGATIONS, row, "powers", POWER_LABELS[power], first_row[(item, power)]
                    )
                    continue
                first_row[(item, power)] = row.number
                grants[power] = number
        self.delegation_counts = Counts()
        self.delegation_changes: dict[
            str, tuple[list[str], list[Delegation], list[Delegation]]
        ] = {}
        for item, grants in self.delegation_rows.items():
            current = self.db_delegations.get(item, {})
            add = [p for p in grants if p not in current]
            remove = [d for p, d in current.items() if p not in grants]
            relink = [
                current[p]
                for p, number in grants.items()
                if p in current
                and not keep_agreement
                and (current[p].agreement.number if current[p].agreement else None) != number
            ]
            self.delegation_counts.created += len(add)
            self.delegation_counts.deleted += len(remove)
            self.delegation_counts.updated += len(relink)
            self.delegation_counts.unchanged += len(grants) - len(add) - len(relink)
            if add or remove or relink:
                self.delegation_changes[item] = (add, remove, relink)

    # ------------------------------------------------------------------ summary

    def summary(self) -> dict[str, Counts]:
        summary: dict[str, Counts] = {"departments": self.department_counts}
        agreements = Counts()
        for plan in self.agreements.values():
            if plan.existing is None:
                agreements.created += 1
            elif diff_values(plan.existing, plan.values):
                agreements.updated += 1
            else:
                agreements.unchanged += 1
        summary["agreements"] = agreements
        self.versioned_items = self._versioned_items()
        items = Counts()
        for code in self._items_mentioned():
            if code in self.items and self.items[code].existing is None:
                items.created += 1
            elif code in self.versioned_items:
                items.updated += 1
            else:
                items.unchanged += 1
        summary["items"] = items
        for key, changes in (
            ("scenarios", self.scenario_changes.values()),
            ("materials", self.material_changes.values()),
            ("review_points", self.point_changes.values()),
            ("qa", self.answer_changes.values()),
        ):
            total = Counts()
            for change in changes:
                c = change.counts()
                total.created += c.created
                total.updated += c.updated
                total.unchanged += c.unchanged
                total.deleted += c.deleted
            summary[key] = total
        materials, points = self._cascaded_deletes()
        summary["materials"].deleted += materials
        summary["review_points"].deleted += points
        summary["delegations"] = self.delegation_counts
        return summary

    def _cascaded_deletes(self) -> tuple[int, int]:
        """Materials of removed scenarios and review points about removed materials."""
        removed: set[int] = set()
        for item, changes in self.scenario_changes.items():
            for scenario in changes.delete:
                removed.update(
                    m.pk for m in self.db_materials.get((item, scenario.code), {}).values()
                )
        cascaded_materials = len(removed)
        for changes in self.material_changes.values():
            removed.update(m.pk for m in changes.delete)
        cascaded_points = sum(
            1
            for item, points in self.db_points.items()
            if item not in self.point_changes
            for point in points.values()
            if point.material_id in removed
        )
        return cascaded_materials, cascaded_points

    def _items_mentioned(self) -> set[str]:
        codes = set(self.items)
        for table in (SCENARIOS, MATERIALS, REVIEW_POINTS):
            codes.update(
                c for c in (r.get("implementation_code") for r in self.table_rows(table)) if c
            )
        return codes

    def _versioned_items(self) -> set[str]:
        """Existing items whose versioned content (fields, scenarios, materials, points) changes."""
        codes = {c for c, p in self.items.items() if p.existing is not None and p.changed}
        for mapping in (self.scenario_changes, self.point_changes):
            codes.update(item for item, ch in mapping.items() if ch.counts().changed)
        codes.update(
            item for (item, _s), ch in self.material_changes.items() if ch.counts().changed
        )
        return {c for c in codes if c in self.db_items}
