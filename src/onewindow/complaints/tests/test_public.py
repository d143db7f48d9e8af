"""The public side: submit with an SMS-confirmed number, follow with the query code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.complaints import services
from onewindow.complaints.models import Complaint, ComplaintStatus

pytestmark = pytest.mark.django_db


def _code(outbox: Any) -> str:
    return re.search(r"(\d{6})", outbox[-1].text).group(1)


def test_submit_confirm_and_follow(
    hall: Any, django_capture_on_commit_callbacks: Any, _sms: Any
) -> None:
    client = Client()
    assert client.get(reverse("complaints:public-submit")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:public-submit"),
            {
                "name": "钱七",
                "phone": "13800138000",
                "content": "窗口说我的材料不全，但没告诉我缺什么",
                "hall": hall.pk,
            },
        )
    assert response.status_code == 302
    confirm_url = response["Location"]
    assert Complaint.objects.count() == 0
    response = client.post(confirm_url, {"action": "verify", "code": "000000"})
    assert response.status_code == 400 and Complaint.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url, {"action": "verify", "code": _code(_sms)})
    complaint = Complaint.objects.get()
    assert complaint.channel == "web" and complaint.registered_by is None
    assert response["Location"] == reverse("complaints:public-follow", args=[complaint.number])
    html = client.get(response["Location"]).content.decode()
    assert complaint.query_code in html and "窗口说我的材料不全" not in html  # no echo needed
    assert complaint.number in _sms[-1].text
    # Posting the confirmed code again makes no second complaint.
    client.post(confirm_url, {"action": "verify", "code": "123456"})
    assert Complaint.objects.count() == 1


def test_submit_errors_by_field(hall: Any) -> None:
    response = Client().post(
        reverse("complaints:public-submit"),
        {"name": "钱七", "phone": "1380013", "content": "没办成", "hall": hall.pk},
    )
    assert response.status_code == 400
    assert 'data-error-for="phone"' in response.content.decode()


def test_follow_needs_the_query_code_and_throttles(make_complaint: Any) -> None:
    complaint = make_complaint()
    other = make_complaint(
        complainant=services.Complainant(name="孙八", phone="13900139000"), content="另一件事没办成"
    )
    url = reverse("complaints:public-follow", args=[complaint.number])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and "张三丰" not in page.content.decode()
    wrong = other.query_code if other.query_code != complaint.query_code else "000000"
    response = client.post(url, {"code": wrong})
    assert response.status_code == 404
    response = client.post(url, {"code": complaint.query_code})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert complaint.get_status_display() in html
    assert "13800138000" not in html and "张三丰" not in html
    # The other complaint stays closed to this visitor.
    assert (
        "孙八"
        not in client.get(reverse("complaints:public-follow", args=[other.number])).content.decode()
    )
    assert (
        other.content
        not in client.get(reverse("complaints:public-follow", args=[other.number])).content.decode()
    )
    # Ten wrong codes lock the number, even for the right code.
    stranger = Client()
    other_url = reverse("complaints:public-follow", args=[other.number])
    for _i in range(10):
        stranger.post(other_url, {"code": "999999" if other.query_code != "999999" else "999998"})
    assert stranger.post(other_url, {"code": other.query_code}).status_code == 429


def test_complainant_reads_the_reply_and_rates_it(
    make_complaint: Any, hall_manager: Any, department: Any
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    services.start_handling(complaint=complaint, actor=hall_manager)
    services.reply_to_complainant(complaint=complaint, reply="已为您协调办理", actor=hall_manager)
    client = Client()
    url = reverse("complaints:public-follow", args=[complaint.number])
    client.post(url, {"code": complaint.query_code})
    html = client.get(url).content.decode()
    assert "已为您协调办理" in html and hall_manager.display_name not in html
    assert client.post(url, {"action": "rate", "rate-satisfaction": "basically"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.satisfaction == "basically"
    assert complaint.status == ComplaintStatus.REPLIED


def test_find_by_number_leads_to_the_code_page(make_complaint: Any) -> None:
    complaint = make_complaint()
    response = Client().get(
        reverse("complaints:public-find") + f"?number= {complaint.number.lower()} "
    )
    assert response["Location"] == reverse("complaints:public-follow", args=[complaint.number])
    response = Client().get(reverse("complaints:public-find") + "?number=../x")
    assert response["Location"] == reverse("complaints:public-submit")
