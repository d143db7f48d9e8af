"""Catalog journeys in a real browser: a citizen finds an item in their own words and reads what
to bring; a hall manager changes a material and the guide shows it. Screenshots in artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.catalog.models import Department, ServiceItem
from onewindow.halls.models import Hall

FOOD_LICENCE = "食品(含保健食品)经营许可核发"
PASSWORD = "journey-pass-2026"


@pytest.fixture
def demo_catalog(transactional_db: Any) -> dict[str, User]:
    call_command("sync_calendar", verbosity=0)  # transactional tests flush seeded rows
    call_command("load_synonyms", verbosity=0)
    call_command("import_catalog", str(demo.REAL_CATALOG), verbosity=0)
    call_command("import_catalog", str(demo.DEMO_CATALOG), verbosity=0)
    hall = Hall.objects.create(
        code="guangan",
        name="广安区政务服务中心",
        address="广安区政务服务中心（示例地址）",
        phone="0826-12345",
        opening_hours="周一至周五 9:00–12:00，13:30–17:30",
    )
    users = {}
    for username, role in [("manager", "hall_manager"), ("admin", "administrator")]:
        user = User.objects.create_user(
            username=username, password=PASSWORD, full_name="李主任", hall=hall
        )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_citizen_finds_an_item_in_their_own_words(
    live_server: Any, demo_catalog: Any, page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    desktop = page_factory()
    desktop.goto(base + "/")
    shot(desktop, "guide-01-home-desktop")

    page = page_factory(mobile=True)
    page.goto(base + "/")
    assert "您想办什么事" in page.content()
    shot(page, "guide-02-home-phone")

    page.fill("#ow-q", "开饭店")
    page.keyboard.press("Enter")
    page.wait_for_url("**/guide/search/**")
    results = page.locator("main a", has_text=FOOD_LICENCE)
    assert results.count() >= 1
    shot(page, "guide-03-search-phone")

    results.first.click()
    page.wait_for_url("**/guide/items/**")
    body = page.content()
    assert "食品经营许可申请书" in body
    assert "营业执照或其他主体资格证明文件" in body
    assert "个工作日" in body
    shot(page, "guide-04-item-phone")

    # Pinyin initials and a typo also find what the citizen means.
    page.goto(base + "/guide/search/?q=gtgh")
    assert "个体工商户" in page.locator("main").inner_text()
    page.goto(base + "/guide/search/?q=食品经荣许可")
    assert FOOD_LICENCE in page.locator("main").inner_text()

    item = ServiceItem.objects.get(name=FOOD_LICENCE)
    desktop.goto(f"{base}/guide/items/{item.pk}/")
    shot(desktop, "guide-05-item-desktop")
    desktop.goto(f"{base}/guide/items/{item.pk}/print/")
    assert "食品经营许可申请书" in desktop.content()
    shot(desktop, "guide-06-item-print")

    assert page.external_requests == []
    assert desktop.external_requests == []


def test_manager_changes_a_material_and_the_guide_shows_it(
    live_server: Any, demo_catalog: Any, page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    page = page_factory()
    sign_in(page, base, "manager")
    shot(page, "manage-01-workbench")

    page.goto(f"{base}/manage/items/")
    page.fill("input[name=q]", "食品(含保健食品)经营许可")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    shot(page, "manage-02-item-list")
    page.locator("main a", has_text=FOOD_LICENCE).first.click()
    page.wait_for_url("**/manage/items/*/")
    shot(page, "manage-03-item-edit")

    item = ServiceItem.objects.get(name=FOOD_LICENCE)
    version_before = item.version
    page.goto(f"{base}/manage/items/{item.pk}/scenarios/")
    shot(page, "manage-04-scenarios")
    page.locator("a", has_text="编辑材料").first.click()
    page.wait_for_url("**/materials/")
    name_field = page.locator("#id_materials-0-name")
    assert name_field.input_value() == "食品经营许可申请书"
    name_field.fill("食品经营许可申请书（2026年版）")
    page.click("button:has-text('保存材料')")
    page.wait_for_load_state("networkidle")
    shot(page, "manage-05-materials-saved")

    item.refresh_from_db()
    assert item.version == version_before + 1

    citizen = page_factory(mobile=True)
    citizen.goto(f"{base}/guide/items/{item.pk}/")
    assert "食品经营许可申请书（2026年版）" in citizen.content()
    shot(citizen, "manage-06-guide-shows-change")

    forestry = Department.objects.get(name="区林业局")
    page.goto(f"{base}/manage/delegations/?department={forestry.pk}")
    assert "无有效委托书" in page.content()
    shot(page, "manage-07-delegation-matrix")

    page.goto(f"{base}/manage/agreements/")
    shot(page, "manage-08-agreements")
    page.goto(f"{base}/manage/import/")
    shot(page, "manage-09-import")
    page.goto(f"{base}/staff/history/")  # not a page: the error page is Chinese too
    assert "页面不存在" in page.content()
    assert page.external_requests == []


def test_administrator_sees_the_calendar(
    live_server: Any, demo_catalog: Any, page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    page = page_factory()
    sign_in(page, base, "admin")
    page.goto(f"{base}/staff/calendar/?year=2026")
    body = page.content()
    assert "春节" in body and "国庆节" in body
    shot(page, "calendar-01-2026")
    assert page.external_requests == []
