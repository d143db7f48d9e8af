"""网上申请: items that may be applied for online, the public form with its SMS code, the front
desk's pre-review (accept or one notice), supplementing online, originals seen once, and the
whole online loop ending with electronic delivery and no visit."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.cases import online, services, tracking
from onewindow.cases.models import (
    Case,
    CaseEvent,
    CaseFile,
    CaseStatus,
    Channel,
    MaterialState,
    PhoneCode,
)
from onewindow.cases.services import CaseError, MaterialCheck
from onewindow.cases.tests.factories import CREDIT_CODE, PERSON_ID, PHONE, Setup, person
from onewindow.cases.tests.online_helpers import EXE, PDF, jpeg, make_online_item, png, upload
from onewindow.catalog.models import Delegation, Power
from onewindow.halls.models import Hall
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_and_throttles(settings: Any) -> Any:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_online_item(department)


def submit(setup: Setup, hall: Any, **extra: Any) -> Case:
    values: dict[str, Any] = {
        "hall": hall,
        "item": setup.item,
        "scenario_code": setup.scenario_code,
        "applicant": person(),
        "files": {"M01": [upload("申请表.pdf", PDF)]},
        "token": "t-" + str(len(extra)) + str(Case.objects.count()),
    }
    values.update(extra)
    return services.submit_online_application(**values)


def receive_all(case: Case, clerk: Any, **check: Any) -> None:
    for code in ("M01", "M02"):
        services.check_material(
            case=case,
            code=code,
            check=MaterialCheck(state=MaterialState.RECEIVED, electronic=True, **check),
            actor=clerk,
        )


# --- which items ---------------------------------------------------------------------------------


def test_only_items_handled_online_at_the_one_window_are_offered(department: Any):
    full = make_online_item(department, name="全程网办事项").item
    prereview = make_online_item(department, name="网上预审事项", online_depth="3").item
    forms_only = make_online_item(department, name="表格下载事项", online_depth="2").item
    not_one_window = make_online_item(
        department, name="部门专窗事项", one_window=False, one_window_exclusion_basis="专业性强"
    ).item
    no_receive = make_online_item(
        department, name="未授权收件事项", powers=(Power.ONE_TIME_NOTICE,)
    ).item
    draft = make_online_item(department, name="草稿事项", status="draft").item
    offered = set(online.online_items())
    assert offered == {full, prereview}
    assert not {forms_only, not_one_window, no_receive, draft} & offered
    # A lapsed agreement takes the item off the list.
    Delegation.objects.filter(item=full).update(agreement=None)
    assert not online.may_apply_online(full)


# --- the service ---------------------------------------------------------------------------------


def test_an_online_application_makes_a_pre_review_case_with_no_visit(
    setup: Setup, hall: Any, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(
            setup, hall, files={"M01": [upload("申请表.pdf", PDF), upload("p.jpg", jpeg())]}
        )
    assert case.channel == Channel.ONLINE and case.status == CaseStatus.PRE_REVIEW
    assert case.visits == 0 and case.received_by is None and case.hall == hall
    assert case.item_version.number == setup.item.versions.get().number
    assert sorted(f.content_type for f in case.files.all()) == ["application/pdf", "image/jpeg"]
    assert all(f.uploaded_by is None and f.material.code == "M01" for f in case.files.all())
    assert [e.action for e in case.events.order_by("id")] == [
        "case.received",
        "case.file.attached",
        "case.file.attached",
    ]
    assert len(sms.outbox) == 1 and case.tracking_code in sms.outbox[0].text


def test_the_same_form_twice_makes_one_case(setup: Setup, hall: Any):
    first = submit(setup, hall, token="same")
    second = submit(setup, hall, token="same", files={"M01": [upload("other.png", png())]})
    assert first.pk == second.pk
    assert Case.objects.count() == 1 and CaseFile.objects.count() == 1


def test_bad_input_changes_nothing(setup: Setup, hall: Any, settings: Any):
    cases = [
        ({"applicant": person(id_number="110105194912310021")}, "id_number"),
        (
            {
                "applicant": services.Applicant(
                    kind="organisation",
                    name="示范公司",
                    phone=PHONE,
                    credit_code=CREDIT_CODE[:-1] + "0",
                    legal_representative="李四",
                    agent_name="王五",
                    agent_id_number=PERSON_ID,
                )
            },
            "credit_code",
        ),
        ({"files": {}}, "material-M01"),
        ({"files": {"M01": [upload("申请表.pdf", EXE)]}}, "material-M01"),
        ({"files": {"M01": [upload("a.pdf", PDF)], "M99": [upload("b.pdf", PDF)]}}, "files"),
        ({"token": ""}, None),
        # The first file is written before the second fails: it is removed again.
        ({"files": {"M01": [upload("a.pdf", PDF), upload("b.pdf", PDF)]}}, "material-M01"),
    ]
    for extra, field in cases:
        with pytest.raises(CaseError) as error:
            submit(setup, hall, **extra)
        assert error.value.field == field, extra
    assert not Case.objects.exists() and not CaseFile.objects.exists()
    assert not [p for p in (settings.MEDIA_ROOT / "cases").rglob("*") if p.is_file()]


def test_items_not_online_are_refused(department: Any, hall: Any):
    setup = make_online_item(department, online_depth="1")
    with pytest.raises(CaseError) as error:
        submit(setup, hall)
    assert error.value.code == "not_online"


# --- SMS codes -----------------------------------------------------------------------------------


def code_from_outbox() -> str:
    match = re.search(r"(\d{6})", sms.outbox[-1].text)
    assert match
    return match.group(1)


def test_codes_expire_and_allow_few_attempts(django_capture_on_commit_callbacks: Any):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        row = online.send_code(phone=PHONE, now=now)
    code = code_from_outbox()
    assert code not in row.code_hash  # only a keyed hash is kept
    wrong = "000000" if code != "000000" else "111111"
    result = online.check_code(code_id=row.pk, phone=PHONE, code=wrong, now=now)
    assert result.outcome is online.Check.WRONG and result.attempts_left == 4
    assert "还可以再试 4 次" in result.message
    late = now + datetime.timedelta(minutes=online.CODE_MINUTES, seconds=1)
    expired = online.check_code(code_id=row.pk, phone=PHONE, code=code, now=late)
    assert expired.outcome is online.Check.EXPIRED and "已失效" in expired.message
    # Another number cannot use this code.
    assert not online.check_code(code_id=row.pk, phone="13900139000", code=code, now=now).ok
    for _ in range(4):
        result = online.check_code(code_id=row.pk, phone=PHONE, code=wrong, now=now)
    assert result.outcome is online.Check.LOCKED
    assert not online.check_code(code_id=row.pk, phone=PHONE, code=code, now=now).ok
    assert not online.is_confirmed(code_id=row.pk, phone=PHONE)


def test_codes_are_throttled_per_number_and_per_device():
    now = timezone.now()
    online.send_code(phone=PHONE, now=now)
    with pytest.raises(online.CodeError) as soon:
        online.send_code(phone=PHONE, now=now + datetime.timedelta(seconds=30))
    assert soon.value.code == "too_soon" and "30 秒后" in soon.value.message
    for minutes in range(1, 5):
        online.send_code(phone=PHONE, now=now + datetime.timedelta(minutes=minutes))
    with pytest.raises(online.CodeError) as many:
        online.send_code(phone=PHONE, now=now + datetime.timedelta(minutes=10))
    assert many.value.code == "too_many"
    # An hour later the number may have codes again.
    online.send_code(phone=PHONE, now=now + datetime.timedelta(minutes=70))
    for n in range(online.MAX_PER_ADDRESS_HOUR):
        online.send_code(phone=f"1390013{n:04d}", address="10.0.0.9", now=now)
    with pytest.raises(online.CodeError) as device:
        online.send_code(phone="13700137000", address="10.0.0.9", now=now)
    assert device.value.code == "address"


# --- the public pages ----------------------------------------------------------------------------


def applicant_form(**extra: str) -> dict[str, str]:
    data = {"kind": "person", "name": "张三", "id_number": PERSON_ID, "phone": PHONE}
    data.update(extra)
    return data


def start_draft(client: Client, setup: Setup) -> str:
    response = client.post(reverse("apply:scenario", args=[setup.item.pk]), {"scenario": "S01"})
    assert response.status_code == 302
    return response["Location"].split("/d/")[1].split("/")[0]


def confirmed_draft(client: Client, setup: Setup, capture: Any) -> str:
    token = start_draft(client, setup)
    with capture(execute=True):
        client.post(reverse("apply:applicant", args=[token]), applicant_form())
    response = client.post(reverse("apply:phone", args=[token]), {"code": code_from_outbox()})
    assert response["Location"] == reverse("apply:materials", args=[token])
    return token


def test_the_item_list_offers_online_items_and_searches_them(
    setup: Setup, department: Any, hall: Any
):
    make_online_item(department, name="窗口办理的许可", online_depth="0")
    client = Client()
    page = client.get(reverse("apply:start")).content.decode()
    assert "食品经营许可（新办）" in page and "窗口办理的许可" not in page
    page = client.get(reverse("apply:start"), {"q": "许可"}).content.decode()
    assert "食品经营许可（新办）" in page and "窗口办理的许可" not in page
    page = client.get(reverse("apply:start"), {"q": "不存在的东西"}).content.decode()
    assert "没有找到可网上申请的相关事项" in page
    # The guide pages point to it.
    assert reverse("apply:start") in client.get(reverse("catalog:guide-home")).content.decode()
    item_page = client.get(reverse("catalog:guide-item", args=[setup.item.pk])).content.decode()
    assert reverse("apply:scenario", args=[setup.item.pk]) in item_page


def test_an_item_not_online_says_where_to_go(department: Any, hall: Any):
    department.window_location = "二楼 12 号窗口"
    department.save()
    other = make_online_item(department, online_depth="2")
    response = Client().get(reverse("apply:scenario", args=[other.item.pk]))
    assert response.status_code == 404
    assert "二楼 12 号窗口" in response.content.decode()


def test_several_halls_the_applicant_chooses(setup: Setup, hall: Any, other_hall: Any):
    client = Client()
    url = reverse("apply:scenario", args=[setup.item.pk])
    page = client.get(url).content.decode()
    assert other_hall.name in page and hall.name in page
    response = client.post(url, {"scenario": "S01"})
    assert response.status_code == 400 and "请选择政务服务中心" in response.content.decode()
    response = client.post(url, {"scenario": "S01", "hall": other_hall.pk})
    token = response["Location"].split("/d/")[1].split("/")[0]
    assert client.session[" onewindow.apply".strip()][token]["hall"] == other_hall.pk


def test_one_hall_is_not_asked_about(setup: Setup, hall: Any):
    client = Client()
    page = client.get(reverse("apply:scenario", args=[setup.item.pk])).content.decode()
    assert "由哪个政务服务中心办理" not in page
    token = start_draft(client, setup)
    assert client.session["onewindow.apply"][token]["hall"] == hall.pk


def test_the_whole_form_with_a_wrong_id_a_wrong_code_and_a_double_submit(
    setup: Setup, hall: Any, django_capture_on_commit_callbacks: Any
):
    client = Client()
    token = start_draft(client, setup)
    url = reverse("apply:applicant", args=[token])
    response = client.post(url, applicant_form(id_number="110105194912310021"))
    assert response.status_code == 400 and "校验位不正确" in response.content.decode()
    assert not PhoneCode.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, applicant_form())
    assert response["Location"] == reverse("apply:phone", args=[token])
    code = code_from_outbox()
    phone_url = reverse("apply:phone", args=[token])
    assert "138****8000" in client.get(phone_url).content.decode()
    # Not confirmed yet: the materials page sends the applicant back.
    materials_url = reverse("apply:materials", args=[token])
    assert client.get(materials_url)["Location"] == phone_url
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(phone_url, {"code": wrong})
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    response = client.post(phone_url, {"code": code})
    assert response["Location"] == materials_url
    page = client.get(materials_url).content.decode()
    assert "申请表" in page and "营业执照" in page and f'value="{token}"' in page
    # A disguised program, and a missing required material: errors next to the fields.
    response = client.post(materials_url, {"token": token, "material-M02": upload("x.jpg", EXE)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "这个文件是程序" in page and "请上传这项材料" in page
    assert not Case.objects.exists() and not CaseFile.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            materials_url, {"token": token, "material-M01": [upload("申请表.pdf", PDF)]}
        )
    assert response["Location"] == reverse("apply:done", args=[token])
    case = Case.objects.get()
    assert (case.channel, case.status, case.visits) == ("online", "pre_review", 0)
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and case.tracking_code in page
    # (A token carries the second it was made in: compare what it opens, not its text.)
    link = re.search(r'href="(/track/c/[^"]+/)"', page)
    assert link is not None
    assert Client().get(link.group(1)).status_code == 200
    assert tracking.case_from_token(link.group(1).split("/")[3]) == case
    # The browser sends the form again (double tap, back button): still one case.
    response = client.post(
        materials_url, {"token": token, "material-M01": [upload("申请表.pdf", PDF)]}
    )
    assert response["Location"] == reverse("apply:done", args=[token])
    # Even when the session did not record the first submission yet.
    session = client.session
    session["onewindow.apply"][token].pop("case")
    session.save()
    response = client.post(
        materials_url, {"token": token, "material-M01": [upload("申请表2.pdf", PDF + b" ")]}
    )
    assert response["Location"] == reverse("apply:done", args=[token])
    assert Case.objects.count() == 1 and CaseFile.objects.count() == 1


def test_an_expired_code_is_refused_on_the_page(
    setup: Setup, hall: Any, django_capture_on_commit_callbacks: Any
):
    client = Client()
    token = start_draft(client, setup)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("apply:applicant", args=[token]), applicant_form())
    code = code_from_outbox()
    PhoneCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(reverse("apply:phone", args=[token]), {"code": code})
    assert response.status_code == 400 and "验证码已失效" in response.content.decode()
    # Asking again too soon is refused; later a new code works.
    response = client.post(reverse("apply:phone", args=[token]), {"action": "resend"})
    assert response.status_code == 429 and "秒后可重新获取" in response.content.decode()
    PhoneCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("apply:phone", args=[token]), {"action": "resend"})
    response = client.post(reverse("apply:phone", args=[token]), {"code": code_from_outbox()})
    assert response["Location"] == reverse("apply:materials", args=[token])


def test_an_organisation_applies_through_its_agent(
    setup: Setup, hall: Any, django_capture_on_commit_callbacks: Any
):
    client = Client()
    token = start_draft(client, setup)
    data = {"kind": "organisation", "name": "示范科技有限公司", "phone": PHONE}
    url = reverse("apply:applicant", args=[token])
    response = client.post(url, {**data, "credit_code": CREDIT_CODE[:-1] + "0"})
    assert response.status_code == 400
    data.update(
        credit_code=CREDIT_CODE,
        legal_representative="李四",
        agent_name="王五",
        agent_id_number=PERSON_ID,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    stored = client.session["onewindow.apply"][token]["applicant"]
    assert stored["kind"] == "organisation" and stored["credit_code"] == CREDIT_CODE
    assert stored["id_number"] == "" and stored["agent_id_number"] == PERSON_ID


def test_a_foreign_token_is_not_found(setup: Setup, hall: Any):
    for name in ("apply:applicant", "apply:phone", "apply:materials", "apply:done"):
        assert Client().get(reverse(name, args=["nope"])).status_code == 404


# --- pre-review at the front desk ----------------------------------------------------------------


def test_the_pre_review_queue(
    setup: Setup, hall: Any, other_hall: Any, clerk: Any, any_persona: Any, client_for: Any
):
    now = timezone.now()
    newer = submit(setup, hall, token="a", now=now - datetime.timedelta(hours=2))
    older = submit(setup, hall, token="b", now=now - datetime.timedelta(days=1, hours=3))
    elsewhere = submit(setup, other_hall, token="c")
    services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code="S01",
        applicant=person(),
        actor=clerk,
    )
    response = client_for(any_persona).get(reverse("cases:pre-review-queue"))
    if any_persona is None:
        assert response.status_code == 302
        return
    if not any_persona.has_role(Role.CLERK, Role.HELPER):
        assert response.status_code == 403
        return
    page = response.content.decode()
    rows = re.findall(r'<tr data-case="(\d+)"', page)
    assert rows == [older.number, newer.number]
    assert elsewhere.number not in page
    assert "1天3小时" in page and "2小时0分" in page


def test_the_queue_is_in_the_clerk_s_navigation(clerk: Any, reviewer: Any, client_for: Any):
    url = reverse("cases:pre-review-queue")
    assert url in client_for(clerk).get(reverse("core:home")).content.decode()
    assert url not in client_for(reviewer).get(reverse("core:home")).content.decode()


def test_pre_review_shows_the_files_and_accepts(
    setup: Setup,
    hall: Any,
    clerk: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
):
    case = submit(setup, hall)
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    page = client.get(url).content.decode()
    case_file = case.files.get()
    assert reverse("cases:file", args=[case_file.pk]) in page and "申请人网上上传" in page
    assert "M01-original_verified" not in page  # originals are not seen online
    for code in ("M01", "M02"):
        response = client.post(
            url,
            {
                "action": "material",
                "code": code,
                f"{code}-state": "received",
                f"{code}-electronic": "on",
            },
        )
        assert response.status_code == 302
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "accept"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.visits == 0 and case.due_on
    assert (
        len(sms.outbox) == 1 and "受理" in sms.outbox[0].text and "原件" not in sms.outbox[0].text
    )
    assert case.number not in client.get(reverse("cases:pre-review-queue")).content.decode()


def test_a_notice_then_the_applicant_supplements_online(
    setup: Setup,
    hall: Any,
    clerk: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
):
    case = submit(setup, hall)
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.WRONG, reason="申请表缺少签名"),
        actor=clerk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.give_one_time_notice(case=case, actor=clerk)
    assert "办件查询页面上传" in sms.outbox[-1].text
    public = Client()
    # One token for both links: a token carries the second it was made in.
    token = tracking.token_for(case)
    case_url = reverse("tracking:case", args=[token])
    page = public.get(case_url).content.decode()
    supplement_url = reverse("tracking:supplement", args=[token])
    assert "申请表缺少签名" in page
    assert supplement_url in page
    # Sending back before uploading anything is refused.
    response = public.post(supplement_url, {"action": "send"})
    assert response.status_code == 400 and "请先上传需要补充的材料" in response.content.decode()
    response = public.post(
        supplement_url, {"action": "upload", "code": "M01", "file": upload("签字.pdf", EXE)}
    )
    assert response.status_code == 400 and "这个文件是程序" in response.content.decode()
    assert case.files.count() == 1
    response = public.post(
        supplement_url,
        {"action": "upload", "code": "M01", "file": [upload("签字.jpg", jpeg("gray"))]},
    )
    assert response.status_code == 302
    assert "签字.jpg" in public.get(supplement_url).content.decode()
    response = public.post(supplement_url, {"action": "send"})
    assert response["Location"] == case_url
    case.refresh_from_db()
    assert case.status == CaseStatus.PRE_REVIEW and case.visits == 0
    resumed = case.events.get(action="case.resumed")
    assert resumed.actor is None
    # Back in the clerk's queue, waiting since the resubmission.
    page = client_for(clerk).get(reverse("cases:pre-review-queue")).content.decode()
    assert case.number in page and "告知后重新提交" in page
    receive_all(case, clerk)
    services.accept_case(case=case, actor=clerk)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.visits == 0
    # Nothing more to upload now.
    assert public.get(supplement_url).status_code == 302


def test_the_supplement_page_is_only_for_online_cases_waiting(setup: Setup, hall: Any, clerk: Any):
    window = services.start_intake(
        hall=hall, item=setup.item, scenario_code="S01", applicant=person(), actor=clerk
    )
    assert (
        Client().get(reverse("tracking:supplement", args=[tracking.token_for(window)])).status_code
        == 404
    )
    case = submit(setup, hall)
    url = reverse("tracking:supplement", args=[tracking.token_for(case)])
    assert Client().get(url).status_code == 302  # in pre-review: nothing to do
    assert (
        Client()
        .post(url, {"action": "upload", "code": "M01", "file": upload("a.png", png())})
        .status_code
        == 302
    )
    assert case.files.count() == 1
    with pytest.raises(CaseError):
        services.resubmit_online(case=case)


# --- originals seen once ------------------------------------------------------------------------


def test_originals_needed_mean_one_visit_counted_when_seen(
    department: Any,
    hall: Any,
    clerk: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
):
    setup = make_online_item(department, online_depth="3", max_visits=1)
    case = submit(setup, hall)
    with pytest.raises(CaseError) as error:
        services.check_material(
            case=case,
            code="M01",
            check=MaterialCheck(state=MaterialState.RECEIVED, original_verified=True),
            actor=clerk,
        )
    assert error.value.code == "online_original"
    receive_all(case, clerk)
    page = client_for(clerk).get(reverse("cases:intake-case", args=[case.number])).content.decode()
    assert "该事项需核验原件一次" in page
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.accept_case(case=case, actor=clerk)
    assert notice.content["originals_visit"] == ["申请表"]
    assert "请带上以下材料原件到大厅核验一次：申请表" in sms.outbox[-1].text
    case.refresh_from_db()
    assert case.visits == 0
    public = Client().get(reverse("tracking:case", args=[tracking.token_for(case)]))
    assert "请带原件来一次" in public.content.decode()
    queue = client_for(clerk).get(reverse("cases:pre-review-queue")).content.decode()
    assert "网上已受理、尚待核验原件" in queue and case.number in queue
    client = client_for(clerk)
    response = client.post(
        reverse("cases:intake-case", args=[case.number]),
        {"action": "originals", "originals": ["M01"]},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.visits == 1
    m01 = case.materials.get(code="M01")
    assert m01.original_verified and m01.verified_by == clerk
    event = case.events.get(action="case.originals.verified")
    assert event.power == Power.VERIFY_ORIGINAL and event.data["materials"] == ["M01"]
    assert services.originals_to_see(case) == []
    with pytest.raises(CaseError):
        services.verify_originals(case=case, codes=["M01"], actor=clerk)
    case.refresh_from_db()
    assert case.visits == 1


def test_verifying_originals_needs_the_power_and_the_hall(
    department: Any, hall: Any, clerk: Any, make_user: Any, other_hall: Any
):
    setup = make_online_item(
        department,
        online_depth="3",
        max_visits=1,
        powers=(Power.RECEIVE, Power.ONE_TIME_NOTICE, Power.ACCOUNT_USE, Power.DELIVER_RESULT),
    )
    case = submit(setup, hall)
    receive_all(case, clerk)
    services.accept_case(case=case, actor=clerk)
    with pytest.raises(CaseError) as other:
        services.verify_originals(
            case=case, codes=["M01"], actor=make_user(Role.CLERK, hall=other_hall)
        )
    assert other.value.code == "other_hall"
    with pytest.raises(CaseError) as power:
        services.verify_originals(case=case, codes=["M01"], actor=clerk)
    assert power.value.code == "not_delegated"
    case.refresh_from_db()
    assert case.visits == 0


def test_a_fully_online_item_needs_no_originals(setup: Setup, hall: Any, clerk: Any):
    case = submit(setup, hall)
    receive_all(case, clerk)
    notice = services.accept_case(case=case, actor=clerk)
    assert notice.content["originals_visit"] == []


# --- the whole loop -----------------------------------------------------------------------------


def test_the_whole_online_loop_closes_with_no_visit(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = submit(setup, hall)
    receive_all(case, clerk)
    services.accept_case(case=case, actor=clerk)
    services.claim_case(case=case, actor=reviewer)
    # The back office asks for a correction; the applicant supplies it online.
    services.request_correction(case=case, actor=reviewer, items=["申请表经营项目填写不规范"])
    services.attach_file(
        case=case, material_code="M01", upload=upload("新申请表.png", png("gray")), actor=None
    )
    services.resubmit_online(case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and case.visits == 0
    assert case.events.filter(action="case.supplemented", actor__isnull=True).exists()
    services.decide(case=case, actor=reviewer, approve=True, opinion="符合条件")
    services.issue_result(case=case, actor=certificate_clerk, number="JY15113010000999")
    delivery = services.deliver_result(case=case, actor=certificate_clerk, mode="electronic")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.visits == 0
    assert case.result_code == "0" and delivery.mode == "electronic" and not delivery.late
    assert case.files.count() == 2
    page = Client().get(reverse("tracking:case", args=[tracking.token_for(case)])).content.decode()
    assert "已办结" in page and "JY15113010000999" in page and 'data-visits="0"' in page
    assert "电子送达" in page or "Electronically" in page
    assert CaseEvent.objects.filter(case=case, action="case.delivered").exists()


def test_the_reviewer_sees_the_files_beside_the_review_points(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, client_for: Any
):
    case = submit(setup, hall)
    receive_all(case, clerk)
    services.accept_case(case=case, actor=clerk)
    page = client_for(reviewer).get(reverse("cases:review-case", args=[case.number])).content
    case_file = case.files.get()
    assert reverse("cases:file", args=[case_file.pk]).encode() in page
    assert "申请表.pdf".encode() in page


def test_halls_are_public_data_only(hall: Any):
    # The online pages list active halls only.
    Hall.objects.create(code="closed", name="已撤并的中心", is_active=False)
    from onewindow.cases.views.apply import _halls

    assert [h.code for h in _halls()] == [hall.code]


def test_behind_a_proxy_codes_are_limited_per_applicant(
    setup: Setup, hall: Any, settings: Any, django_capture_on_commit_callbacks: Any
):
    settings.ONEWINDOW_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client = Client(HTTP_X_REAL_IP="203.0.113.7")
    token = start_draft(client, setup)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("apply:applicant", args=[token]), applicant_form())
    assert cache.get("onewindow:apply-sms:203.0.113.7") == 1
    assert cache.get("onewindow:apply-sms:127.0.0.1") is None
