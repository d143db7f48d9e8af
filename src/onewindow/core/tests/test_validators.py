"""Identity validators: resident ID (GB 11643), credit code (GB 32100), mobile numbers.

The check characters are computed here from the standards' formulas (weights 2^(17-i) mod 11
and 3^i mod 31), independently of the tables in core/validators.py.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from onewindow.core.validators import (
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_mobile,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_check(first17: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(region: str, born: str, sequence: str) -> str:
    first17 = region + born + sequence
    assert len(first17) == 17
    return first17 + id_check(first17)


def uscc_check(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


def error_of(validate, value: str) -> ValidationError:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate(value)
    return caught.value


def chinese(error: ValidationError) -> str:
    with translation.override("zh-hans"):
        return error.messages[0]


# --- Resident identity card numbers -------------------------------------------------------------


def test_the_public_example_id_is_valid() -> None:
    assert id_check("11010519491231002") == "X"
    validate_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002X")


@pytest.mark.parametrize(
    ("region", "born", "sequence"),
    [
        ("511602", "19850315", "123"),  # 广安市广安区
        ("110101", "20000229", "004"),  # a leap day
        ("440305", "19991231", "567"),
        ("510100", "19700101", "001"),
        ("320102", "20101010", "888"),
    ],
)
def test_generated_ids_are_valid(region: str, born: str, sequence: str) -> None:
    number = make_id(region, born, sequence)
    assert is_valid_id_number(number)
    # Any other check character is wrong.
    for other in "0123456789X":
        if other != number[-1]:
            assert not is_valid_id_number(number[:17] + other)


def test_some_generated_id_ends_in_x() -> None:
    ids = [make_id("511602", "19850315", f"{n:03d}") for n in range(30)]
    assert any(n.endswith("X") for n in ids)
    assert all(is_valid_id_number(n) for n in ids)


def test_lowercase_x_and_spaces_are_accepted() -> None:
    assert is_valid_id_number("11010519491231002x")
    assert is_valid_id_number(" 110105 19491231 002X ")


def test_wrong_check_digit() -> None:
    error = error_of(validate_id_number, "110105194912310021")
    assert error.code == "checksum"
    assert chinese(error) == "身份证号码校验位不正确，请核对后重新输入。"


@pytest.mark.parametrize("value", ["11010519491231002", "11010519491231002X1", "", "1234"])
def test_wrong_length(value: str) -> None:
    error = error_of(validate_id_number, value)
    assert error.code == "length"
    assert chinese(error) == f"身份证号码应为18位，当前为{len(value)}位。"


@pytest.mark.parametrize(
    "value", ["1101051949123100XX", "11010519491231A02X", "X10105194912310021"]
)
def test_characters_other_than_digits(value: str) -> None:
    error = error_of(validate_id_number, value)
    assert error.code == "characters"
    assert chinese(error) == "身份证号码只能包含数字，最后一位可以是X。"


@pytest.mark.parametrize(
    "born",
    ["19490230", "20230229", "19991301", "19990000", "18790101", "29990101"],
    ids=["feb-30", "not-a-leap-year", "month-13", "zeros", "before-1880", "future"],
)
def test_bad_birth_date(born: str) -> None:
    number = make_id("110105", born, "002")  # a correct check digit: only the date is wrong
    error = error_of(validate_id_number, number)
    assert error.code == "birthdate"
    assert chinese(error) == "身份证号码中的出生日期无效。"


def test_born_today_is_valid_and_tomorrow_is_not(time_machine) -> None:
    # 00:30 in Beijing is still the previous day in UTC: the installation's date counts.
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    time_machine.move_to(datetime.datetime(2026, 6, 15, 0, 30, tzinfo=shanghai), tick=False)
    assert is_valid_id_number(make_id("110105", "20260615", "002"))
    assert not is_valid_id_number(make_id("110105", "20260616", "002"))


# --- Unified social credit codes ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "11511301MB1550442U", "91110000600037341L"])
def test_valid_credit_codes(code: str) -> None:
    assert uscc_check(code[:17]) == code[17]
    validate_credit_code(code)
    assert is_valid_credit_code(code)
    assert is_valid_credit_code(code.lower())
    assert is_valid_credit_code(f" {code[:9]} {code[9:]} ")


def test_generated_credit_codes() -> None:
    for body in ["92511602MA6A8XYY0", "52511602MJQ123456", "31110000717802345"]:
        code = body + uscc_check(body)
        assert is_valid_credit_code(code), code


def test_wrong_check_character() -> None:
    error = error_of(validate_credit_code, "91350100M000100Y44")
    assert error.code == "checksum"
    assert chinese(error) == "统一社会信用代码校验位不正确，请核对后重新输入。"
    for other in USCC_CHARSET:
        if other != "3":
            assert not is_valid_credit_code("91350100M000100Y4" + other)


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters(letter: str) -> None:
    body = "91350100M000100Y4"
    # Replace the letter M (position 9) and the final check character.
    code = body[:8] + letter + body[9:] + "3"
    error = error_of(validate_credit_code, code)
    assert error.code == "characters"
    assert chinese(error) == "统一社会信用代码含有无效字符（不使用I、O、Z、S、V）。"
    assert not is_valid_credit_code(code.lower())


def test_letters_in_the_region_digits_are_refused() -> None:
    # Characters 3–8 are the administrative division code: digits only.
    assert not is_valid_credit_code("9135A100M000100Y4" + uscc_check("9135A100M000100Y4"))


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_credit_code_length(code: str) -> None:
    error = error_of(validate_credit_code, code)
    assert error.code == "length"
    assert chinese(error) == f"统一社会信用代码应为18位，当前为{len(code)}位。"


# --- Mobile numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "19912345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "008613812345678",
        "138-1234-5678",
        " 15012345678 ",
    ],
)
def test_valid_mobiles(value: str) -> None:
    validate_mobile(value)
    assert is_valid_mobile(value)


def test_normalize_mobile_strips_the_country_code() -> None:
    assert normalize_mobile("+86 138-1234-5678") == "13812345678"
    assert normalize_mobile("008613812345678") == "13812345678"


@pytest.mark.parametrize(
    "value",
    [
        "12345678901",
        "1381234567",
        "138123456789",
        "23812345678",
        "+8512345678901",
        "1381234567a",
        "",
    ],
)
def test_invalid_mobiles(value: str) -> None:
    error = error_of(validate_mobile, value)
    assert error.code == "mobile"
    assert chinese(error) == "请输入11位手机号码，以1开头，例如 13812345678。"
    assert not is_valid_mobile(value)
