"""The template's columns: how a cell becomes a value, and who a new item serves."""

from __future__ import annotations

import datetime

import pytest

from onewindow.catalog.io import columns
from onewindow.catalog.io.columns import (
    AGREEMENTS,
    DELEGATIONS,
    ITEMS,
    MATERIALS,
    TABLES,
    infer_audience,
    split_list,
    table_named,
)
from onewindow.catalog.models import (
    Audience,
    CorrectionClock,
    HandlingKind,
    ItemStatus,
    ItemType,
    MaterialMedium,
    MaterialSource,
    OnlineDepth,
    Power,
    ResultType,
    TrustLevel,
)


@pytest.mark.parametrize(
    ("labels", "choices"),
    [
        (columns.ITEM_TYPE_LABELS, ItemType),
        (columns.AUDIENCE_LABELS, Audience),
        (columns.HANDLING_KIND_LABELS, HandlingKind),
        (columns.CORRECTION_CLOCK_LABELS, CorrectionClock),
        (columns.ONLINE_DEPTH_LABELS, OnlineDepth),
        (columns.RESULT_TYPE_LABELS, ResultType),
        (columns.STATUS_LABELS, ItemStatus),
        (columns.MEDIUM_LABELS, MaterialMedium),
        (columns.SOURCE_LABELS, MaterialSource),
        (columns.TRUST_LEVEL_LABELS, TrustLevel),
        (columns.POWER_LABELS, Power),
    ],
)
def test_every_choice_has_exactly_one_spreadsheet_label(labels, choices):
    assert sorted(labels) == sorted(choices.values)
    assert len(set(labels.values())) == len(labels)
    assert all(type(code) is str for code in labels)


def test_every_field_column_names_a_model_field():
    for table in TABLES:
        for column in table.columns:
            if column.field:
                assert table.model_field(column) is not None
        assert len({c.key for c in table.columns}) == len(table.columns)
        assert len({c.zh for c in table.columns}) == len(table.columns)


def test_items_start_with_the_province_columns():
    assert ITEMS.keys[:8] == [
        "department",
        "group",
        "item_name",
        "implementation_code",
        "item_type_code",
        "item_type",
        "area_code",
        "department_code",
    ]


@pytest.mark.parametrize("text", ["是", "Y", "y", "1", "true", "TRUE", "yes"])
def test_yes_values(text):
    assert ITEMS.parse(ITEMS.column("fee_required"), text) == (True, None)


@pytest.mark.parametrize("text", ["否", "N", "0", "false", "No"])
def test_no_values(text):
    assert ITEMS.parse(ITEMS.column("fee_required"), text) == (False, None)


def test_a_bad_boolean_names_the_value():
    value, problem = ITEMS.parse(ITEMS.column("fee_required"), "也许")
    assert value is None
    assert "也许" in problem


def test_empty_cells_set_the_default_or_clear():
    assert ITEMS.parse(ITEMS.column("one_window"), "") == (True, None)
    assert ITEMS.parse(ITEMS.column("statutory_limit_days"), "") == (None, None)
    assert ITEMS.parse(ITEMS.column("handling_kind"), "") == (HandlingKind.PROMISED, None)
    assert ITEMS.parse(ITEMS.column("place"), "") == ("", None)
    assert ITEMS.parse(ITEMS.column("max_visits"), "") == (1, None)
    assert DELEGATIONS.parse(DELEGATIONS.column("powers"), "") == ([], None)


def test_required_cells_cannot_be_empty():
    value, problem = ITEMS.parse(ITEMS.column("item_name"), "")
    assert value is None and problem


@pytest.mark.parametrize("text", ["-1", "1.5", "十五", "3天"])
def test_integers_are_whole_numbers(text):
    value, problem = ITEMS.parse(ITEMS.column("statutory_limit_days"), text)
    assert value is None
    assert text in problem


def test_integers_parse_and_respect_limits():
    assert ITEMS.parse(ITEMS.column("statutory_limit_days"), "20") == (20, None)
    assert ITEMS.parse(ITEMS.column("statutory_limit_days"), "40000")[1]
    assert ITEMS.parse(ITEMS.column("max_visits"), "2") == (2, None)
    assert "3" in ITEMS.parse(ITEMS.column("max_visits"), "3")[1]


def test_choices_accept_the_chinese_label_or_the_code():
    column = ITEMS.column("audience")
    assert ITEMS.parse(column, "法人") == (Audience.LEGAL, None)
    assert ITEMS.parse(column, "natural") == (Audience.NATURAL, None)
    value, problem = ITEMS.parse(column, "企业")
    assert value is None
    assert "企业" in problem and "服务对象" in problem


def test_item_type_code_takes_codes_only():
    column = ITEMS.column("item_type_code")
    assert ITEMS.parse(column, "20") == ("20", None)
    assert "99" in ITEMS.parse(column, "99")[1]
    assert ITEMS.parse(column, "行政许可")[1]


def test_trust_level_accepts_lower_case():
    assert MATERIALS.parse(MATERIALS.column("trust_level"), "a") == ("A", None)


def test_dates():
    column = AGREEMENTS.column("signed_on")
    assert AGREEMENTS.parse(column, "2024-3-5") == (datetime.date(2024, 3, 5), None)
    assert AGREEMENTS.parse(column, "2024-02-30")[1]
    assert AGREEMENTS.parse(column, "2024年3月5日")[1]


def test_text_longer_than_the_field_is_refused():
    column = ITEMS.column("item_name")
    assert ITEMS.parse(column, "办" * 200) == ("办" * 200, None)
    assert "200" in ITEMS.parse(column, "办" * 201)[1]


def test_format_reads_back_to_the_same_value():
    for table in TABLES:
        for column in table.columns:
            if column.kind == columns.Kind.CHOICE:
                for code in column.labels:
                    assert table.parse(column, table.format(column, code)) == (code, None)
    assert ITEMS.format(ITEMS.column("fee_required"), False) == "否"
    assert ITEMS.format(ITEMS.column("item_type"), "20") == "公共服务"
    assert ITEMS.format(ITEMS.column("item_type_code"), "20") == "20"


def test_lists_split_on_chinese_and_latin_separators():
    assert split_list("收件权、原件核验权,结果送达权；账号使用权;收件权") == [
        "收件权",
        "原件核验权",
        "结果送达权",
        "账号使用权",
    ]
    assert split_list("") == []


def test_tables_are_named_by_key_or_chinese_name():
    assert table_named("items") is ITEMS
    assert table_named("事项") is ITEMS
    assert table_named(" Materials ") is MATERIALS
    assert table_named("说明") is None


@pytest.mark.parametrize(
    ("name", "audience"),
    [
        ("企业投资项目备案（技术改造）（市级/县级）", Audience.LEGAL),
        ("有限责任公司设立登记", Audience.LEGAL),
        ("用人单位招用人员登记", Audience.LEGAL),
        ("居民身份证换领", Audience.NATURAL),
        ("个人权益记录查询", Audience.NATURAL),
        ("中职和本专科建档立卡特别资助项目", Audience.NATURAL),
        ("适龄儿童、少年因身体状况需要延缓入学或者休学审批", Audience.NATURAL),
        ("学生资助政策咨询", Audience.NATURAL),
        ("企业职工基本养老保险个人账户查询", Audience.BOTH),
        ("建设工程消防验收", Audience.BOTH),
    ],
)
def test_infer_audience(name, audience):
    assert infer_audience(name) == audience
