"""Importing the catalog: the real province list, the template's rules, and every kind of error."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onewindow.catalog import services
from onewindow.catalog.io.importing import ImportResult, import_catalog
from onewindow.catalog.io.reading import read_bytes, read_path
from onewindow.catalog.io.writing import bulk_item_snapshots
from onewindow.catalog.models import (
    Answer,
    Audience,
    CatalogRevision,
    Delegation,
    DelegationAgreement,
    Department,
    ItemVersion,
    Material,
    ReviewPoint,
    Scenario,
    ServiceItem,
)
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db

REAL_CSV = Path("/work/shared/data/catalog/guangan-district-items.csv")
if not REAL_CSV.exists():  # an installed copy may keep the data next to the repository
    REAL_CSV = (
        Path(__file__).resolve().parents[5] / "shared/data/catalog/guangan-district-items.csv"
    )
SAMPLE = Path(__file__).parent / "data" / "sample-catalog"
A = "511A0001000001-511602000000-000-115113010087783353-1-00"
B = "511C0002000002-511602000000-000-1151130108778239R-1-00"

needs_real_csv = pytest.mark.skipif(not REAL_CSV.exists(), reason="province CSV not available")


def run(name: str, data: bytes, **kwargs: Any) -> ImportResult:
    return import_catalog(source=read_bytes(name, data), source_name=name, **kwargs)


def run_path(path: Path, **kwargs: Any) -> ImportResult:
    return import_catalog(source=read_path(path), **kwargs)


def zip_of(tables: dict[str, list[dict[str, str]]]) -> bytes:
    """A zip of CSVs; each table's header is the union of its rows' keys in first-seen order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key, rows in tables.items():
            header: list[str] = []
            for row in rows:
                header.extend(k for k in row if k not in header)
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows([[row.get(k, "") for k in header] for row in rows])
            archive.writestr(f"{key}.csv", text.getvalue())
    return buffer.getvalue()


def base_tables() -> dict[str, list[dict[str, str]]]:
    """A small valid catalog; error tests break one cell of it."""
    agreement = {
        "title": "授权委托书",
        "delegate": "综合受理窗口",
        "scope": "收件",
        "signed_on": "2024-01-01",
        "valid_from": "2024-01-01",
    }
    return {
        "departments": [
            {"department": "区市监局", "department_code": "115113010087783353"},
            {"department": "区人社局", "department_code": "1151130108778239R"},
        ],
        "agreements": [
            {"agreement_number": "SJ-1", "department": "区市监局", **agreement},
            {"agreement_number": "RS-1", "department": "区人社局", **agreement},
        ],
        "items": [
            {
                "department": "区市监局",
                "item_name": "个体工商户设立登记",
                "implementation_code": A,
                "item_type_code": "1",
                "item_type": "行政许可",
            },
            {
                "department": "区人社局",
                "item_name": "失业保险金申领",
                "implementation_code": B,
                "item_type_code": "5",
                "item_type": "行政给付",
            },
        ],
        "scenarios": [
            {"implementation_code": A, "scenario_code": "S1", "scenario_name": "本人申请"}
        ],
        "materials": [
            {
                "implementation_code": A,
                "scenario_code": "S1",
                "material_code": "M1",
                "material_name": "申请书",
            }
        ],
        "delegations": [{"implementation_code": A, "powers": "收件权", "agreement_number": "SJ-1"}],
    }


def catalog_is_empty() -> bool:
    return not (
        Department.objects.exists()
        or ServiceItem.objects.exists()
        or DelegationAgreement.objects.exists()
        or Scenario.objects.exists()
        or Material.objects.exists()
        or Delegation.objects.exists()
        or AuditEvent.objects.exists()
    )


def counts(result: ImportResult) -> dict[str, tuple[int, int, int, int]]:
    return {k: (c.created, c.updated, c.unchanged, c.deleted) for k, c in result.summary.items()}


# ---------------------------------------------------------------------- the province's list


@needs_real_csv
def test_real_province_list_imports_and_reimports_without_change():
    first = run_path(REAL_CSV)
    assert first.errors == []
    assert Department.objects.count() == 34
    assert ServiceItem.objects.count() == 1135
    assert counts(first)["departments"] == (34, 0, 0, 0)
    assert counts(first)["items"] == (1135, 0, 0, 0)
    assert first.versions == 1135
    assert ItemVersion.objects.count() == 1135
    assert set(ServiceItem.objects.values_list("version", flat=True)) == {1}
    assert AuditEvent.objects.filter(action="catalog.item.created").count() == 1135
    assert AuditEvent.objects.filter(action="catalog.department.created").count() == 34
    assert AuditEvent.objects.filter(action="catalog.import.completed").count() == 1
    rs = Department.objects.get(name="区人社局")
    assert "1151130108778239R" in rs.codes and "1151130108778239R_6861" in rs.codes
    item = ServiceItem.objects.get(
        implementation_code="511Z07001006-511602000000-000-11511301008778183N-1-00"
    )
    assert item.department.name == "区经信局"
    assert item.item_type == "10"
    assert item.audience == Audience.LEGAL  # inferred: 企业投资项目备案
    assert item.area_code == "511602000000"

    stamps = dict(ServiceItem.objects.values_list("pk", "updated_at"))
    events = AuditEvent.objects.count()
    revision = services.current_revision()
    second = run_path(REAL_CSV)
    assert second.errors == []
    assert counts(second)["items"] == (0, 0, 1135, 0)
    assert counts(second)["departments"] == (0, 0, 34, 0)
    assert not second.changed
    assert second.versions == 0
    assert ItemVersion.objects.count() == 1135
    assert AuditEvent.objects.count() == events
    assert dict(ServiceItem.objects.values_list("pk", "updated_at")) == stamps
    assert services.current_revision() == revision


@needs_real_csv
def test_versions_of_imported_items_match_item_snapshot():
    assert run_path(REAL_CSV).ok
    for item in ServiceItem.objects.select_related("department").order_by("?")[:40]:
        assert services.record_item_version(item=item) is None


# ---------------------------------------------------------------------- a full catalog


def test_sample_catalog_imports_every_table():
    result = run_path(SAMPLE)
    assert result.errors == []
    assert counts(result) == {
        "departments": (2, 0, 0, 0),
        "agreements": (2, 0, 0, 0),
        "items": (4, 0, 0, 0),
        "scenarios": (3, 0, 0, 0),
        "materials": (7, 0, 0, 0),
        "review_points": (3, 0, 0, 0),
        "qa": (2, 0, 0, 0),
        "delegations": (7, 0, 0, 0),
    }
    food = ServiceItem.objects.get(name="食品经营许可（新办）")
    assert food.promised_limit_days == 7 and food.statutory_limit_days == 20
    assert food.correction_clock == "restart"
    assert food.special_procedures_count is True
    assert food.conditions.count("\n") == 1
    assert food.online_depth == "3"
    assert [s.code for s in food.scenarios.all()] == ["S1", "S2"]
    health = Material.objects.get(scenario__item=food, scenario__code="S1", code="M3")
    assert health.may_defer and health.defer_days == 5 and not health.required
    assert health.trust_level == "B" and health.source == "other"
    point = ReviewPoint.objects.get(item=food, code="P1")
    assert point.material.code == "M2" and point.material.scenario.code == "S1"
    assert ReviewPoint.objects.get(item=food, code="P2").material is None
    secret = ServiceItem.objects.get(name="涉密人员社会保险关系转移")
    assert secret.confidential and not secret.one_window and secret.status == "suspended"
    assert secret.max_visits == 2
    assert Answer.objects.get(code="G1").item is None
    unemployment = ServiceItem.objects.get(name="失业保险金申领")
    powers = {d.power: d.agreement for d in unemployment.delegations.all()}
    assert powers["receive"].number == "RS-2024-001"
    assert powers["account_use"] is None
    assert Department.objects.get(name="区人社局").short_name == "人社"
    # Versions hold scenarios, materials and review points, exactly as item_snapshot sees them.
    for item in ServiceItem.objects.all():
        assert item.versions.get().snapshot == services.item_snapshot(item)
    assert len(food.versions.get().snapshot["scenarios"][0]["materials"]) == 3


def test_bulk_snapshots_equal_item_snapshot():
    assert run_path(SAMPLE).ok
    ids = list(ServiceItem.objects.values_list("pk", flat=True))
    for item, snap in bulk_item_snapshots(ids):
        assert snap == services.item_snapshot(item)


def test_sample_catalog_reimport_changes_nothing():
    assert run_path(SAMPLE).ok
    events = AuditEvent.objects.count()
    again = run_path(SAMPLE)
    assert again.errors == []
    assert not again.changed
    assert all(c.created == c.updated == c.deleted == 0 for c in again.summary.values())
    assert AuditEvent.objects.count() == events


def test_dry_run_validates_and_writes_nothing():
    result = run_path(SAMPLE, dry_run=True)
    assert result.errors == []
    assert counts(result)["items"] == (4, 0, 0, 0)
    assert catalog_is_empty()
    assert not CatalogRevision.objects.exists()


def test_an_empty_file_is_an_error():
    result = run("items.csv", "部门,事项名称,实施编码,事项类型代码\n".encode())
    assert result.errors == []  # a header-only table is valid and changes nothing
    assert not result.changed


# ---------------------------------------------------------------------- the rules


def test_columns_absent_are_left_alone_and_empty_cells_clear():
    assert run_path(SAMPLE).ok
    # The province's list form: only eight columns.
    province = (
        "department,group,item_name,implementation_code,item_type_code,item_type,area_code,"
        "department_code\n"
        "区市监局,,食品经营许可（新办）,511A0124000002-511602000000-000-115113010087783353-1-00,"
        "1,行政许可,511602000000,115113010087783353\n"
    ).encode()
    result = run("items.csv", province)
    assert result.errors == []
    food = ServiceItem.objects.get(name="食品经营许可（新办）")
    assert food.group == ""  # present and empty: cleared
    assert food.statutory_limit_days == 20  # absent: kept
    assert food.audience == "legal"  # absent on an existing item: not re-inferred
    assert food.scenarios.count() == 2  # no scenarios table: kept
    assert food.version == 2
    assert counts(result)["items"] == (0, 1, 0, 0)
    event = AuditEvent.objects.filter(action="catalog.item.updated").get()
    assert event.before == {"group": "食品经营许可"} and event.after == {"group": ""}


def test_a_child_table_is_the_truth_for_the_items_it_mentions():
    assert run_path(SAMPLE).ok
    food = ServiceItem.objects.get(name="食品经营许可（新办）")
    shop = ServiceItem.objects.get(name="个体工商户设立登记")
    tables = {
        "scenarios": [
            {
                "implementation_code": food.implementation_code,
                "scenario_code": "S2",
                "scenario_name": "新办（餐饮服务）",
                "description": "从事餐饮服务，含小餐饮",
            }
        ]
    }
    result = run("catalog.zip", zip_of(tables))
    assert result.errors == []
    assert [s.code for s in food.scenarios.all()] == ["S2"]
    assert food.scenarios.get().description == "从事餐饮服务，含小餐饮"
    # Removing S1 removed its materials and the review point about one of them.
    assert not Material.objects.filter(scenario__item=food, scenario__code="S1").exists()
    assert list(food.review_points.values_list("code", flat=True)) == ["P2"]
    assert shop.scenarios.count() == 1  # not mentioned: kept
    assert counts(result)["scenarios"] == (0, 1, 0, 1)
    assert counts(result)["materials"] == (0, 0, 0, 3)  # S1's, removed with it
    assert counts(result)["review_points"] == (0, 0, 0, 1)  # about S1/M2
    food.refresh_from_db()
    assert food.version == 2
    assert [s["code"] for s in food.versions.get(number=2).snapshot["scenarios"]] == ["S2"]


def test_materials_are_replaced_per_scenario():
    assert run_path(SAMPLE).ok
    food = ServiceItem.objects.get(name="食品经营许可（新办）")
    code = food.implementation_code
    tables = {
        "materials": [
            {
                "implementation_code": code,
                "scenario_code": "S2",
                "material_code": "M9",
                "material_name": "食品安全管理制度",
                "trust_level": "D",
            }
        ]
    }
    result = run("catalog.zip", zip_of(tables))
    assert result.errors == []
    assert list(
        Material.objects.filter(scenario__item=food, scenario__code="S2").values_list(
            "code", flat=True
        )
    ) == ["M9"]
    assert Material.objects.filter(scenario__item=food, scenario__code="S1").count() == 3
    assert counts(result)["materials"] == (1, 0, 0, 2)


def test_general_answers_are_never_removed_but_item_answers_are_replaced():
    assert run_path(SAMPLE).ok
    shop = ServiceItem.objects.get(name="个体工商户设立登记")
    tables = {
        "qa": [
            {
                "implementation_code": "",
                "qa_code": "G2",
                "question": "可以停车吗？",
                "answer": "可以。",
            },
            {
                "implementation_code": shop.implementation_code,
                "qa_code": "Q2",
                "question": "要本人到场吗？",
                "answer": "网上办理无需到场。",
            },
        ]
    }
    result = run("catalog.zip", zip_of(tables))
    assert result.errors == []
    assert set(Answer.objects.filter(item=None).values_list("code", flat=True)) == {"G1", "G2"}
    assert list(shop.answers.values_list("code", flat=True)) == ["Q2"]
    assert AuditEvent.objects.filter(action="catalog.answer.deleted").count() == 1


def test_delegations_become_exactly_the_listed_powers():
    assert run_path(SAMPLE).ok
    shop = ServiceItem.objects.get(name="个体工商户设立登记")
    food = ServiceItem.objects.get(name="食品经营许可（新办）")
    first_events = set(AuditEvent.objects.values_list("pk", flat=True))
    tables = {
        "delegations": [
            {
                "implementation_code": shop.implementation_code,
                "powers": "收件权、结果送达权",
                "agreement_number": "SJ-2024-001",
            },
            {"implementation_code": food.implementation_code, "powers": "", "agreement_number": ""},
        ]
    }
    result = run("catalog.zip", zip_of(tables))
    assert result.errors == []
    assert set(shop.delegations.values_list("power", flat=True)) == {"receive", "deliver_result"}
    assert not food.delegations.exists()
    assert counts(result)["delegations"] == (1, 0, 1, 3)
    events = AuditEvent.objects.filter(action="catalog.delegation.changed").exclude(
        pk__in=first_events
    )
    assert events.count() == 2
    shop_event = events.get(object_id=str(shop.pk))
    assert shop_event.before["powers"] == ["one_time_notice", "receive", "verify_original"]
    assert shop_event.after["powers"] == ["deliver_result", "receive"]
    # Delegations are not part of the guide's version.
    shop.refresh_from_db()
    assert shop.version == 1


def test_a_changed_item_gets_a_version_and_an_audit_event(hall_manager):
    assert run_path(SAMPLE).ok
    data = (SAMPLE / "items.csv").read_text().replace(",20,7,", ",20,5,")
    result = run("items.csv", data.encode(), actor=hall_manager)
    assert result.errors == []
    assert counts(result)["items"] == (0, 1, 3, 0)
    food = ServiceItem.objects.get(name="食品经营许可（新办）")
    assert food.promised_limit_days == 5 and food.version == 2
    version = food.versions.get(number=2)
    assert version.created_by == hall_manager and version.note == "import"
    event = AuditEvent.objects.get(action="catalog.item.updated")
    assert event.actor == hall_manager
    assert event.before == {"promised_limit_days": 7} and event.after == {"promised_limit_days": 5}
    done = AuditEvent.objects.filter(action="catalog.import.completed").first()  # newest
    assert done.after["items"]["updated"] == 1 and done.note == "items.csv"
    assert done.actor == hall_manager


def test_audience_is_inferred_only_for_new_items_without_the_column():
    data = (
        "部门,部门代码,事项名称,实施编码,事项类型代码\n"
        "区市监局,1151,有限责任公司设立登记,C-1,1\n"
        "区市监局,1151,居民身份证换领,C-2,1\n"
        "区市监局,1151,建设工程消防验收,C-3,1\n"
    ).encode()
    assert run("items.csv", data).ok
    assert dict(ServiceItem.objects.values_list("implementation_code", "audience")) == {
        "C-1": "legal",
        "C-2": "natural",
        "C-3": "both",
    }


# ---------------------------------------------------------------------- departments


def test_a_department_in_the_database_needs_no_code(department):
    data = "部门,事项名称,实施编码,事项类型代码\n区市监局,个体工商户设立登记,C-1,1\n".encode()
    result = run("items.csv", data)
    assert result.errors == []
    assert counts(result)["departments"] == (0, 0, 1, 0)
    assert ServiceItem.objects.get().department == department


def test_an_item_row_adds_a_new_code_to_a_known_department(department):
    data = (
        "部门,部门代码,事项名称,实施编码,事项类型代码\n区市监局,115113010087783353,个体户,C-1,1\n"
    )
    result = run("items.csv", data.encode())
    assert result.errors == []
    department.refresh_from_db()
    assert department.codes == "11511301MB1550442U;115113010087783353"
    assert counts(result)["departments"] == (0, 1, 0, 0)


def test_a_code_of_another_department_is_an_error(department, other_department):
    data = (
        "部门,部门代码,事项名称,实施编码,事项类型代码\n区人社局,11511301MB1550442U,个体户,C-1,1\n"
    )
    result = run("items.csv", data.encode())
    assert [(e.table, e.row, e.column) for e in result.errors] == [("items", 2, "department_code")]
    assert "区市监局" in result.errors[0].message
    assert not ServiceItem.objects.exists()


def test_a_code_claimed_twice_in_the_departments_table():
    tables = base_tables()
    tables["departments"][1]["department_code"] = "115113010087783353"
    result = run("catalog.zip", zip_of(tables))
    assert [(e.table, e.row, e.column) for e in result.errors] == [
        ("departments", 3, "department_code")
    ]


# ---------------------------------------------------------------------- broken files


def _set(table: str, index: int, **cells: str):
    def change(tables: dict[str, list[dict[str, str]]]) -> None:
        tables[table][index].update(cells)

    return change


def _add(table: str, **cells: str):
    def change(tables: dict[str, list[dict[str, str]]]) -> None:
        tables[table].append(cells)

    return change


def _duplicate_first_item(tables: dict[str, list[dict[str, str]]]) -> None:
    tables["items"].append(dict(tables["items"][0]))


def _unknown_header(tables: dict[str, list[dict[str, str]]]) -> None:
    tables["items"][0]["事项名"] = "个体工商户设立登记"


BROKEN = {
    "bad type code": (_set("items", 0, item_type_code="99"), ("items", 2, "item_type_code")),
    "missing name": (_set("items", 1, item_name=""), ("items", 3, "item_name")),
    "duplicate code": (_duplicate_first_item, ("items", 4, "implementation_code")),
    "unknown department": (_set("items", 1, department="区人设局"), ("items", 3, "department")),
    "bad boolean": (_set("items", 0, fee_required="也许"), ("items", 2, "fee_required")),
    "bad integer": (
        _set("items", 0, statutory_limit_days="十五"),
        ("items", 2, "statutory_limit_days"),
    ),
    "promised over statutory": (
        _set("items", 0, statutory_limit_days="5", promised_limit_days="10"),
        ("items", 2, "promised_limit_days"),
    ),
    "confidential in one window": (
        _set("items", 0, confidential="是"),
        ("items", 2, "confidential"),
    ),
    "one window without basis": (
        _set("items", 0, one_window="否"),
        ("items", 2, "one_window"),
    ),
    "type label disagrees": (_set("items", 1, item_type="行政许可"), ("items", 3, "item_type")),
    "bad area code": (_set("items", 0, area_code="5116"), ("items", 2, "area_code")),
    "unknown column": (_unknown_header, ("items", 1, "")),
    "material of a missing scenario": (
        _set("materials", 0, scenario_code="S9"),
        ("materials", 2, "scenario_code"),
    ),
    "deferral days without deferral": (
        _set("materials", 0, defer_days="5"),
        ("materials", 2, "defer_days"),
    ),
    "scenario of an unknown item": (
        _add(
            "scenarios", implementation_code="NO-SUCH-ITEM", scenario_code="S1", scenario_name="x"
        ),
        ("scenarios", 3, "implementation_code"),
    ),
    "power not one of the five": (
        _set("delegations", 0, powers="收件权、审批权"),
        ("delegations", 2, "powers"),
    ),
    "agreement of another department": (
        _set("delegations", 0, agreement_number="RS-1"),
        ("delegations", 2, "agreement_number"),
    ),
    "unknown agreement": (
        _set("delegations", 0, agreement_number="XX-9"),
        ("delegations", 2, "agreement_number"),
    ),
    "bad date": (_set("agreements", 0, signed_on="2024/13/01"), ("agreements", 2, "signed_on")),
    "agreement ends before it starts": (
        _set("agreements", 0, valid_until="2023-12-31"),
        ("agreements", 2, "valid_until"),
    ),
    "agreement of an unknown department": (
        _set("agreements", 1, department="区民政局"),
        ("agreements", 3, "department"),
    ),
}


def test_the_base_catalog_is_valid():
    result = run("catalog.zip", zip_of(base_tables()))
    assert result.errors == []
    assert counts(result)["items"] == (2, 0, 0, 0)


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_file_is_rejected_whole(case):
    change, expected = BROKEN[case]
    tables = base_tables()
    change(tables)
    result = run("catalog.zip", zip_of(tables))
    assert [(e.table, e.row, e.column) for e in result.errors] == [expected]
    error = result.errors[0]
    line = str(error)
    assert error.sheet in line and str(error.row) in line and error.column_name in line
    assert error.message in line
    assert catalog_is_empty()


def test_a_broken_file_leaves_an_existing_catalog_alone():
    assert run_path(SAMPLE).ok
    before = {
        "items": list(
            ServiceItem.objects.values_list("implementation_code", "updated_at", "version")
        ),
        "events": AuditEvent.objects.count(),
        "revision": services.current_revision(),
    }
    tables = base_tables()
    tables["items"][1]["item_type_code"] = "99"
    result = run("catalog.zip", zip_of(tables))
    assert len(result.errors) == 1
    after = {
        "items": list(
            ServiceItem.objects.values_list("implementation_code", "updated_at", "version")
        ),
        "events": AuditEvent.objects.count(),
        "revision": services.current_revision(),
    }
    assert after == before


def test_every_error_in_a_file_is_listed():
    tables = base_tables()
    for case in (
        "bad type code",
        "missing name",
        "bad boolean",
        "unknown column",
        "material of a missing scenario",
        "power not one of the five",
        "bad date",
    ):
        BROKEN[case][0](tables)
    result = run("catalog.zip", zip_of(copy.deepcopy(tables)))
    found = {(e.table, e.row, e.column) for e in result.errors}
    assert found == {
        ("items", 1, ""),
        ("items", 2, "item_type_code"),
        ("items", 2, "fee_required"),
        ("items", 3, "item_name"),
        ("materials", 2, "scenario_code"),
        ("delegations", 2, "powers"),
        ("agreements", 2, "signed_on"),
    }
    # Listed in template order: items first, then by row.
    assert [e.table for e in result.errors][:4] == ["items"] * 4
    assert catalog_is_empty()


def test_a_missing_required_column_is_one_error_for_the_table():
    data = "部门,实施编码,事项类型代码\n区市监局,C-1,1\n区市监局,C-2,1\n".encode()
    result = run("items.csv", data)
    assert [(e.table, e.row, e.column) for e in result.errors] == [("items", 1, "item_name")]


def test_an_unknown_sheet_is_an_error():
    tables = base_tables()
    data = zip_of({"departments": tables["departments"], "items": tables["items"]})
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("itmes.csv", "a\n1\n")
    result = run("catalog.zip", buffer.getvalue())
    assert [e.sheet for e in result.errors] == ["itmes.csv"]
    assert catalog_is_empty()


# ---------------------------------------------------------------------- the command


def test_command_imports_and_prints_a_summary(capsys):
    call_command("import_catalog", str(SAMPLE))
    out = capsys.readouterr().out
    assert ServiceItem.objects.count() == 4
    assert len(out.strip().splitlines()) == 10  # eight tables, versions, time
    assert "4" in out.splitlines()[2]


def test_command_dry_run_writes_nothing(capsys):
    call_command("import_catalog", str(SAMPLE), "--dry-run")
    assert catalog_is_empty()
    assert capsys.readouterr().out


def test_command_lists_every_error_and_fails(tmp_path, capsys):
    tables = base_tables()
    BROKEN["bad type code"][0](tables)
    BROKEN["missing name"][0](tables)
    path = tmp_path / "catalog.zip"
    path.write_bytes(zip_of(tables))
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path))
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("事项 ") and "事项类型代码" in lines[0] and "99" in lines[0]
    assert "事项名称" in lines[1]
    assert catalog_is_empty()


def test_command_on_a_picture_is_one_error(tmp_path):
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(CommandError) as info:
        call_command("import_catalog", str(path))
    assert "catalog.xlsx" in str(info.value)
    assert catalog_is_empty()


def test_command_records_the_user(hall_manager, capsys):
    call_command("import_catalog", str(SAMPLE), "--user", hall_manager.username)
    assert AuditEvent.objects.get(action="catalog.import.completed").actor == hall_manager
