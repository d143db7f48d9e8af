"""Spreadsheet files → raw tables of trimmed strings.

Accepts an .xlsx workbook, one .csv file, a .zip of CSV files, or a directory of CSV files.
CSV text may be UTF-8 (with or without BOM) or GB18030. A file we cannot read at all raises
`UnreadableFile` with one plain Chinese sentence; problems with single members of a zip or
directory are returned as `RowError`s so they are listed with the rest.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from onewindow.catalog.io.columns import ITEMS, TABLES, table_named
from onewindow.catalog.io.errors import RowError, UnreadableFile

SUFFIXES = (".xlsx", ".zip", ".csv")


@dataclass
class RawTable:
    """One sheet or CSV file as found: its name, header cells and data rows (with row numbers)."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class Source:
    tables: list[RawTable] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def read_path(path: str | Path) -> Source:
    """Read a file or a directory of CSV files."""
    path = Path(path)
    if path.is_dir():
        return _read_directory(path)
    if not path.exists():
        raise UnreadableFile(_("File not found: %(name)s") % {"name": str(path)})
    return read_bytes(path.name, path.read_bytes())


def read_bytes(name: str, data: bytes) -> Source:
    """Read an uploaded or stored file; its kind is taken from the name's suffix."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(name, data)
    if suffix == ".zip":
        return _read_zip(name, data)
    if suffix == ".csv":
        table = table_named(Path(name).stem)
        return Source(tables=[_read_csv(table.key if table else ITEMS.key, data, name)])
    raise UnreadableFile(
        _(
            "“%(name)s” is not a supported file. Use an .xlsx workbook, a .csv file or a .zip of"
            " CSV files."
        )
        % {"name": name}
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _table_from_rows(name: str, rows: list[list[str]]) -> RawTable | None:
    """Header = first row; blank rows are skipped but keep their numbers. None: empty sheet."""
    numbered = [(n, row) for n, row in enumerate(rows, start=1)]
    if not numbered or not any(numbered[0][1]):
        if any(any(row) for row in rows):
            # Data without a header in row 1: report as a table with no columns.
            return RawTable(name=name, headers=[], rows=[(n, r) for n, r in numbered if any(r)])
        return None
    headers = numbered[0][1]
    data = [(n, row) for n, row in numbered[1:] if any(row)]
    return RawTable(name=name, headers=headers, rows=data)


def _read_xlsx(name: str, data: bytes) -> Source:
    import openpyxl

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise UnreadableFile(
            _("“%(name)s” is an old-format Excel file (.xls). Save it as .xlsx and try again.")
            % {"name": name}
        )
    not_a_workbook = _(
        "“%(name)s” is not a valid Excel workbook (.xlsx): it may be damaged, or not a spreadsheet."
    ) % {"name": name}
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableFile(not_a_workbook)
    source = Source()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise UnreadableFile(not_a_workbook) from exc
    try:
        for sheet in workbook.worksheets:
            # Some writers record a wrong size; read every row that is there.
            sheet.reset_dimensions()
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            table = _table_from_rows(sheet.title, rows)
            if table is not None:
                source.tables.append(table)
    except Exception as exc:
        raise UnreadableFile(not_a_workbook) from exc
    finally:
        workbook.close()
    if not source.tables:
        raise UnreadableFile(_("“%(name)s” contains no data.") % {"name": name})
    return source


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise UnreadableFile(
            _("“%(name)s” is not a CSV text file: it may be a workbook or a picture renamed.")
            % {"name": name}
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        _("The text encoding of “%(name)s” is not recognised. Save it as UTF-8 or GB18030 CSV.")
        % {"name": name}
    )


def _read_csv(table_name: str, data: bytes, file_name: str) -> RawTable:
    text = _decode(data, file_name)
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise UnreadableFile(
            _("“%(name)s” is not a well-formed CSV file: %(reason)s")
            % {"name": file_name, "reason": str(exc)}
        ) from exc
    table = _table_from_rows(table_name, rows)
    if table is None:
        raise UnreadableFile(_("“%(name)s” contains no data.") % {"name": file_name})
    return table


def _member_problem(name: str, message: str) -> RowError:
    return RowError(sheet=name, row=None, column_name="", message=message)


def _csv_member(source: Source, member_name: str, data: bytes) -> None:
    stem = PurePosixPath(member_name).stem
    table = table_named(stem)
    if table is None:
        source.errors.append(
            _member_problem(
                member_name,
                _("Not a table of the template; CSV files must be named %(names)s.")
                % {"names": "、".join(f"{t.key}.csv" for t in TABLES)},
            )
        )
        return
    try:
        source.tables.append(_read_csv(table.key, data, member_name))
    except UnreadableFile as exc:
        source.errors.append(_member_problem(member_name, exc.message))


def _skipped(member_name: str) -> bool:
    parts = PurePosixPath(member_name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _read_zip(name: str, data: bytes) -> Source:
    broken = _("“%(name)s” is not a valid ZIP archive: it may be damaged or incomplete.") % {
        "name": name
    }
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024 * 10
    source = Source()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [i for i in archive.infolist() if not i.is_dir() and not _skipped(i.filename)]
            if sum(i.file_size for i in members) > limit:
                raise UnreadableFile(
                    _("“%(name)s” unpacks to more than %(mb)s MB.")
                    % {"name": name, "mb": limit // (1024 * 1024)}
                )
            for info in members:
                member_name = info.filename
                if not info.flag_bits & 0x800:
                    # Not flagged UTF-8: Chinese Windows zips names in GBK.
                    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                        member_name = member_name.encode("cp437").decode("gb18030")
                if PurePosixPath(member_name).suffix.lower() != ".csv":
                    source.errors.append(
                        _member_problem(
                            member_name, _("Not a CSV file; the archive may hold only CSV files.")
                        )
                    )
                    continue
                _csv_member(source, PurePosixPath(member_name).name, archive.read(info))
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise UnreadableFile(broken) from exc
    if not source.tables and not source.errors:
        raise UnreadableFile(_("“%(name)s” contains no CSV file.") % {"name": name})
    return source


def _read_directory(path: Path) -> Source:
    source = Source()
    for child in sorted(path.iterdir()):
        if child.is_dir() or child.name.startswith("."):
            continue
        if child.suffix.lower() in {".md", ".txt"}:
            # A folder of CSVs may carry its own README.
            continue
        if child.suffix.lower() != ".csv":
            source.errors.append(
                _member_problem(
                    child.name, _("Not a CSV file; the folder may hold only CSV files.")
                )
            )
            continue
        _csv_member(source, child.name, child.read_bytes())
    if not source.tables and not source.errors:
        raise UnreadableFile(_("“%(name)s” contains no CSV file.") % {"name": str(path)})
    return source
