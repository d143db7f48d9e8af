"""POST /api/v1/complaints/hotline: the 12345 hotline files complaints, idempotently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from onewindow.api.auth import forget_tokens
from onewindow.api.services import create_token
from onewindow.complaints.models import Complaint

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.api.tests.api_urls")]

URL = "/api/v1/complaints/hotline"
BODY = {
    "hotline_number": "12345-20261202-0042",
    "name": "周九",
    "phone": "13800138000",
    "content": "反映：在政务中心办理营业执照变更，窗口要求的材料前后不一致。",
}


@pytest.fixture
def hotline_key(make_user: Any, hall: Any) -> str:
    forget_tokens()
    account = make_user(None, username="hotline12345", full_name="12345热线")
    account.user_permissions.add(
        Permission.objects.get(codename="hotline_intake", content_type__app_label="complaints")
    )
    return create_token(hall=hall, kind="staff", name="12345", user=account, actor=None)[1]


def post(body: Any, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client().post(
        URL, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_valid_token_files_a_complaint_once(hotline_key: str, hall: Any) -> None:
    first = post(BODY, hotline_key)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True and data["number"].startswith("TS20261202")
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.hall, complaint.hotline_number) == (
        "hotline",
        hall,
        "12345-20261202-0042",
    )
    again = post({**BODY, "content": "重复推送"}, hotline_key)
    assert again.status_code == 200
    assert again.json()["number"] == data["number"] and again.json()["created"] is False
    assert Complaint.objects.count() == 1


def test_no_token_and_wrong_token(hotline_key: str) -> None:
    assert post(BODY, None).status_code == 401
    response = post(BODY, "ow_wrong")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert Complaint.objects.count() == 0


def test_token_without_the_permission(make_user: Any, hall: Any) -> None:
    clerk = make_user("clerk")
    key = create_token(hall=hall, kind="staff", name="clerk", user=clerk, actor=None)[1]
    kiosk = create_token(hall=hall, kind="kiosk", name="kiosk", actor=None)[1]
    assert post(BODY, key).status_code == 403
    assert post(BODY, kiosk).status_code == 403
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"content": ""}, "content"),
        ({"hotline_number": "  "}, "hotline_number"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"item_code": "NO-SUCH-ITEM"}, "item_code"),
        ({"cause": "weather"}, "cause"),
    ],
)
def test_bad_input_is_400_in_chinese(hotline_key: str, change: dict, field: str) -> None:
    response = post({**BODY, **change}, hotline_key)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert Complaint.objects.count() == 0


def test_missing_field_is_400(hotline_key: str) -> None:
    body = dict(BODY)
    del body["name"]
    response = post(body, hotline_key)
    assert response.status_code == 400 and response.json()["field"] == "name"
