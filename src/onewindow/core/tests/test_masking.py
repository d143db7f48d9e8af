"""Masking for lists and exports."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from onewindow.core.masking import mask_credit_code, mask_id_number, mask_name, mask_phone


def test_id_number_keeps_region_and_last_four() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number(" 511602198503151234 ") == "511602********1234"
    # An old 15-digit number.
    assert mask_id_number("110105491231002") == "110105*****1002"


def test_credit_code_keeps_first_and_last_four() -> None:
    assert mask_credit_code("91350100M000100Y43") == "9135**********0Y43"


def test_phone_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0826-2345678") == "082*****5678"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "李"),
        ("", ""),
        (" 王五 ", "王*"),
    ],
)
def test_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize("mask", [mask_id_number, mask_credit_code, mask_phone])
def test_empty_and_none(mask) -> None:
    assert mask("") == ""
    assert mask(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mask", "value"),
    [
        (mask_id_number, "1234"),
        (mask_id_number, "E1234567"),
        (mask_credit_code, "12345678"),
        (mask_phone, "123456"),
    ],
)
def test_short_values_are_hidden_entirely(mask, value: str) -> None:
    assert mask(value) == "*" * len(value)


@pytest.mark.parametrize(
    ("mask", "value"),
    [
        (mask_id_number, "E12345678"),  # a passport number in the ID field
        (mask_id_number, "H123456789"),  # a Mainland Travel Permit number
        (mask_credit_code, "123456789"),
        (mask_phone, "2345678"),  # a 7-digit local number
        (mask_phone, "82345678"),
    ],
)
def test_short_values_never_show_in_full(mask, value: str) -> None:
    masked = mask(value)
    assert len(masked) == len(value)
    assert masked.count("*") >= 4
    # What is shown is a real prefix and suffix of the value.
    head = masked[: masked.index("*")]
    tail = masked[masked.rindex("*") + 1 :]
    assert value.startswith(head) and value.endswith(tail)


def test_template_filters() -> None:
    template = Template("{% load onewindow %}{{ id|mask_id }} {{ phone|mask_phone }}")
    rendered = template.render(Context({"id": "11010519491231002X", "phone": "13812345678"}))
    assert rendered == "110105********002X 138****5678"
