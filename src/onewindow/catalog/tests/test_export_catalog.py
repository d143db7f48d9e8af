"""Exporting the catalog, and the round trip: export → import changes nothing, anywhere."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onewindow.catalog.io.columns import ITEMS, TABLES
from onewindow.catalog.io.exporting import export_bytes, export_tables
from onewindow.catalog.io.importing import import_catalog
from onewindow.catalog.io.reading import read_bytes, read_path
from onewindow.catalog.models import (
    Answer,
    CatalogRevision,
    Delegation,
    DelegationAgreement,
    Department,
    ServiceItem,
)
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "sample-catalog"
REAL_CSV = Path("/work/shared/data/catalog/guangan-district-items.csv")
needs_real_csv = pytest.mark.skipif(not REAL_CSV.exists(), reason="province CSV not available")


def wipe_catalog() -> None:
    """Empty the catalog tables (the audit log is append-only and stays)."""
    Delegation.objects.all().delete()
    DelegationAgreement.objects.all().delete()
    ServiceItem.objects.all().delete()  # cascades to scenarios, materials, points, Q&A, versions
    Department.objects.all().delete()
    Answer.objects.all().delete()
    CatalogRevision.objects.all().delete()


def import_bytes(name: str, data: bytes):
    return import_catalog(source=read_bytes(name, data), source_name=name)


@pytest.fixture
def sample_catalog() -> None:
    result = import_catalog(source=read_path(SAMPLE))
    assert result.errors == []


def test_csv_export_has_the_province_columns_first(sample_catalog):
    text = export_bytes("csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:8] == [
        "department",
        "group",
        "item_name",
        "implementation_code",
        "item_type_code",
        "item_type",
        "area_code",
        "department_code",
    ]
    assert rows[0] == ITEMS.keys
    assert len(rows) == 5
    shop = next(r for r in rows if r[2] == "个体工商户设立登记")
    assert shop[:8] == [
        "区市监局",
        "",
        "个体工商户设立登记",
        "511A0123000001-511602000000-000-115113010087783353-1-00",
        "1",
        "行政许可",
        "511602000000",
        "115113010087783353",
    ]


def test_xlsx_export_has_every_table_with_chinese_headers(sample_catalog):
    workbook = openpyxl.load_workbook(io.BytesIO(export_bytes("xlsx")), read_only=True)
    assert workbook.sheetnames == [t.zh for t in TABLES]
    for table in TABLES:
        rows = list(workbook[table.zh].iter_rows(values_only=True))
        assert list(rows[0]) == [c.zh for c in table.columns]
    items = list(workbook["事项"].iter_rows(values_only=True))
    assert len(items) == 5
    materials = list(workbook["材料"].iter_rows(values_only=True))
    assert len(materials) == 8
    workbook.close()


def test_zip_export_has_one_csv_per_table_with_english_keys(sample_catalog):
    with zipfile.ZipFile(io.BytesIO(export_bytes("zip"))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t.key}.csv" for t in TABLES)
        for table in TABLES:
            text = archive.read(f"{table.key}.csv").decode("utf-8-sig")
            assert next(csv.reader(io.StringIO(text))) == table.keys
        delegations = archive.read("delegations.csv").decode("utf-8-sig")
        departments = archive.read("departments.csv").decode("utf-8-sig")
    assert "区人社局,1151130108778239R;1151130108778239R_6861,人社" in departments
    # Powers of one item and agreement share a row; a power without an agreement has its own.
    assert "收件权、原件核验权、一次性告知权,SJ-2024-001" in delegations
    assert "账号使用权," in delegations


@pytest.mark.parametrize("fmt", ["xlsx", "zip", "csv"])
def test_export_then_import_into_the_same_database_changes_nothing(sample_catalog, fmt):
    events = AuditEvent.objects.count()
    stamps = dict(ServiceItem.objects.values_list("pk", "updated_at"))
    result = import_bytes(f"catalog.{fmt}", export_bytes(fmt))
    assert result.errors == []
    assert not result.changed
    assert result.summary["items"].unchanged == 4
    assert AuditEvent.objects.count() == events
    assert dict(ServiceItem.objects.values_list("pk", "updated_at")) == stamps


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_export_import_into_an_empty_database_export_again_is_identical(sample_catalog, fmt):
    before = export_tables()
    data = export_bytes(fmt)
    wipe_catalog()
    result = import_bytes(f"catalog.{fmt}", data)
    assert result.errors == []
    assert result.summary["materials"].created == 7
    assert export_tables() == before


@needs_real_csv
def test_round_trip_of_the_province_list():
    assert import_catalog(source=read_path(REAL_CSV)).errors == []
    before = export_tables()
    data = export_bytes("xlsx")
    same = import_bytes("catalog.xlsx", data)
    assert same.errors == [] and not same.changed
    wipe_catalog()
    again = import_bytes("catalog.xlsx", data)
    assert again.errors == []
    assert again.summary["items"].created == 1135
    assert again.summary["departments"].created == 34
    assert export_tables() == before
    # The province's own columns come back as they were published.
    with REAL_CSV.open(encoding="utf-8-sig") as fh:
        published = {tuple(row[:7]) for row in csv.reader(fh)}
    exported = {tuple(row[:7]) for row in before["items"]}
    assert exported == published - {tuple(ITEMS.keys[:7])}


def test_text_that_looks_like_a_formula_stays_text(sample_catalog):
    ServiceItem.objects.filter(name="失业保险金申领").update(aliases='=HYPERLINK("x")')
    data = export_bytes("xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["事项"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("x")']
    assert len(cells) == 1 and cells[0].data_type == "s"
    result = import_bytes("catalog.xlsx", data)
    assert result.errors == [] and not result.changed


def test_blank_template_has_every_sheet_and_imports_as_nothing():
    data = export_bytes("xlsx", blank=True)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [t.zh for t in TABLES]
    assert all(workbook[t.zh].max_row == 1 for t in TABLES)
    result = import_bytes("template.xlsx", data)
    assert result.errors == [] and not result.changed


def test_export_of_an_empty_catalog_is_valid():
    assert export_tables() == {t.key: [] for t in TABLES}


def test_export_command_writes_each_format(sample_catalog, tmp_path, capsys):
    for fmt in ("xlsx", "zip", "csv"):
        path = tmp_path / f"catalog.{fmt}"
        call_command("export_catalog", str(path))
        assert path.stat().st_size > 0
        assert read_bytes(path.name, path.read_bytes()).tables
    with pytest.raises(CommandError):
        call_command("export_catalog", str(tmp_path / "catalog.pdf"))
    with pytest.raises(CommandError):
        call_command("export_catalog", str(tmp_path / "no-such-dir" / "catalog.xlsx"))
