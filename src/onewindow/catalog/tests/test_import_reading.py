"""Reading spreadsheet files: encodings, trimming, workbooks, archives, and files that are not."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from onewindow.catalog.io.errors import UnreadableFile
from onewindow.catalog.io.reading import read_bytes, read_path

SAMPLE = Path(__file__).parent / "data" / "sample-catalog"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x8d\x8f\x13"
)
TEXT = "部门,事项名称,实施编码\n区市监局 , 个体工商户设立登记 ,A-1\n\n区人社局,失业保险金申领,B-2\n"


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("utf-8"), TEXT.encode("utf-8-sig"), TEXT.encode("gb18030")],
    ids=["utf-8", "utf-8-bom", "gb18030"],
)
def test_csv_in_every_encoding_reads_the_same(data):
    source = read_bytes("guangan.csv", data)
    [table] = source.tables
    assert table.name == "items"
    assert table.headers == ["部门", "事项名称", "实施编码"]
    # Cells are trimmed; the blank line is skipped but row numbers stay those of the sheet.
    assert table.rows == [
        (2, ["区市监局", "个体工商户设立登记", "A-1"]),
        (4, ["区人社局", "失业保险金申领", "B-2"]),
    ]


def test_a_csv_named_after_a_table_is_that_table():
    assert read_bytes("materials.csv", TEXT.encode()).tables[0].name == "materials"
    assert read_bytes("情形.csv", TEXT.encode()).tables[0].name == "scenarios"


def test_quoted_cells_keep_their_line_breaks_and_rows_count_records():
    data = '实施编码,受理条件\nA-1,"第一行\n第二行"\nB-2,无\n'.encode()
    [table] = read_bytes("items.csv", data).tables
    assert table.rows == [(2, ["A-1", "第一行\n第二行"]), (3, ["B-2", "无"])]


def test_a_picture_renamed_xlsx_is_one_clear_error():
    with pytest.raises(UnreadableFile) as info:
        read_bytes("事项.xlsx", PNG)
    assert "事项.xlsx" in info.value.message


def test_a_picture_renamed_csv_is_one_clear_error():
    with pytest.raises(UnreadableFile) as info:
        read_bytes("items.csv", PNG)
    assert "items.csv" in info.value.message


def test_an_old_xls_file_is_recognised():
    with pytest.raises(UnreadableFile) as info:
        read_bytes("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert ".xls" in info.value.message


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_truncated_zip_is_one_clear_error():
    data = _zip({"items.csv": TEXT.encode() * 50, "qa.csv": TEXT.encode() * 50})
    with pytest.raises(UnreadableFile) as info:
        read_bytes("catalog.zip", data[: len(data) // 2])
    assert "catalog.zip" in info.value.message


def test_a_truncated_workbook_is_one_clear_error():
    workbook = openpyxl.Workbook()
    workbook.active.append(["实施编码"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(UnreadableFile):
        read_bytes("catalog.xlsx", buffer.getvalue()[:300])


def test_unsupported_suffix():
    with pytest.raises(UnreadableFile) as info:
        read_bytes("catalog.docx", b"whatever")
    assert "catalog.docx" in info.value.message


def test_a_csv_in_an_unknown_encoding():
    with pytest.raises(UnreadableFile):
        read_bytes("items.csv", b"\xff\xfe\xfa\xfb\x81\x30")


def test_zip_of_csvs_with_stray_members_lists_them():
    data = _zip(
        {
            "items.csv": TEXT.encode("gb18030"),
            "materials.csv": "实施编码,情形编号\n".encode(),
            "readme.txt": b"hello",
            "itmes.csv": b"a,b\n1,2\n",
            "__MACOSX/._items.csv": b"junk",
        }
    )
    source = read_bytes("catalog.zip", data)
    assert sorted(t.name for t in source.tables) == ["items", "materials"]
    assert sorted(e.sheet for e in source.errors) == ["itmes.csv", "readme.txt"]


def test_zip_member_names_from_chinese_windows_are_decoded():
    # Windows' built-in zip tool stores names in GBK without the UTF-8 flag.
    data = _zip_with_raw_name("事项.csv".encode("gbk"), TEXT.encode())
    source = read_bytes("catalog.zip", data)
    assert [t.name for t in source.tables] == ["items"]
    assert source.errors == []


def _zip_with_raw_name(name: bytes, data: bytes) -> bytes:
    """A one-member stored zip whose file name is `name` bytes, flag bits 0."""
    import struct
    import zlib

    crc = zlib.crc32(data)
    local = (
        struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0
        )
        + name
        + data
    )
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            0,
            0,
            0,
            crc,
            len(data),
            len(data),
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


def test_directory_of_csvs():
    source = read_path(SAMPLE)
    assert sorted(t.name for t in source.tables) == sorted(
        [
            "agreements",
            "delegations",
            "departments",
            "items",
            "materials",
            "qa",
            "review_points",
            "scenarios",
        ]
    )
    assert source.errors == []


def test_directory_with_a_stray_file(tmp_path):
    (tmp_path / "items.csv").write_text(TEXT, encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"x")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    source = read_path(tmp_path)
    assert [e.sheet for e in source.errors] == ["notes.docx"]


def test_missing_path(tmp_path):
    with pytest.raises(UnreadableFile):
        read_path(tmp_path / "nope.xlsx")


def test_workbook_cells_become_text():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "事项"
    sheet.append(["实施编码", "法定办结时限", "是否收费", "审核日期", None])
    sheet.append(["  A-1 ", 20, True, datetime.datetime(2024, 3, 5), None])
    sheet.append([None, None, None, None, None])
    sheet.append(["B-2", 5.0, False, datetime.date(2024, 1, 2), None])
    other = workbook.create_sheet("空表")
    del other
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = read_bytes("catalog.xlsx", buffer.getvalue())
    [table] = source.tables  # the empty sheet is skipped
    assert table.name == "事项"
    assert table.headers[:4] == ["实施编码", "法定办结时限", "是否收费", "审核日期"]
    assert [(n, cells[:4]) for n, cells in table.rows] == [
        (2, ["A-1", "20", "是", "2024-03-05"]),
        (4, ["B-2", "5", "否", "2024-01-02"]),
    ]
