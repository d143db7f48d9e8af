"""Public guide site (办事指南): pages, filters, item content, query counts, no external URLs."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

import onewindow
from onewindow.catalog.models import (
    Answer,
    Audience,
    Delegation,
    DelegationAgreement,
    Department,
    HandlingKind,
    ItemStatus,
    ItemType,
    Material,
    MaterialMedium,
    MaterialSource,
    OnlineDepth,
    Power,
    ResultType,
    Scenario,
    ServiceItem,
    Synonym,
)
from onewindow.halls.models import Hall

ONLINE_URL = "https://zwfw.example.gov.cn/apply/food-licence"

_codes = iter(range(1, 10**6))


def make_item(department: Department, name: str, **fields: Any) -> ServiceItem:
    n = next(_codes)
    fields.setdefault("item_type", ItemType.LICENSING)
    return ServiceItem.objects.create(
        department=department, name=name, implementation_code=f"TEST-{n:06d}", **fields
    )


def add_materials(scenario: Scenario, count: int, prefix: str = "材料") -> list[Material]:
    return [
        Material.objects.create(scenario=scenario, code=f"M{i}", name=f"{prefix}{i}", sort_order=i)
        for i in range(1, count + 1)
    ]


@pytest.fixture
def public_hall(hall: Hall) -> Hall:
    hall.address = "示范区人民路88号政务服务中心"
    hall.opening_hours = "周一至周五 9:00-17:00"
    hall.phone = "0826-1234567"
    hall.save()
    return hall


@pytest.fixture
def market_department(department: Department) -> Department:
    department.window_location = "二楼B区18号窗口"
    department.phone = "0826-2220000"
    department.save()
    return department


@pytest.fixture
def food_item(market_department: Department) -> ServiceItem:
    """A fully written guide: two scenarios with materials, Q&A and three delegated powers."""
    item = make_item(
        market_department,
        "食品经营许可（新办）",
        audience=Audience.LEGAL,
        promised_limit_days=10,
        statutory_limit_days=20,
        handling_kind=HandlingKind.PROMISED,
        fee_required=False,
        max_visits=1,
        online_depth=OnlineDepth.FULL,
        online_url=ONLINE_URL,
        conditions="申请人应当取得营业执照等合法主体资格。",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        result_name="食品经营许可证",
        result_type=ResultType.CERTIFICATE,
        delivery_modes="窗口领取、邮寄送达",
        result_validity="5年",
        complaint_phone="12345",
        version=3,
    )
    new = Scenario.objects.create(item=item, code="S1", name="首次申请", sort_order=1)
    Material.objects.create(
        scenario=new,
        code="M1",
        name="食品经营许可申请书",
        originals=1,
        copies=0,
        medium=MaterialMedium.PAPER,
        source=MaterialSource.APPLICANT,
        filling_notes="由法定代表人签字并加盖公章",
        blank_form=ContentFile(b"form", name="application.docx"),
        sort_order=1,
    )
    Material.objects.create(
        scenario=new,
        code="M2",
        name="营业执照",
        originals=1,
        copies=1,
        source=MaterialSource.GOVERNMENT,
        trust_level="A",
        sort_order=2,
    )
    Material.objects.create(
        scenario=new,
        code="M3",
        name="食品安全管理制度文本",
        required=False,
        required_note="连锁经营时提供",
        may_defer=True,
        defer_days=5,
        medium=MaterialMedium.ELECTRONIC,
        sort_order=3,
    )
    change = Scenario.objects.create(item=item, code="S2", name="变更经营场所", sort_order=2)
    Material.objects.create(scenario=change, code="M1", name="变更申请表", originals=1)
    Answer.objects.create(
        item=item, code="Q1", question="办理需要多长时间？", answer="材料齐全的10个工作日内办结。"
    )
    Answer.objects.create(
        item=item, code="Q2", question="可以委托他人办理吗？", answer="可以，需提供授权委托书。"
    )
    agreement = DelegationAgreement.objects.create(
        department=item.department,
        number="SQ-TEST-001",
        title="授权委托书",
        delegate="综合受理窗口",
        scope="本部门进驻事项",
        signed_on=datetime.date(2026, 1, 5),
        valid_from=datetime.date(2026, 1, 5),
        scan="catalog/agreements/SQ-TEST-001.pdf",
    )
    for power in (Power.RECEIVE, Power.VERIFY_ORIGINAL, Power.ONE_TIME_NOTICE):
        Delegation.objects.create(item=item, power=power, agreement=agreement)
    return item


@pytest.fixture
def bare_item(other_department: Department) -> ServiceItem:
    """Like most of the real catalog: only a name, a code and a department."""
    other_department.window_location = "一楼A区5号窗口"
    other_department.phone = "0826-3330000"
    other_department.save()
    return make_item(other_department, "适龄儿童延缓入学审批", item_type=ItemType.LICENSING)


@pytest.fixture
def anon() -> Client:
    return Client()


def html(response: Any) -> str:
    return response.content.decode()


# --- Home ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_shows_search_ways_in_departments_featured_and_hall(
    anon: Client, public_hall: Hall, food_item: ServiceItem, bare_item: ServiceItem
) -> None:
    response = anon.get(reverse("catalog:guide-home"))
    assert response.status_code == 200
    page = html(response)
    assert 'name="q"' in page and reverse("catalog:guide-search") in page
    assert f"{reverse('catalog:guide-browse')}?audience=natural" in page
    assert f"{reverse('catalog:guide-browse')}?audience=legal" in page
    # Both departments appear with their counts; only the item with materials is featured.
    assert f"?department={food_item.department_id}" in page
    assert f"?department={bare_item.department_id}" in page
    assert reverse("catalog:guide-item", args=[food_item.pk]) in page
    assert reverse("catalog:guide-item", args=[bare_item.pk]) not in page
    assert public_hall.address in page and public_hall.opening_hours in page
    # The public header shows the hall's name and the staff sign-in link is in the footer.
    assert public_hall.name in page
    assert reverse("accounts:login") in page
    # No staff navigation on public pages; the language switch is there.
    assert "ow-navbar" not in page
    assert reverse("set_language") in page


@pytest.mark.django_db
def test_home_without_hall_or_items_still_renders(anon: Client) -> None:
    response = anon.get(reverse("catalog:guide-home"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_home_hides_unpublished_items_from_counts_and_featured(
    anon: Client, food_item: ServiceItem
) -> None:
    ServiceItem.objects.filter(pk=food_item.pk).update(status=ItemStatus.DRAFT)
    page = html(anon.get(reverse("catalog:guide-home")))
    assert reverse("catalog:guide-item", args=[food_item.pk]) not in page
    assert f"?department={food_item.department_id}" not in page


# --- Browse -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_browse_filters_by_audience_department_and_type(
    anon: Client, food_item: ServiceItem, bare_item: ServiceItem, market_department: Department
) -> None:
    natural_only = make_item(market_department, "个人食品摊贩备案", audience=Audience.NATURAL)
    penalty = make_item(market_department, "食品违法行为处罚", item_type=ItemType.PENALTY)
    url = reverse("catalog:guide-browse")

    page = html(anon.get(url))
    for item in (food_item, bare_item, natural_only, penalty):
        assert item.name in page

    # Natural persons: natural-only and "both" items, not legal-only ones.
    page = html(anon.get(url, {"audience": "natural"}))
    assert natural_only.name in page and bare_item.name in page
    assert food_item.name not in page

    page = html(anon.get(url, {"audience": "legal"}))
    assert food_item.name in page and bare_item.name in page
    assert natural_only.name not in page

    page = html(anon.get(url, {"department": market_department.pk}))
    assert food_item.name in page and bare_item.name not in page
    assert market_department.window_location in page  # the department's contact card

    page = html(anon.get(url, {"type": ItemType.PENALTY}))
    assert penalty.name in page and food_item.name not in page

    # A department with no item of the chosen type stays selected, with a count of 0.
    response = anon.get(url, {"type": ItemType.PENALTY, "department": bare_item.department_id})
    assert len(response.context["items"]) == 0
    assert response.context["selected_department"].pk == bare_item.department_id
    assert f'<option value="{bare_item.department_id}" selected>' in html(response)


@pytest.mark.django_db
def test_browse_ignores_invalid_filter_values(anon: Client, food_item: ServiceItem) -> None:
    response = anon.get(
        reverse("catalog:guide-browse"), {"audience": "robots", "department": "x", "type": "99"}
    )
    assert response.status_code == 200
    assert food_item.name in html(response)


@pytest.mark.django_db
def test_browse_paginates_fifty_per_page_and_keeps_filters(
    anon: Client, market_department: Department
) -> None:
    ServiceItem.objects.bulk_create(
        ServiceItem(
            department=market_department,
            name=f"批量事项{i:03d}",
            implementation_code=f"BULK-{i:03d}",
            item_type=ItemType.PUBLIC_SERVICE,
            audience=Audience.NATURAL,
        )
        for i in range(120)
    )
    url = reverse("catalog:guide-browse")
    first = anon.get(url, {"audience": "natural"})
    assert len(first.context["items"]) == 50
    assert first.context["page_obj"].paginator.count == 120
    page = html(first)
    assert "批量事项000" in page and "批量事项050" not in page
    assert re.search(r'href="\?audience=natural&amp;page=2"', page)

    last = anon.get(url, {"audience": "natural", "page": 3})
    assert len(last.context["items"]) == 20
    assert "批量事项119" in html(last)

    # A page number past the end shows the last page instead of an error.
    assert anon.get(url, {"page": 99}).status_code == 200


# --- Search -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_finds_items_and_marks_complete_and_pending_guides(
    anon: Client, food_item: ServiceItem, bare_item: ServiceItem, market_department: Department
) -> None:
    pending = make_item(market_department, "食品小作坊登记")
    response = anon.get(reverse("catalog:guide-search"), {"q": "食品"})
    assert response.status_code == 200
    flags = {i.pk: i.has_guide for i in response.context["items"]}
    assert flags[food_item.pk] is True and flags[pending.pk] is False
    assert bare_item.pk not in flags
    page = html(response)
    assert 'value="食品"' in page  # the query is kept in the box
    assert market_department.name in page
    assert bare_item.name not in page


@pytest.mark.django_db
def test_search_applies_filters(
    anon: Client, food_item: ServiceItem, market_department: Department
) -> None:
    natural = make_item(market_department, "食品摊贩登记", audience=Audience.NATURAL)
    response = anon.get(reverse("catalog:guide-search"), {"q": "食品", "audience": "natural"})
    found = [i.pk for i in response.context["items"]]
    assert natural.pk in found and food_item.pk not in found
    response = anon.get(reverse("catalog:guide-search"), {"q": "食品", "type": ItemType.PENALTY})
    assert response.context["items"] == []


@pytest.mark.django_db
def test_search_without_results_suggests_synonyms_dropping_filters_and_consultation(
    anon: Client, public_hall: Hall, food_item: ServiceItem, bare_item: ServiceItem
) -> None:
    Synonym.objects.create(term="开饭店", canonical="食品经营许可")
    # The food item matches "开饭店" but the department filter excludes it.
    response = anon.get(
        reverse("catalog:guide-search"), {"q": "开饭店", "department": bare_item.department_id}
    )
    assert response.status_code == 200
    assert response.context["items"] == []
    assert response.context["suggestions"] == ["食品经营许可"]
    assert response.context["unfiltered_count"] >= 1
    page = html(response)
    assert 'value="开饭店"' in page  # the query is kept
    assert "q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF" in page  # the suggestion link
    assert f'{reverse("catalog:guide-search")}?q=%E5%BC%80%E9%A5%AD%E5%BA%97"' in page  # no filters
    assert public_hall.phone in page  # whom to ask


@pytest.mark.django_db
def test_search_for_unknown_words_says_nothing_found(anon: Client, food_item: ServiceItem) -> None:
    response = anon.get(reverse("catalog:guide-search"), {"q": "火星移民"})
    assert response.status_code == 200
    assert response.context["items"] == []
    assert "没有找到与“火星移民”相关的事项" in html(response)


@pytest.mark.django_db
def test_search_without_query_shows_examples(anon: Client) -> None:
    response = anon.get(reverse("catalog:guide-search"))
    assert response.status_code == 200
    assert "q=%E7%A4%BE%E4%BF%9D%E5%8D%A1" in html(response)  # 社保卡


# --- Item page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_item_page_shows_the_whole_guide(
    anon: Client, public_hall: Hall, food_item: ServiceItem
) -> None:
    response = anon.get(reverse("catalog:guide-item", args=[food_item.pk]))
    assert response.status_code == 200
    page = html(response)
    for text in (
        food_item.name,
        "首次申请",
        "变更经营场所",
        "食品经营许可申请书",
        "营业执照",
        "食品安全管理制度文本",
        "连锁经营时提供",
        "由法定代表人签字并加盖公章",
        "办理需要多长时间？",
        "可以，需提供授权委托书。",
        "《中华人民共和国食品安全法》第三十五条",
        "食品经营许可证",
        "窗口领取、邮寄送达",
        "申请人应当取得营业执照等合法主体资格。",
        "12345",
        public_hall.address,
        food_item.implementation_code,
    ):
        assert text in page, text
    material = Material.objects.get(scenario__item=food_item, code="M1", scenario__code="S1")
    assert material.blank_form.url in page
    assert ONLINE_URL in page
    assert reverse("catalog:guide-item-print", args=[food_item.pk]) in page
    # Materials come in their order within each scenario.
    positions = [page.index(n) for n in ("食品经营许可申请书", "营业执照", "食品安全管理制度文本")]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_item_page_chinese_labels(anon: Client, food_item: ServiceItem) -> None:
    """zh-hans is the default language: labels, badges and computed phrases are in Chinese."""
    ServiceItem.objects.filter(pk=food_item.pk).update(
        updated_at=datetime.datetime(2026, 11, 1, 17, 30, tzinfo=datetime.UTC)
    )
    page = html(anon.get(reverse("catalog:guide-item", args=[food_item.pk])))
    for label in (
        "申请材料",
        "承诺",
        "10个工作日",
        "法定时限",
        "20个工作日",
        "不收费",
        "最多跑一次",
        "四级：全程网办",
        "办事指南完整",
        "容缺后补",
        "5个工作日",
        "原件1份",
        "复印件1份",
        "政府部门核发",
        "纸质",
        "必须提供",
        "受理条件",
        "办理流程",
        "办理地点",
        "常见问题",
        "设定和实施依据",
        "下载空白表格",
        "综合受理窗口",
        "收取申请材料、核验原件、一次性书面告知需补正的全部材料",
        "行政许可",
        "法人",
        # 2026-11-01 17:30 UTC is 2 November in Asia/Shanghai.
        "指南版本 v3，更新于 2026年11月2日",
    ):
        assert label in page, label


@pytest.mark.django_db
def test_item_page_in_english(anon: Client, food_item: ServiceItem) -> None:
    response = anon.get(
        reverse("catalog:guide-item", args=[food_item.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = html(response)
    assert 'lang="en"' in page
    for label in ("Documents to bring", "Free of charge", "At most one visit", "Who can apply"):
        assert label in page, label
    assert "食品经营许可申请书" in page  # data stays as entered


@pytest.mark.django_db
def test_search_keeps_a_long_query_cut_to_the_search_limit(anon: Client) -> None:
    response = anon.get(reverse("catalog:guide-search"), {"q": "营" * 150})
    assert response.status_code == 200
    assert response.context["query"] == "营" * 100


@pytest.mark.django_db
def test_item_page_for_item_without_materials_says_guide_is_being_prepared(
    anon: Client, public_hall: Hall, bare_item: ServiceItem
) -> None:
    response = anon.get(reverse("catalog:guide-item", args=[bare_item.pk]))
    assert response.status_code == 200
    page = html(response)
    assert bare_item.name in page
    assert bare_item.department.phone in page
    assert bare_item.department.window_location in page
    assert public_hall.phone in page
    assert "指南待完善" in page
    assert "详细办事指南正在完善" in page
    assert "请咨询" in page
    # Nothing is claimed that the catalog does not know (fee, visits).
    assert "不收费" not in page and "最多跑一次" not in page


@pytest.mark.django_db
def test_item_without_receive_power_sends_applicant_to_department_window(
    anon: Client, food_item: ServiceItem
) -> None:
    Delegation.objects.filter(item=food_item, power=Power.RECEIVE).delete()
    page = html(anon.get(reverse("catalog:guide-item", args=[food_item.pk])))
    assert "请到区市监局窗口办理" in page
    assert food_item.department.window_location in page
    assert "收取申请材料" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"valid_until": datetime.date(2025, 12, 31), "valid_from": datetime.date(2025, 1, 1)},
        {"valid_from": datetime.date(2099, 1, 1)},
        {"scan": ""},
    ],
    ids=["expired", "not-yet-valid", "unsigned"],
)
def test_powers_without_a_valid_agreement_are_not_offered(
    anon: Client, food_item: ServiceItem, change: dict
) -> None:
    DelegationAgreement.objects.update(**change)
    page = html(anon.get(reverse("catalog:guide-item", args=[food_item.pk])))
    assert "请到区市监局窗口办理" in page
    assert "收取申请材料" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ItemStatus.DRAFT, ItemStatus.SUSPENDED, ItemStatus.RETIRED])
@pytest.mark.parametrize("url_name", ["catalog:guide-item", "catalog:guide-item-print"])
def test_unpublished_items_are_not_found(
    anon: Client, food_item: ServiceItem, status: str, url_name: str
) -> None:
    ServiceItem.objects.filter(pk=food_item.pk).update(status=status)
    assert anon.get(reverse(url_name, args=[food_item.pk])).status_code == 404


@pytest.mark.django_db
def test_unknown_item_is_not_found(anon: Client) -> None:
    assert anon.get(reverse("catalog:guide-item", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_every_persona_can_read_guides(
    any_persona: Any, client_for: Any, food_item: ServiceItem
) -> None:
    client = client_for(any_persona)
    for url in (
        reverse("catalog:guide-home"),
        reverse("catalog:guide-browse"),
        reverse("catalog:guide-search") + "?q=食品",
        reverse("catalog:guide-item", args=[food_item.pk]),
        reverse("catalog:guide-item-print", args=[food_item.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_guide_pages_are_get_only(anon: Client, food_item: ServiceItem) -> None:
    assert anon.post(reverse("catalog:guide-item", args=[food_item.pk])).status_code == 405


# --- Print --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_print_page_is_an_a4_checklist(
    anon: Client, public_hall: Hall, food_item: ServiceItem
) -> None:
    url = reverse("catalog:guide-item-print", args=[food_item.pk])
    response = anon.get(url)
    assert response.status_code == 200
    page = html(response)
    assert public_hall.name in page
    assert page.count("☐") == 4  # one box per material, both scenarios
    for text in ("食品经营许可申请书", "变更申请表", "办理需要多长时间？", "打印日期"):
        assert text in page, text
    assert "window.print()" in page  # the on-screen print button
    assert 'addEventListener("load"' not in page  # no automatic dialog
    assert 'addEventListener("load"' in html(anon.get(url, {"autoprint": "1"}))


@pytest.mark.django_db
def test_print_css_sets_a4_page_and_keeps_rows_whole() -> None:
    css = (Path(onewindow.__file__).parent / "static/onewindow/guide.css").read_text("utf-8")
    assert "@page { size: A4; margin: 18mm 16mm; }" in css
    assert re.search(r"\.ow-print tr[^{]*\{[^}]*break-inside: avoid", css)
    assert "@import" not in css and "url(" not in css  # no fonts or images from anywhere


# --- Query counts -------------------------------------------------------------------------------


@pytest.fixture
def many_items(market_department: Department, other_department: Department) -> None:
    for department in (market_department, other_department):
        for i in range(8):
            item = make_item(department, f"{department.name}事项{i}")
            scenario = Scenario.objects.create(item=item, code="S1", name="一般情形")
            add_materials(scenario, 3)


@pytest.mark.django_db
def test_home_query_count(
    anon: Client, public_hall: Hall, many_items: None, django_assert_num_queries: Any
) -> None:
    # hall, audience counts, departments with counts, featured items
    with django_assert_num_queries(4):
        assert anon.get(reverse("catalog:guide-home")).status_code == 200


@pytest.mark.django_db
def test_browse_query_count(
    anon: Client, public_hall: Hall, many_items: None, django_assert_num_queries: Any
) -> None:
    # departments with counts, type counts, page count, page items, hall
    with django_assert_num_queries(5):
        response = anon.get(reverse("catalog:guide-browse"), {"audience": "natural"})
    assert len(response.context["items"]) == 16


@pytest.mark.django_db
def test_search_query_count_adds_a_fixed_number_to_the_search_itself(
    anon: Client, public_hall: Hall, many_items: None, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onewindow.catalog.search import search_items

    search_items("事项", limit=100)  # warm any index the search keeps
    with CaptureQueriesContext(connection) as ctx:
        hits = search_items("事项", limit=100)
    assert len(hits) == 16
    # search + reload of the hits, departments, type counts, hall
    with django_assert_num_queries(len(ctx.captured_queries) + 4):
        response = anon.get(reverse("catalog:guide-search"), {"q": "事项"})
    assert len(response.context["items"]) == 16


@pytest.mark.django_db
def test_item_page_query_count_does_not_grow_with_materials(
    anon: Client, public_hall: Hall, food_item: ServiceItem, django_assert_num_queries: Any
) -> None:
    # hall, item+department, scenarios, materials, answers, delegations
    with django_assert_num_queries(6):
        assert anon.get(reverse("catalog:guide-item", args=[food_item.pk])).status_code == 200
    for i in range(3, 8):
        scenario = Scenario.objects.create(item=food_item, code=f"S{i}", name=f"情形{i}")
        add_materials(scenario, 6)
    with django_assert_num_queries(6):
        assert anon.get(reverse("catalog:guide-item", args=[food_item.pk])).status_code == 200
    with django_assert_num_queries(6):
        assert anon.get(reverse("catalog:guide-item-print", args=[food_item.pk])).status_code == 200


# --- No external assets -------------------------------------------------------------------------

_URL_ATTR = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)""", re.I)


@pytest.mark.django_db
def test_no_page_references_an_external_url_except_the_items_own_online_address(
    anon: Client, public_hall: Hall, food_item: ServiceItem, bare_item: ServiceItem
) -> None:
    urls = [
        reverse("catalog:guide-home"),
        reverse("catalog:guide-browse"),
        reverse("catalog:guide-browse") + "?audience=legal",
        reverse("catalog:guide-search") + "?q=食品",
        reverse("catalog:guide-search") + "?q=没有这种事项",
        reverse("catalog:guide-search"),
        reverse("catalog:guide-item", args=[food_item.pk]),
        reverse("catalog:guide-item", args=[bare_item.pk]),
        reverse("catalog:guide-item-print", args=[food_item.pk]),
    ]
    for url in urls:
        page = html(anon.get(url))
        external = [u for u in _URL_ATTR.findall(page) if u != ONLINE_URL]
        assert external == [], (url, external)
        assert "@import" not in page
    # The checker itself sees the item's own link (so it can fail).
    item_page = html(anon.get(reverse("catalog:guide-item", args=[food_item.pk])))
    assert ONLINE_URL in _URL_ATTR.findall(item_page)
