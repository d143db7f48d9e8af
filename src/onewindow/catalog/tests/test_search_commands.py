"""The load_synonyms and search_eval commands."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from onewindow.catalog import search
from onewindow.catalog.management.commands.load_synonyms import DEFAULT_PATH, read_synonyms
from onewindow.catalog.models import Department, ServiceItem, Synonym
from onewindow.catalog.services import current_revision
from onewindow.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    search.invalidate_index()
    yield
    search.invalidate_index()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# The shipped list ------------------------------------------------------------------------------


def test_shipped_list_is_large_and_well_formed() -> None:
    rows = read_synonyms(DEFAULT_PATH)
    assert len(rows) >= 150
    terms = {r.term: r.canonical for r in rows}
    for term, word in [
        ("社保卡", "社会保障卡"),
        ("低保", "最低生活保障"),
        ("狗", "犬"),
        ("开饭店", "食品经营许可"),
        ("开餐馆", "食品经营许可"),
        ("驾照", "机动车驾驶证"),
        ("结婚证", "婚姻登记"),
        ("准生证", "生育登记"),
        ("房产证", "不动产"),
        ("医保", "医疗保险"),
        ("退休", "养老保险待遇"),
        ("身份证", "居民身份证"),
    ]:
        assert word in terms[term].split("|"), term
    assert "登记" in terms["营业执照"]


def test_shipped_list_points_at_words_of_the_real_catalog() -> None:
    """Every catalog word of the list occurs in some item name (a few kept for future items)."""
    import csv

    catalog = Path(search.__file__).parent / "data" / "guangan-district-items.csv"
    with catalog.open(encoding="utf-8-sig") as f:
        names = [search.normalize(r["item_name"]) + "|" + search.core_name(r["item_name"])
                 for r in csv.DictReader(f)]  # fmt: skip
    missing = {
        word
        for row in read_synonyms(DEFAULT_PATH)
        for word in search.parse_canonical(row.canonical)
        if not any(word in name for name in names)
    }
    assert missing <= {"生育登记", "医疗保障"}


# load_synonyms ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_synonyms_seeds_once_and_bumps_the_revision() -> None:
    before = current_revision()
    out, _ = run("load_synonyms")
    count = len(read_synonyms(DEFAULT_PATH))
    assert Synonym.objects.count() == count
    assert f"{count} created" in out
    assert Synonym.objects.get(term="社保卡").canonical == "社会保障卡"
    assert current_revision() == before + 1
    event = AuditEvent.objects.get(action="catalog.synonyms.loaded")
    assert event.after["created"] == count

    out, _ = run("load_synonyms")
    assert "0 created, 0 updated, 0 deleted" in out
    assert current_revision() == before + 1
    assert AuditEvent.objects.filter(action="catalog.synonyms.loaded").count() == 1


@pytest.mark.django_db
def test_load_synonyms_keeps_the_managers_edits_unless_told(tmp_path: Path) -> None:
    path = write(tmp_path, "s.tsv", "# list\n\n社保卡\t社会保障卡\t备注\n低保\t最低生活保障\n")
    run("load_synonyms", str(path))
    Synonym.objects.filter(term="社保卡").update(canonical="社会保障卡|社保")
    Synonym.objects.create(term="狗", canonical="犬")

    out, _ = run("load_synonyms", str(path))
    assert "1 kept as edited" in out
    assert Synonym.objects.get(term="社保卡").canonical == "社会保障卡|社保"

    out, _ = run("load_synonyms", str(path), "--overwrite")
    assert "1 updated" in out
    assert Synonym.objects.get(term="社保卡").canonical == "社会保障卡"
    assert Synonym.objects.filter(term="狗").exists()

    out, _ = run("load_synonyms", str(path), "--replace")
    assert "1 deleted" in out
    assert set(Synonym.objects.values_list("term", flat=True)) == {"社保卡", "低保"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("社保卡\t社会保障卡\n社保卡\t社会保险\n", "already on line 2"),
        ("社保卡\n", "expected term<TAB>canonical"),
        ("社保卡\t\t备注\n", "expected term<TAB>canonical"),
        ("a\tb\tc\td\n", "expected term<TAB>canonical"),
        ("长" * 51 + "\t词\n", "too long"),
    ],
)
def test_load_synonyms_refuses_a_bad_file_whole(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.tsv", "低保\t最低生活保障\n" + text)
    with pytest.raises(CommandError, match=message):
        run("load_synonyms", str(path))
    assert not Synonym.objects.exists()


@pytest.mark.django_db
def test_loaded_synonyms_reach_search_without_a_restart() -> None:
    dept = Department.objects.create(name="区民政局")
    ServiceItem.objects.create(
        department=dept, name="最低生活保障", implementation_code="512B0003600029", item_type="20"
    )
    assert search.search_items("低保") == []
    run("load_synonyms")
    assert [h.item.name for h in search.search_items("低保")] == ["最低生活保障"]


# search_eval -----------------------------------------------------------------------------------


@pytest.fixture
def small_catalog(db: Any) -> None:
    dept = Department.objects.create(name="区人社局")
    for code, name in [
        ("512B0070200003", "社会保障卡申领"),
        ("512B0070200006", "社会保障卡补领、换领、换发"),
        ("51201400600001", "企业职工基本养老保险正常退休申请"),
    ]:
        ServiceItem.objects.create(
            department=dept, name=name, implementation_code=code, item_type="20"
        )
    Synonym.objects.create(term="社保卡", canonical="社会保障卡")


def test_search_eval_counts_top1_and_top3(tmp_path: Path, small_catalog: None) -> None:
    path = write(
        tmp_path,
        "eval.tsv",
        "# labelled queries\n\n"
        "社保卡\t社会保障卡申领\n"
        "社会保障卡\t社会保障卡补领、换领、换发|没有这个事项\n"
        "火星移民\t社会保障卡申领\n",
    )
    out, err = run("search_eval", str(path))
    assert json.loads(out) == {"queries": 3, "top1": 0.333, "top3": 0.667}
    assert err == ""

    out, err = run("search_eval", str(path), "--verbose")
    misses = [json.loads(line) for line in err.splitlines()]
    assert misses == [{"query": "火星移民", "expected": ["社会保障卡申领"], "got": []}]


def test_search_eval_warns_without_synonyms(tmp_path: Path, db: Any) -> None:
    path = write(tmp_path, "eval.tsv", "社保卡\t社会保障卡申领\n")
    out, err = run("search_eval", str(path))
    assert json.loads(out) == {"queries": 1, "top1": 0.0, "top3": 0.0}
    assert "load_synonyms" in err
    assert "catalog is empty" in err


def test_search_eval_refuses_a_bad_file(tmp_path: Path, db: Any) -> None:
    with pytest.raises(CommandError, match="No such file"):
        run("search_eval", str(tmp_path / "missing.tsv"))
    path = write(tmp_path, "eval.tsv", "社保卡 社会保障卡申领\n")
    with pytest.raises(CommandError, match="eval.tsv:1"):
        run("search_eval", str(path))
