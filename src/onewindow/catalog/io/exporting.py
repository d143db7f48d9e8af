"""Export the catalog in the template's format, so that exporting and importing changes nothing.

- .xlsx: every table, one sheet each, Chinese sheet names and headers;
- .zip: one UTF-8 CSV per table (`items.csv` …), English keys as headers;
- .csv: the items table alone, English keys, the province's eight columns first.

Rows come out in a stable order (department, item, then each table's own order), so an export of
a database filled from an export is identical to it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from onewindow.catalog.io.columns import (
    AGREEMENTS,
    DELEGATIONS,
    DEPARTMENTS,
    ITEMS,
    MATERIALS,
    POWER_LABELS,
    QA,
    REVIEW_POINTS,
    SCENARIOS,
    TABLES,
    Column,
    Table,
    split_list,
)
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

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "csv": "text/csv; charset=utf-8",
}

Rows = list[list[str]]
Getter = Callable[[Any], Any]


def _codes(department: Department) -> list[str]:
    return split_list(department.codes)


def _item_key(item: ServiceItem) -> tuple[Any, ...]:
    d = item.department
    return (d.sort_order, d.name, item.name, item.implementation_code)


def _rows(table: Table, objects: Iterable[Any], special: dict[str, Getter]) -> Rows:
    def getter(column: Column) -> Getter:
        if column.key in special:
            return special[column.key]
        name = column.field
        assert name is not None, column.key
        return lambda obj: getattr(obj, name)

    getters = [(column, getter(column)) for column in table.columns]
    return [[table.format(column, get(obj)) for column, get in getters] for obj in objects]


def export_tables() -> dict[str, Rows]:
    """The whole catalog as cell text, per table key, in each table's column order."""
    items = sorted(ServiceItem.objects.select_related("department"), key=_item_key)
    position = {item.pk: n for n, item in enumerate(items)}

    def by_item(item_id: int | None) -> int:
        return -1 if item_id is None else position[item_id]

    scenarios = sorted(
        Scenario.objects.select_related("item"),
        key=lambda s: (by_item(s.item_id), s.sort_order, s.pk),
    )
    scenario_position = {s.pk: n for n, s in enumerate(scenarios)}
    materials = sorted(
        Material.objects.select_related("scenario__item"),
        key=lambda m: (scenario_position[m.scenario_id], m.sort_order, m.pk),
    )
    points = sorted(
        ReviewPoint.objects.select_related("item", "material__scenario"),
        key=lambda p: (by_item(p.item_id), p.sort_order, p.pk),
    )
    answers = sorted(
        Answer.objects.select_related("item"),
        key=lambda a: (by_item(a.item_id), a.sort_order, a.pk),
    )
    agreements = DelegationAgreement.objects.select_related("department").order_by(
        "department__sort_order", "department__name", "number"
    )
    departments = Department.objects.order_by("sort_order", "name")

    item_code: Getter = lambda o: o.item.implementation_code  # noqa: E731
    return {
        ITEMS.key: _rows(
            ITEMS,
            items,
            {
                "department": lambda i: i.department.name,
                "department_code": lambda i: _codes(i.department),
                "item_type": lambda i: i.item_type,
            },
        ),
        SCENARIOS.key: _rows(SCENARIOS, scenarios, {"implementation_code": item_code}),
        MATERIALS.key: _rows(
            MATERIALS,
            materials,
            {
                "implementation_code": lambda m: m.scenario.item.implementation_code,
                "scenario_code": lambda m: m.scenario.code,
            },
        ),
        REVIEW_POINTS.key: _rows(
            REVIEW_POINTS,
            points,
            {
                "implementation_code": item_code,
                "scenario_code": lambda p: p.material.scenario.code if p.material else "",
                "material_code": lambda p: p.material.code if p.material else "",
            },
        ),
        QA.key: _rows(
            QA,
            answers,
            {"implementation_code": lambda a: a.item.implementation_code if a.item else ""},
        ),
        DELEGATIONS.key: _delegation_rows(items),
        AGREEMENTS.key: _rows(AGREEMENTS, agreements, {"department": lambda a: a.department.name}),
        DEPARTMENTS.key: _rows(DEPARTMENTS, departments, {"department_code": _codes}),
    }


def _delegation_rows(items: list[ServiceItem]) -> Rows:
    """One row per item and agreement, powers in their usual order."""
    order = list(POWER_LABELS)
    grouped: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for d in Delegation.objects.select_related("agreement"):
        grouped[d.item_id][d.agreement.number if d.agreement else ""].append(d.power)
    rows: Rows = []
    for item in items:
        for number, powers in sorted(grouped.get(item.pk, {}).items()):
            powers.sort(key=order.index)
            rows.append(
                [
                    item.implementation_code,
                    DELEGATIONS.format(
                        DELEGATIONS.column("powers"), [POWER_LABELS[p] for p in powers]
                    ),
                    number,
                ]
            )
    return rows


def blank_tables() -> dict[str, Rows]:
    return {table.key: [] for table in TABLES}


# ---------------------------------------------------------------------- writers


def write_xlsx(tables: dict[str, Rows], stream: io.IOBase | Any) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in TABLES:
        sheet = workbook.create_sheet(table.zh)
        sheet.freeze_panes = "A2"
        for n, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = 14 if column.field else 18
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.zh)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in tables.get(table.key, []):
            cells = []
            for text in row:
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text) or None)
                # Always text: a value starting with "=" is data, never a formula.
                if cell.value is not None:
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    workbook.save(stream)


def _csv_bytes(table: Table, rows: Rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.keys)
    writer.writerows(rows)
    # With a BOM, Excel on Chinese Windows opens UTF-8 correctly; the importer accepts both.
    return buffer.getvalue().encode("utf-8-sig")


def write_zip(tables: dict[str, Rows], stream: io.IOBase | Any) -> None:
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            archive.writestr(f"{table.key}.csv", _csv_bytes(table, tables.get(table.key, [])))


def write_csv(tables: dict[str, Rows], stream: io.IOBase | Any) -> None:
    stream.write(_csv_bytes(ITEMS, tables.get(ITEMS.key, [])))


WRITERS = {"xlsx": write_xlsx, "zip": write_zip, "csv": write_csv}


def export_bytes(fmt: str, *, blank: bool = False) -> bytes:
    """The catalog (or, with `blank`, the empty template) as a file of format xlsx, zip or csv."""
    if fmt not in WRITERS:
        raise ValueError(fmt)
    buffer = io.BytesIO()
    WRITERS[fmt](blank_tables() if blank else export_tables(), buffer)
    return buffer.getvalue()


def export_path(path: str | Path, *, blank: bool = False) -> str:
    """Write the export to `path`; the format is its suffix. Returns the format."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    data = export_bytes(fmt, blank=blank)
    path.write_bytes(data)
    return fmt
