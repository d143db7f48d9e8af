from __future__ import annotations

from typing import Any

import pytest

from onewindow.catalog.models import Answer, Department, ServiceItem
from onewindow.catalog.tests.manage_factories import make_item
from onewindow.knowledge import search


@pytest.fixture(autouse=True)
def _fresh_answer_index() -> Any:
    search.invalidate_index()
    yield
    search.invalidate_index()


@pytest.fixture
def licence(department: Department) -> ServiceItem:
    return make_item(department, name="个体工商户设立登记", status="published")


@pytest.fixture
def answers(licence: ServiceItem) -> dict[str, Answer]:
    return {
        "hours": Answer.objects.create(
            code="G01",
            question="大厅什么时间可以办事？",
            answer="工作日上午9:00-12:00、下午13:30-17:30办公；周六、周日上午延时服务。",
            source="服务公告",
            reviewed_at="2026-02-26",
            sort_order=10,
        ),
        "parking": Answer.objects.create(
            code="G02",
            question="来大厅办事可以停车吗？",
            answer="中心设有办事群众免费停车位。",
            source="服务公告",
            sort_order=20,
        ),
        "licence_time": Answer.objects.create(
            item=licence,
            code="Q01",
            question="办营业执照要多长时间？收费吗？",
            answer="材料齐全的当场办结，不收取任何费用。",
            source="《市场主体登记管理条例》",
            reviewed_at="2026-05-20",
            sort_order=10,
        ),
    }
