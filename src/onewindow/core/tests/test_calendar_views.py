"""The working-day calendar page and its administrator forms."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.core.models import AuditEvent, CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PAGE = reverse("core:calendar")
MONTH_TABLE = 'class="table table-bordered table-sm ow-cal-month'

SET_DAY = reverse("core:calendar-day-set")
CLEAR_DAY = reverse("core:calendar-day-clear")
ADD_YEAR = reverse("core:calendar-year-add")


@pytest.fixture
def june_2026(time_machine) -> None:
    time_machine.move_to(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def no_2027() -> None:
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def field_errors(response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</div>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


# --- Access -------------------------------------------------------------------------------------


def test_page_access(any_persona, client_for, june_2026) -> None:
    response = client_for(any_persona).get(PAGE)
    if any_persona is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif any_persona.has_role(Role.ADMINISTRATOR):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_posting_a_day_access(any_persona, client_for, june_2026) -> None:
    response = client_for(any_persona).post(
        SET_DAY, {"date": "2026-03-16", "kind": "restday", "name": "地方假日"}
    )
    row = CalendarDay.objects.filter(date=D(2026, 3, 16)).first()
    if any_persona is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert row is None
    elif any_persona.has_role(Role.ADMINISTRATOR):
        assert response.status_code == 302
        assert response["Location"] == f"{PAGE}?year=2026"
        assert row is not None and row.source == "manual" and not row.is_workday
    else:
        assert response.status_code == 403
        assert row is None


def test_hall_manager_cannot_change_the_calendar(hall_manager, client_for, no_2027) -> None:
    client = client_for(hall_manager)
    assert client.get(PAGE).status_code == 403
    assert client.post(SET_DAY, {"date": "2026-02-14", "kind": "restday"}).status_code == 403
    assert client.post(CLEAR_DAY, {"date": "2026-02-14"}).status_code == 403
    assert client.post(ADD_YEAR, {"year": "2027"}).status_code == 403
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).is_workday
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEvent.objects.filter(action__startswith="core.calendar").exists()


def test_actions_are_posts_only(administrator, client_for) -> None:
    client = client_for(administrator)
    for url in (SET_DAY, CLEAR_DAY, ADD_YEAR):
        assert client.get(url).status_code == 405
    assert client.post(PAGE).status_code == 405


# --- The page -------------------------------------------------------------------------------------


def test_year_grid_marks_holidays_and_adjusted_days(administrator, client_for, june_2026) -> None:
    response = client_for(administrator).get(PAGE, {"year": "2026"})
    assert response.status_code == 200
    page = text(response)
    assert page.count(MONTH_TABLE) == 12
    assert "2026年2月" in page
    # 19 weekday holidays marked 休, 6 adjusted working weekend days marked 班.
    assert len(re.findall(r'<span class="ow-cal-mark">休</span>', page)) == 19
    assert len(re.findall(r'<span class="ow-cal-mark">班</span>', page)) == 6
    assert re.search(r'class="ow-cal-adjusted" title="2026年2月14日 春节调休上班 工作日"', page)
    assert re.search(r'class="ow-cal-holiday" title="2026年2月16日 春节 休息日"', page)
    assert "2026年共有248个工作日" in page
    # The exceptions list with the source of each entry.
    assert page.count("节假日库") >= 25
    assert "2026-02-14" in page and "调休上班" in page and "节假日放假" in page
    # The administrator's forms.
    assert f'action="{SET_DAY}"' in page and f'action="{ADD_YEAR}"' in page


def test_page_defaults_to_this_year_and_ignores_a_bad_year(
    administrator, client_for, june_2026
) -> None:
    client = client_for(administrator)
    assert client.get(PAGE).context["year"] == 2026
    assert client.get(PAGE, {"year": "abc"}).context["year"] == 2026
    assert client.get(PAGE, {"year": "99999"}).context["year"] == 2026
    assert client.get(PAGE, {"year": "2025"}).context["year"] == 2025


def test_page_query_count(administrator, client_for, june_2026, django_assert_max_num_queries):
    client = client_for(administrator)
    with django_assert_max_num_queries(12):
        assert client.get(PAGE, {"year": "2026"}).status_code == 200


def test_an_unknown_year_shows_the_add_year_form(administrator, client_for, no_2027, june_2026):
    response = client_for(administrator).get(PAGE, {"year": "2027"})
    page = text(response)
    assert response.status_code == 200
    assert "工作日历中尚无2027年" in page
    assert MONTH_TABLE not in page
    assert re.search(r'name="year"[^>]*value="2027"', page)


def test_next_year_banner_from_november(administrator, client_for, no_2027, time_machine) -> None:
    client = client_for(administrator)
    time_machine.move_to(datetime.datetime(2026, 10, 31, 10, 0, tzinfo=SHANGHAI), tick=False)
    assert "2027年的工作日历尚未录入" not in text(client.get(PAGE))
    time_machine.move_to(datetime.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False)
    page = text(client.get(PAGE))
    assert "2027年的工作日历尚未录入，录入前无法计算落在2027年的办理时限。" in page
    assert "alert-warning" in page
    CalendarYear.objects.create(year=2027, source="manual")
    assert "2027年的工作日历尚未录入" not in text(client.get(PAGE))


# --- Setting and clearing days ----------------------------------------------------------------


def test_administrator_sets_and_clears_a_day(administrator, client_for, june_2026) -> None:
    client = client_for(administrator)
    response = client.post(
        SET_DAY, {"date": "2026-02-14", "kind": "restday", "name": "春节（本地调整）"}, follow=True
    )
    assert response.status_code == 200
    page = text(response)
    assert "已将2026年2月14日设为休息日。" in page
    row = CalendarDay.objects.get(date=D(2026, 2, 14))
    assert (row.is_workday, row.name, row.source) == (False, "春节（本地调整）", "manual")
    assert "管理员录入" in page
    assert f'action="{CLEAR_DAY}"' in page
    event = AuditEvent.objects.get(action="core.calendar.day_set")
    assert event.actor == administrator

    response = client.post(CLEAR_DAY, {"date": "2026-02-14"}, follow=True)
    assert "已清除2026年2月14日的管理员录入，恢复按节假日库执行。" in text(response)
    row.refresh_from_db()
    assert (row.is_workday, row.source) == (True, "library")
    assert AuditEvent.objects.filter(action="core.calendar.day_cleared").count() == 1


def test_setting_a_day_in_an_unknown_year_shows_the_error_at_the_date(
    administrator, client_for, no_2027, june_2026
) -> None:
    response = client_for(administrator).post(
        SET_DAY, {"date": "2027-01-01", "kind": "restday", "name": "元旦", "return_year": "2026"}
    )
    assert response.status_code == 200
    assert field_errors(response, "set-day-date-errors") == (
        "2027年的工作日历尚未录入，请先添加该年度，再设置其中的日期。"
    )
    assert 'name="date" id="id_date" value="2027-01-01"' in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()


def test_set_day_form_errors_are_chinese_next_to_the_fields(
    administrator, client_for, june_2026
) -> None:
    response = client_for(administrator).post(SET_DAY, {"date": "2026-02-30", "name": "x" * 51})
    assert response.status_code == 200
    page = response.content.decode()
    assert "输入一个有效的日期" in field_errors(response, "set-day-date-errors")
    assert "这个字段是必填项" in field_errors(response, "set-day-kind-errors")
    assert "50" in field_errors(response, "set-day-name-errors")
    assert 'value="2026-02-30"' in page
    assert not AuditEvent.objects.filter(action="core.calendar.day_set").exists()


def test_clearing_a_library_day_shows_an_error(administrator, client_for, june_2026) -> None:
    response = client_for(administrator).post(CLEAR_DAY, {"date": "2026-02-16"})
    assert response.status_code == 200
    assert "2026-02-16没有管理员录入的记录，无需清除。" in text(response)
    assert CalendarDay.objects.get(date=D(2026, 2, 16)).source == "library"


# --- Adding a year -------------------------------------------------------------------------------


def test_administrator_adds_a_year(administrator, client_for, no_2027, june_2026) -> None:
    client = client_for(administrator)
    response = client.post(ADD_YEAR, {"year": "2027", "note": "国办发明电〔2026〕X号"})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?year=2027"
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.note) == ("manual", "国办发明电〔2026〕X号")
    page = text(client.get(response["Location"]))
    assert page.count(MONTH_TABLE) == 12 and "管理员录入" in page
    # Now its days can be set.
    response = client.post(SET_DAY, {"date": "2027-01-01", "kind": "restday", "name": "元旦"})
    assert response.status_code == 302
    assert not CalendarDay.objects.get(date=D(2027, 1, 1)).is_workday


def test_adding_a_known_year_shows_the_error_at_the_year(
    administrator, client_for, june_2026
) -> None:
    response = client_for(administrator).post(ADD_YEAR, {"year": "2026", "return_year": "2026"})
    assert response.status_code == 200
    assert field_errors(response, "add-year-year-errors") == "工作日历中已有2026年，无需重复添加。"
    assert CalendarYear.objects.filter(year=2026).count() == 1
    assert not AuditEvent.objects.filter(action="core.calendar.year_added").exists()
