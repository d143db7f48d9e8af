"""Guide search: citizens' words, synonyms, pinyin, typos, codes, filters, ranking, the index."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from onewindow.catalog import search
from onewindow.catalog.models import (
    Audience,
    Department,
    ItemStatus,
    ItemType,
    ServiceItem,
    Synonym,
)
from onewindow.catalog.search import search_items
from onewindow.catalog.services import bump_revision

# (department, group, name, implementation code, type, audience): real rows of the district list,
# plus one penalty item (the district list has none) to check that licences come first.
ITEMS = [
    ("区公安分局", "", "居民身份证办理（包括临时）",
     "513A0011200068-511602000000-000-1151130000877869M-1-00", "20", "natural"),
    ("区公安分局", "", "犬类准养证核发",
     "511A09001023-511602000000-000-11511300008778693M-1-00", "1", "natural"),
    ("区公安分局", "", "临时身份证明",
     "513A0116800006-511602000000-000-1151130000877869M-1-00", "20", "natural"),
    ("区司法局", "公证业务预约办理", "机动车驾驶证公证（指引）",
     "512012002012-511602000000-000-115113010087786859-1-00", "20", "natural"),
    ("区民政局", "", "中国内地公民婚姻登记",
     "511F0287300000-511602000000-000-11511301008778298W-1-00", "7", "natural"),
    ("区民政局", "", "最低生活保障",
     "512B0003600029-511602000000-000-11511301008778298W-1-00", "20", "natural"),
    ("区民政局", "", "补领结婚证",
     "512B0003600027-511602000000-000-11511301008778298W-1-00", "20", "natural"),
    ("区人社局", "", "社会保障卡补领、换领、换发",
     "512B0070200006-511602000000-000-1151130108778239R-1-00", "20", "natural"),
    ("区人社局", "社会保障卡申领", "社会保障卡申领",
     "512B0070200003-511602000000-000-1151130108778239R-1-00", "20", "natural"),
    ("区人社局", "职工退休申请", "企业职工基本养老保险正常退休申请",
     "51201400600001-511602000000-000-12511301452260997J-1-00", "20", "natural"),
    ("区医疗保障局", "", "基本医疗保险关系转移接续",
     "512036004002-511602000000-000-11511301MB15537661-1-00", "20", "both"),
    ("区行政审批局", "企业设立、变更、注销登记", "公司设立登记",
     "511A0064100070-511602000000-000-115113016823646795-1-00", "1", "legal"),
    ("区行政审批局", "个体工商户注册、变更、注销登记", "个体工商户注销登记",
     "511A0074300009-511602000000-000-115113016823646795-1-00", "1", "both"),
    ("区行政审批局", "个体工商户注册、变更、注销登记", "个体工商户设立登记",
     "511A0074300005-511602000000-000-115113016823646795-1-00", "1", "both"),
    ("区行政审批局", "食品（含保健食品）经营许可", "食品(含保健食品)经营许可注销",
     "511A0005200007-511602000000-000-115113016823646795-1-00", "1", "legal"),
    ("区行政审批局", "食品（含保健食品）经营许可", "食品(含保健食品)经营许可核发",
     "511A0005200004-511602000000-000-115113016823646795-1-00", "1", "legal"),
    ("区市监局", "", "对未取得食品经营许可从事食品经营活动的行政处罚",
     "511B0000000001-511602000000-000-11511301MB1550442U-1-00", "2", "legal"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    # Each test has its own rolled-back data; never reuse another test's index.
    search.invalidate_index()
    yield
    search.invalidate_index()


@pytest.fixture
def catalog(db: Any) -> dict[str, ServiceItem]:
    departments: dict[str, Department] = {}
    items = {}
    for dept, group, name, code, item_type, audience in ITEMS:
        department = departments.get(dept) or Department.objects.create(name=dept)
        departments[dept] = department
        items[name] = ServiceItem.objects.create(
            department=department,
            group=group,
            name=name,
            implementation_code=code,
            basic_code=code.split("-")[0],
            item_type=item_type,
            audience=audience,
        )
    return items


@pytest.fixture
def shipped_synonyms(db: Any) -> None:
    call_command("load_synonyms", stdout=io.StringIO())


def names(query: str, **filters: Any) -> list[str]:
    return [hit.item.name for hit in search_items(query, **filters)]


def first(query: str, **filters: Any) -> str | None:
    found = names(query, **filters)
    return found[0] if found else None


# Words -----------------------------------------------------------------------------------------


def test_exact_name_comes_first(catalog: dict[str, ServiceItem]) -> None:
    hits = search_items("个体工商户设立登记")
    assert hits[0].item.name == "个体工商户设立登记"
    assert hits[0].matched == "name"
    assert all(hits[0].score > h.score for h in hits[1:])


def test_words_are_found_in_any_order(catalog: dict[str, ServiceItem]) -> None:
    assert first("设立 个体工商户") == "个体工商户设立登记"
    assert first("注销个体工商户") == "个体工商户注销登记"


def test_filler_words_are_ignored(catalog: dict[str, ServiceItem]) -> None:
    assert first("请问最低生活保障怎么办理？需要什么材料") == "最低生活保障"


def test_full_width_and_brackets_do_not_matter(catalog: dict[str, ServiceItem]) -> None:
    assert first("食品（含保健食品）经营许可核发") == "食品(含保健食品)经营许可核发"
    assert first("食品经营许可核发") == "食品(含保健食品)经营许可核发"


def test_segmentation_cuts_a_sentence_into_catalog_words(catalog: dict[str, ServiceItem]) -> None:
    query = search.get_index().parse("我想办理个体工商户设立登记")
    assert query is not None
    words = [slot.word for slot in query.slots if not slot.soft]
    assert "".join(words) == "个体工商户设立登记"
    assert "我" not in words and "想" not in words


# Synonyms --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("社保卡", "社会保障卡申领"),
        ("低保", "最低生活保障"),
        ("吃低保", "最低生活保障"),
        ("养狗", "犬类准养证核发"),
        ("狗证", "犬类准养证核发"),
        ("开饭店", "食品(含保健食品)经营许可核发"),
        ("我想开餐馆", "食品(含保健食品)经营许可核发"),
        ("驾照公证", "机动车驾驶证公证（指引）"),
        ("结婚证", "中国内地公民婚姻登记"),
        ("医保转移", "基本医疗保险关系转移接续"),
        ("办退休", "企业职工基本养老保险正常退休申请"),
        ("个体户注销", "个体工商户注销登记"),
        ("身份证", "居民身份证办理（包括临时）"),
    ],
)
def test_shipped_synonyms(
    catalog: dict[str, ServiceItem], shipped_synonyms: None, query: str, expected: str
) -> None:
    assert first(query) == expected


def test_business_licence_means_registering(
    catalog: dict[str, ServiceItem], shipped_synonyms: None
) -> None:
    assert first("营业执照") in {"个体工商户设立登记", "公司设立登记"}


def test_licence_comes_before_a_penalty(
    catalog: dict[str, ServiceItem], shipped_synonyms: None
) -> None:
    found = names("开饭店")
    assert found.index("食品(含保健食品)经营许可核发") < found.index(
        "对未取得食品经营许可从事食品经营活动的行政处罚"
    )


def test_synonym_with_several_catalog_words(catalog: dict[str, ServiceItem]) -> None:
    Synonym.objects.create(term="开店", canonical="个体工商户设立|公司设立")
    found = names("开店")
    assert set(found[:2]) == {"个体工商户设立登记", "公司设立登记"}


def test_without_synonyms_citizens_words_find_nothing(catalog: dict[str, ServiceItem]) -> None:
    assert names("低保") == []


def test_unknown_words_find_nothing_but_typos_in_known_words_do(
    catalog: dict[str, ServiceItem],
) -> None:
    assert names("火星移民") == []
    hits = search_items("婚姻登记手绪")  # 手绪: a slip for 手续
    assert hits[0].item.name == "中国内地公民婚姻登记"


def test_item_alias(catalog: dict[str, ServiceItem]) -> None:
    item = catalog["犬类准养证核发"]
    item.aliases = "狗牌、养犬登记"
    item.save()
    hits = search_items("狗牌")
    assert [h.item.name for h in hits] == ["犬类准养证核发"]
    assert hits[0].matched == "alias"


# Pinyin, typos, codes --------------------------------------------------------------------------


def test_pinyin_initials_of_a_name(catalog: dict[str, ServiceItem]) -> None:
    assert first("zdshbz") == "最低生活保障"
    assert first("gtgshsldj") == "个体工商户设立登记"


def test_pinyin_initials_with_a_left_out_letter(catalog: dict[str, ServiceItem]) -> None:
    found = names("gtgh")
    assert found[0] == "个体工商户设立登记"
    assert "个体工商户注销登记" in found


def test_pinyin_of_a_synonym_term(catalog: dict[str, ServiceItem], shipped_synonyms: None) -> None:
    hits = search_items("sbk")
    assert hits[0].item.name == "社会保障卡申领"
    assert hits[0].matched == "pinyin"


def test_whole_pinyin(catalog: dict[str, ServiceItem], shipped_synonyms: None) -> None:
    assert first("zuidishenghuobaozhang") == "最低生活保障"
    assert first("DiBao") == "最低生活保障"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("个体工商护", {"个体工商户设立登记", "个体工商户注销登记"}),
        ("食品经荣许可", {"食品(含保健食品)经营许可核发"}),
        ("最低生活保帐", {"最低生活保障"}),
        ("社会保章卡申领", {"社会保障卡申领"}),
        ("犬类准养证和发", {"犬类准养证核发"}),
        ("婚姻登登记", {"中国内地公民婚姻登记"}),  # an extra character
        ("犬类准证核发", {"犬类准养证核发"}),  # a missing character
    ],
)
def test_one_wrong_character(
    catalog: dict[str, ServiceItem], query: str, expected: set[str]
) -> None:
    assert first(query) in expected


def test_two_wrong_characters_are_not_a_typo_match(catalog: dict[str, ServiceItem]) -> None:
    assert all(h.matched != "fuzzy" for h in search_items("个休工商护"))


def test_one_edit_pattern() -> None:
    pattern = search.one_edit_pattern("婚姻登记")
    assert pattern.search("中国内地公民婚姻登记")
    assert pattern.search("婚烟登记")
    assert pattern.search("婚姻登登记")
    assert pattern.search("婚姻记")
    assert not pattern.search("婚烟登纪")


def test_code_search(catalog: dict[str, ServiceItem]) -> None:
    full = "511A0074300005-511602000000-000-115113016823646795-1-00"
    hits = search_items(full)
    assert hits[0].item.name == "个体工商户设立登记"
    assert hits[0].matched == "code"
    assert first("511a0074300005") == "个体工商户设立登记"  # basic code, any case
    assert first(" 511A00743000 ") in {"个体工商户设立登记", "个体工商户注销登记"}  # prefix
    assert first("0074300009-5116") == "个体工商户注销登记"  # substring


def test_a_code_that_matches_nothing_finds_nothing(catalog: dict[str, ServiceItem]) -> None:
    assert names("999999999999") == []


# Filters, status, limit ------------------------------------------------------------------------


def test_filters(catalog: dict[str, ServiceItem]) -> None:
    assert names("登记", audience=Audience.LEGAL) == ["公司设立登记", "个体工商户设立登记",
                                                      "个体工商户注销登记"]  # fmt: skip
    assert "中国内地公民婚姻登记" in names("登记", audience=Audience.NATURAL)
    assert "公司设立登记" not in names("登记", audience=Audience.NATURAL)
    civil = catalog["最低生活保障"].department_id
    assert set(names("登记", department_id=civil)) == {"中国内地公民婚姻登记"}
    assert names("登记", item_type=ItemType.CONFIRMATION) == ["中国内地公民婚姻登记"]
    assert names("食品经营许可", item_type=ItemType.PENALTY) == [
        "对未取得食品经营许可从事食品经营活动的行政处罚"
    ]


def test_only_published_items(catalog: dict[str, ServiceItem]) -> None:
    item = catalog["最低生活保障"]
    item.status = ItemStatus.SUSPENDED
    item.save()
    assert "最低生活保障" not in names("最低生活保障")


def test_limit(catalog: dict[str, ServiceItem]) -> None:
    assert len(search_items("登记", limit=2)) == 2
    assert search_items("登记", limit=0) == []


def test_results_keep_their_order_and_carry_the_department(
    catalog: dict[str, ServiceItem], django_assert_num_queries: Any
) -> None:
    search_items("社会保障卡")  # builds the index
    with django_assert_num_queries(2):  # the revision check and the items
        hits = search_items("社会保障卡")
        assert [h.item.department.name for h in hits] == ["区人社局", "区人社局"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


# Ranking ---------------------------------------------------------------------------------------


def test_shorter_name_that_starts_something_comes_first(catalog: dict[str, ServiceItem]) -> None:
    assert names("社会保障卡") == ["社会保障卡申领", "社会保障卡补领、换领、换发"]


def test_follow_up_items_rank_after_getting_one(
    catalog: dict[str, ServiceItem], shipped_synonyms: None
) -> None:
    found = names("结婚证")
    assert found.index("中国内地公民婚姻登记") < found.index("补领结婚证")


def test_a_named_follow_up_action_is_respected(
    catalog: dict[str, ServiceItem], shipped_synonyms: None
) -> None:
    assert first("补领结婚证") == "补领结婚证"
    assert first("结婚证丢了") == "补领结婚证"
    assert first("食品经营许可注销") == "食品(含保健食品)经营许可注销"
    assert first("社保卡补办") == "社会保障卡补领、换领、换发"


def test_bands(catalog: dict[str, ServiceItem], shipped_synonyms: None) -> None:
    exact = search_items("最低生活保障")[0]
    contains = search_items("生活保障")[0]
    words = search_items("保障 最低")[0]
    via_synonym = search_items("低保")[0]
    typo = search_items("最低生活保帐")[0]
    assert [h.item.name for h in (exact, contains, words, via_synonym, typo)] == [
        "最低生活保障"
    ] * 5
    assert [h.matched for h in (exact, contains, words, via_synonym, typo)] == [
        "name", "name", "name", "synonym", "fuzzy",
    ]  # fmt: skip
    assert exact.score > via_synonym.score > contains.score > words.score > typo.score


def test_group_and_department_matches_rank_last(catalog: dict[str, ServiceItem]) -> None:
    ServiceItem.objects.create(
        department=Department.objects.get(name="区司法局"),
        group="机动车驾驶员培训备案",
        name="教练车备案证办理（配发）",
        implementation_code="511Z0000000001-511602000000-000-115113010087786859-1-00",
        item_type=ItemType.OTHER_POWER,
    )
    hits = search_items("驾驶员培训")
    assert [(h.item.name, h.matched) for h in hits] == [("教练车备案证办理（配发）", "group")]
    hits = search_items("民政局")
    assert {h.item.name for h in hits} == {"中国内地公民婚姻登记", "最低生活保障", "补领结婚证"}
    assert {h.matched for h in hits} == {"department"}
    # Beside a strong name match, a mere group match is dropped (it would only bury it).
    hits = search_items("机动车驾驶")
    assert [h.matched for h in hits] == ["name"]


# The index -------------------------------------------------------------------------------------


def test_index_follows_the_catalog_revision(catalog: dict[str, ServiceItem]) -> None:
    assert first("最低生活保障") == "最低生活保障"
    # An update behind the models' back (no updated_at): only the revision tells.
    ServiceItem.objects.filter(pk=catalog["最低生活保障"].pk).update(name="城乡最低生活保障金")
    bump_revision()
    assert names("城乡最低生活保障金") == ["城乡最低生活保障金"]
    assert "最低生活保障" not in names("最低生活保障")


def test_index_follows_a_saved_item_without_a_bump(catalog: dict[str, ServiceItem]) -> None:
    assert names("高龄津贴") == []
    item = catalog["最低生活保障"]
    item.name = "80周岁以上老年人高龄津贴发放"
    item.save()
    assert names("高龄津贴") == ["80周岁以上老年人高龄津贴发放"]


def test_index_follows_synonym_changes(catalog: dict[str, ServiceItem]) -> None:
    assert names("狗牌") == []
    synonym = Synonym.objects.create(term="狗牌", canonical="犬类")
    assert names("狗牌") == ["犬类准养证核发"]
    synonym.delete()
    assert names("狗牌") == []


def test_index_is_reused_while_nothing_changes(catalog: dict[str, ServiceItem]) -> None:
    index = search.get_index()
    search_items("低保")
    assert search.get_index() is index
    bump_revision()
    assert search.get_index() is not index


# Junk ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", "   ", "！！！？？", "……", "%", "_", "'", "\x00", "😀😀", "<script>", "\t\n"],
)
def test_nothing_to_look_for(catalog: dict[str, ServiceItem], query: str) -> None:
    assert search_items(query) == []


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE catalog_serviceitem; --",
        "1' OR '1'='1",
        "请问" * 250,
        "最低生活保障" * 100,
        "a" * 500,
        "证",
        "z",
        "%%__%%登记",
    ],
)
def test_junk_queries_give_sane_results(catalog: dict[str, ServiceItem], query: str) -> None:
    hits = search_items(query, limit=5)
    assert len(hits) <= 5
    assert all(isinstance(h.item, ServiceItem) for h in hits)
    assert ServiceItem.objects.count() == len(ITEMS)


def test_long_repeated_name_still_finds_it(catalog: dict[str, ServiceItem]) -> None:
    assert first("最低生活保障" * 100) == "最低生活保障"


def _add(name: str, code: str, item_type: str = ItemType.PUBLIC_SERVICE) -> ServiceItem:
    department, _ = Department.objects.get_or_create(name="区交通运输局")
    return ServiceItem.objects.create(
        department=department, name=name, implementation_code=code, item_type=item_type
    )


def test_a_synonym_term_never_takes_the_end_of_a_catalog_word(
    catalog: dict[str, ServiceItem],
) -> None:
    _add("代开增值税普通发票（县级行使）", "T-1", ItemType.OTHER_POWER)
    _add("代开发票作废（县级行使）", "T-2", ItemType.OTHER_POWER)
    _add("发票领用(县级行使）", "T-3")
    Synonym.objects.create(term="开发票", canonical="代开|发票")
    query = search.get_index().parse("代开发票")
    assert query is not None
    assert [s.word for s in query.slots] == ["代开", "发票"]
    assert first("代开发票") == "代开增值税普通发票（县级行使）"
    assert first("我要开发票") in {"代开增值税普通发票（县级行使）", "发票领用(县级行使）"}


def test_a_follow_up_in_brackets_outweighs_a_start_word(catalog: dict[str, ServiceItem]) -> None:
    for n, action in enumerate(["注销", "补办", "新增", "换发"]):
        _add(f"巡游出租汽车道路运输证核发（{action}）", f"T-{n}", ItemType.LICENSING)
    assert first("巡游出租汽车道路运输证") == "巡游出租汽车道路运输证核发（新增）"
    assert first("巡游出租汽车道路运输证补办") == "巡游出租汽车道路运输证核发（补办）"


def test_a_lone_character_beside_catalog_words_is_only_a_hint(
    catalog: dict[str, ServiceItem],
) -> None:
    query = search.get_index().parse("交最低生活保障")
    assert query is not None
    assert [(s.word, s.soft) for s in query.slots] == [
        ("交", True), ("最低", False), ("生活", False), ("保障", False),
    ]  # fmt: skip
    assert first("交最低生活保障") == "最低生活保障"
