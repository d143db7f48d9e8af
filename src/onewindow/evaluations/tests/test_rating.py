"""好差评: one rating per service and per case, by the rater only, and the bad-rating loop."""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases import services as cases
from onewindow.cases.tests.factories import make_case_item, person
from onewindow.cases.tests.test_intake import MONDAY, at
from onewindow.evaluations import services, tokens
from onewindow.evaluations.models import (
    Appeal,
    AppealStatus,
    Evaluation,
    Level,
    RatingChannel,
    Rectification,
    RectificationStatus,
)
from onewindow.evaluations.services import RatingError
from onewindow.tickets import services as queue
from onewindow.tickets import sms
from onewindow.tickets.models import Ticket
from onewindow.tickets.services import Outcome
from onewindow.tickets.tests.factories import at as queue_at
from onewindow.tickets.tests.factories import make_setup

pytestmark = pytest.mark.django_db


def served_ticket(*, finish: bool = True) -> Ticket:
    setup = make_setup(windows=1)
    ticket = queue.issue_ticket(hall=setup.hall, queue=setup.a, now=queue_at(9))
    clerk = setup.clerk(0)
    ticket = queue.call_next(window=setup.windows[0], actor=clerk, now=queue_at(9, 5))
    queue.start_service(ticket=ticket, actor=clerk, now=queue_at(9, 6))
    if finish:
        queue.finish_service(
            ticket=ticket, actor=clerk, outcome=Outcome.HANDLED, now=queue_at(9, 9)
        )
    return Ticket.objects.select_related("window", "clerk").get(pk=ticket.pk)


def rate_ticket(ticket: Ticket, level: int = Level.VERY_SATISFIED, **kw: Any) -> Evaluation:
    kw.setdefault("channel", RatingChannel.QR)
    return services.rate(kind="ticket", pk=ticket.pk, level=level, **kw)


def closed_case(department: Any, hall: Any, clerk: Any, certificate_clerk: Any, reviewer: Any):
    setup = make_case_item(department)
    case = cases.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
        now=at(MONDAY),
    )
    cases.check_materials(
        case=case,
        checks=cases.remaining_as_received(case, may_verify=True),
        actor=clerk,
        now=at(MONDAY, 11),
    )
    cases.accept_case(case=case, actor=clerk, now=at(MONDAY, 11))
    cases.claim_case(case=case, actor=reviewer, now=at(MONDAY, 14))
    cases.decide(case=case, actor=reviewer, approve=True, opinion="同意", now=at(MONDAY, 15))
    cases.issue_result(case=case, actor=certificate_clerk, number="XK-1", now=at(MONDAY, 16))
    cases.deliver_result(case=case, actor=certificate_clerk, mode="electronic", now=at(MONDAY, 17))
    return case


# --- one rating per event, by the rater -----------------------------------------------------------


def test_a_finished_service_is_rated_once_with_what_was_rated(hall: Any):
    ticket = served_ticket()
    evaluation = rate_ticket(ticket, Level.SATISFIED)
    assert evaluation.attempt == 1 and evaluation.level == Level.SATISFIED
    assert (evaluation.window, evaluation.clerk, evaluation.hall) == (
        ticket.window,
        ticket.clerk,
        ticket.hall,
    )
    assert not Rectification.objects.exists()
    with pytest.raises(RatingError) as again:
        rate_ticket(ticket, Level.VERY_SATISFIED)
    assert again.value.code == "already_rated"
    assert Evaluation.objects.count() == 1


def test_a_service_still_under_way_cannot_be_rated():
    ticket = served_ticket(finish=False)
    with pytest.raises(RatingError) as raised:
        rate_ticket(ticket)
    assert raised.value.code == "not_finished"
    assert not Evaluation.objects.exists()


def test_a_case_is_rated_once_when_it_has_ended(
    department: Any, hall: Any, clerk: Any, certificate_clerk: Any, reviewer: Any
):
    case = closed_case(department, hall, clerk, certificate_clerk, reviewer)
    evaluation = services.rate(
        kind="case", pk=case.pk, level=Level.VERY_SATISFIED, channel=RatingChannel.ONLINE
    )
    assert evaluation.case_id == case.pk and evaluation.item_id == case.item_id
    assert evaluation.department_id == case.department_id and evaluation.clerk == clerk
    with pytest.raises(RatingError):
        services.rate(kind="case", pk=case.pk, level=Level.SATISFIED, channel=RatingChannel.QR)


def test_no_level_no_rating(hall: Any):
    ticket = served_ticket()
    for level in (None, "", "6", "0", "满意"):
        with pytest.raises(RatingError) as raised:
            rate_ticket(ticket, level)
        assert raised.value.field == "level"
    assert not Evaluation.objects.exists()


def test_staff_signed_in_cannot_rate(hall: Any, clerk: Any, make_user: Any):
    ticket = served_ticket()
    for actor in (clerk, make_user(Role.HALL_MANAGER)):
        with pytest.raises(RatingError) as raised:
            rate_ticket(ticket, actor=actor)
        assert raised.value.code == "staff"
    assert not Evaluation.objects.exists()


def test_a_bad_rating_needs_a_reason_or_words():
    ticket = served_ticket()
    with pytest.raises(RatingError) as raised:
        rate_ticket(ticket, Level.DISSATISFIED)
    assert raised.value.field == "reasons"
    with pytest.raises(RatingError):
        rate_ticket(ticket, Level.DISSATISFIED, reasons=["made-up"])
    assert not Evaluation.objects.exists()
    evaluation = rate_ticket(ticket, Level.DISSATISFIED, comment="排队太久")
    assert evaluation.is_bad and evaluation.comment == "排队太久"


def test_nothing_creates_a_rating_but_the_rater(
    department: Any, hall: Any, clerk: Any, certificate_clerk: Any, reviewer: Any
):
    """Finishing a service, closing a case and any later step leave them not rated."""
    served_ticket()
    closed_case(department, hall, clerk, certificate_clerk, reviewer)
    assert not Evaluation.objects.exists()


def _not_false(value: ast.expr) -> bool:
    return not (isinstance(value, ast.Constant) and value.value is False)


def test_no_code_outside_the_rating_service_writes_a_rating():
    """A static guard: `Evaluation` rows are built in `services.rate` and nowhere else, and no
    default level exists anywhere (tests and migrations aside)."""
    src = Path(__file__).resolve().parents[2]
    writers = []
    pattern = re.compile(
        r"(?<!class )Evaluation\((?!Error)|Evaluation\.objects\.(create|bulk_create|get_or_create|"
        r"update_or_create)|Evaluation\.objects\.[a-z_().]*\.update\("
    )
    for path in src.rglob("*.py"):
        relative = path.relative_to(src).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            writers.append(relative)
    assert writers == ["evaluations/services.py"]
    source = (src / "evaluations" / "models.py").read_text(encoding="utf-8")
    level = source[source.index("level = models") :].split("\n", 1)[0]
    assert "default" not in level
    # Only the demo installer calls the rating service with demo=True (its rows say so).
    demo_writers = set()
    for path in src.rglob("*.py"):
        if "/tests/" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "rate"
                and any(
                    k.arg == "demo"
                    and not (isinstance(k.value, ast.Constant) and not k.value.value)
                    for k in node.keywords
                )
            ):
                demo_writers.add(path.relative_to(src).as_posix())
    demo_writers = sorted(demo_writers)
    assert demo_writers == ["evaluations/demo.py"]


# --- tokens ---------------------------------------------------------------------------------------


def test_a_token_names_its_event_and_a_forged_one_nothing():
    assert tokens.subject(tokens.for_ticket(7)) == tokens.Subject("ticket", 7)
    assert tokens.subject(tokens.for_case(9)) == tokens.Subject("case", 9)
    forged = signing.dumps(["t", 7], salt="another salt", compress=True)
    assert tokens.subject(forged) is None
    assert tokens.subject("abc") is None


def test_an_old_token_is_refused(settings: Any, monkeypatch: Any):
    token = tokens.for_ticket(7)
    later = signing.time.time() + settings.ONEWINDOW_RATING_LINK_DAYS * 86400 + 10
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert tokens.subject(token) is None


# --- the bad-rating loop --------------------------------------------------------------------------


def test_a_bad_rating_opens_a_rectification_with_working_day_deadlines(settings: Any):
    ticket = served_ticket()
    # Thursday 24 September 2026, 16:00 in the hall: 中秋 closes Friday to Sunday, so one
    # working day is Monday 28 September; fifteen run past 国庆 (1–7 October, with Saturday
    # 10 October worked) to Thursday 22 October.
    thursday = datetime.datetime(2026, 9, 24, 8, tzinfo=datetime.UTC)
    evaluation = rate_ticket(
        ticket, Level.VERY_DISSATISFIED, reasons=["attitude"], phone="13800138000", now=thursday
    )
    r = evaluation.rectification
    assert r.status == RectificationStatus.VERIFYING
    assert r.verify_due == datetime.date(2026, 9, 28)
    assert r.rectify_due == datetime.date(2026, 10, 22)


def test_verify_rectify_report_back_then_one_re_rating(settings: Any, make_user: Any, hall: Any):
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    ticket = served_ticket()
    manager = make_user(Role.HALL_MANAGER, hall=ticket.hall)
    evaluation = rate_ticket(ticket, Level.DISSATISFIED, reasons=["waiting"], phone="13800138000")
    r = evaluation.rectification
    with pytest.raises(RatingError):  # report back before verifying
        services.report_back(rectification=r, actor=manager, measures="x", report="y")
    with pytest.raises(RatingError) as raised:
        services.verify(rectification=r, actor=manager, note=" ")
    assert raised.value.field == "note"
    services.verify(rectification=r, actor=manager, note="电话回访：等候40分钟")
    with pytest.raises(RatingError):  # not yet reported: no re-rating
        rate_ticket(ticket, Level.SATISFIED)
    sms.outbox.clear()
    with pytest.raises(RatingError) as raised:
        services.report_back(rectification=r, actor=manager, measures="", report="已告知")
    assert raised.value.field == "measures"
    services.report_back(
        rectification=r, actor=manager, measures="高峰时段增开2个窗口", report="已电话告知"
    )
    r.refresh_from_db()
    assert r.status == RectificationStatus.REPORTED and r.reported_by == manager
    again = rate_ticket(ticket, Level.SATISFIED)
    assert again.attempt == 2 and again.rater_phone == "13800138000"
    assert not hasattr(again, "rectification") or again.rectification is None
    with pytest.raises(RatingError) as raised:
        rate_ticket(ticket, Level.VERY_SATISFIED)
    assert raised.value.code == "already_rated"
    assert Evaluation.objects.filter(ticket=ticket).count() == 2


def test_the_rater_is_told_by_sms_when_the_rectification_is_reported(
    settings: Any, make_user: Any, django_capture_on_commit_callbacks: Any
):
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    ticket = served_ticket()
    manager = make_user(Role.HALL_MANAGER, hall=ticket.hall)
    r = rate_ticket(ticket, Level.DISSATISFIED, reasons=["slow"], phone="13800138000").rectification
    services.verify(rectification=r, actor=manager, note="已回访")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_back(rectification=r, actor=manager, measures="培训", report="已告知")
    assert len(sms.outbox) == 1 and sms.outbox[0].phone == "13800138000"


def test_another_halls_manager_cannot_handle_it(make_user: Any, other_hall: Any):
    ticket = served_ticket()
    stranger = make_user(Role.HALL_MANAGER, hall=other_hall)
    r = rate_ticket(ticket, Level.DISSATISFIED, reasons=["slow"]).rectification
    with pytest.raises(RatingError) as raised:
        services.verify(rectification=r, actor=stranger, note="x")
    assert raised.value.code == "other_hall"


# --- appeals --------------------------------------------------------------------------------------


def test_only_a_recorded_decision_excludes_a_rating_and_it_is_never_deleted(make_user: Any):
    ticket = served_ticket()
    evaluation = rate_ticket(ticket, Level.VERY_DISSATISFIED, reasons=["other"], comment="乱评")
    clerk = ticket.clerk
    manager = make_user(Role.HALL_MANAGER, hall=ticket.hall)
    appeal = services.file_appeal(
        evaluation=evaluation, actor=clerk, ground="mistaken", statement="评价人办理的是另一窗口"
    )
    with pytest.raises(RatingError):  # one open appeal at a time
        services.file_appeal(evaluation=evaluation, actor=clerk, ground="malicious", statement="x")
    evaluation.refresh_from_db()
    assert not evaluation.excluded  # filing excludes nothing
    with pytest.raises(RatingError) as raised:
        services.decide_appeal(appeal=appeal, actor=manager, upheld=True, decision=" ")
    assert raised.value.field == "decision"
    services.decide_appeal(appeal=appeal, actor=manager, upheld=True, decision="监控核实属实")
    evaluation.refresh_from_db()
    assert evaluation.excluded and Evaluation.objects.filter(pk=evaluation.pk).exists()
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.UPHELD


def test_a_rejected_appeal_leaves_the_rating_counted(make_user: Any):
    ticket = served_ticket()
    evaluation = rate_ticket(ticket, Level.DISSATISFIED, reasons=["slow"])
    manager = make_user(Role.HALL_MANAGER, hall=ticket.hall)
    appeal = services.file_appeal(
        evaluation=evaluation, actor=ticket.clerk, ground="malicious", statement="恶意"
    )
    with pytest.raises(RatingError) as raised:  # nobody decides their own appeal
        services.decide_appeal(appeal=appeal, actor=ticket.clerk, upheld=True, decision="x")
    assert raised.value.code == "own_appeal"
    services.decide_appeal(appeal=appeal, actor=manager, upheld=False, decision="证据不足")
    evaluation.refresh_from_db()
    assert not evaluation.excluded


# --- the page -------------------------------------------------------------------------------------


def test_the_page_offers_five_levels_with_none_chosen(client: Any):
    ticket = served_ticket()
    url = reverse("evaluations:rate", args=[tokens.for_ticket(ticket.pk)])
    page = client.get(url).content.decode()
    assert page.count('name="level"') == 5 and " checked" not in page.split("data-reasons")[0]
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in page
    assert f"{ticket.window.number} 号窗口" in page or str(ticket.window.number) in page


def test_the_page_rates_once_and_a_reused_link_rates_nothing(client: Any):
    ticket = served_ticket()
    url = reverse("evaluations:rate", args=[tokens.for_ticket(ticket.pk)])
    response = client.post(url, {"level": "5", "via": "qr"})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    assert Evaluation.objects.get().channel == RatingChannel.QR
    response = client.post(url, {"level": "1", "reasons": ["attitude"], "via": "qr"})
    assert response.status_code == 400 and "已评价" in response.content.decode()
    assert client.get(url).content.decode().count('name="level"') == 0
    assert Evaluation.objects.count() == 1


def test_a_bad_level_without_a_reason_is_sent_back_with_the_message(client: Any):
    ticket = served_ticket()
    url = reverse("evaluations:rate", args=[tokens.for_ticket(ticket.pk)])
    response = client.post(url, {"level": "2"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请告诉我们" in page and 'value="2" checked' in page.replace(" data-bad", "")
    assert not Evaluation.objects.exists()


def test_staff_signed_in_see_the_page_but_cannot_submit(client_for: Any, clerk: Any):
    ticket = served_ticket()
    client = client_for(clerk)
    url = reverse("evaluations:rate", args=[tokens.for_ticket(ticket.pk)])
    page = client.get(url).content.decode()
    assert "工作人员不能代为评价" in page
    response = client.post(url, {"level": "5"})
    assert response.status_code == 400
    assert not Evaluation.objects.exists()


def test_a_forged_link_is_not_found(client: Any):
    assert client.get(reverse("evaluations:rate", args=["nothing-here"])).status_code == 404
    forged = signing.dumps(["t", 1], salt="x", compress=True)
    assert (
        client.post(reverse("evaluations:rate", args=[forged]), {"level": "5"}).status_code == 404
    )
    assert not Evaluation.objects.exists()


def test_a_rating_link_of_a_case_from_the_tracking_page_counts_as_online(
    client: Any, department: Any, hall: Any, clerk: Any, certificate_clerk: Any, reviewer: Any
):
    case = closed_case(department, hall, clerk, certificate_clerk, reviewer)
    url = reverse("evaluations:rate", args=[tokens.for_case(case.pk)]) + "?via=online"
    page = client.get(url).content.decode()
    assert case.number in page
    response = client.post(url.split("?")[0], {"level": "4", "via": "online"})
    assert response.status_code == 200
    assert Evaluation.objects.get().channel == RatingChannel.ONLINE


# --- where the rating is invited ------------------------------------------------------------------


def test_the_tickets_status_page_invites_a_rating_once_the_service_is_done(client: Any):
    from onewindow.tickets.views.kiosk import ticket_token

    ticket = served_ticket(finish=False)
    url = reverse("kiosk:status", args=[ticket_token(ticket)])
    assert "data-rate-link" not in client.get(url).content.decode()
    queue.finish_service(
        ticket=ticket, actor=ticket.clerk, outcome=Outcome.HANDLED, now=queue_at(9, 9)
    )
    page = client.get(url).content.decode()
    assert "data-rate-link" in page and "请为本次服务评价" in page
    link = re.search(r'href="([^"]+)" data-rate-link', page).group(1).replace("&amp;", "&")
    assert client.post(link, {"level": "5", "via": "qr"}).status_code == 200
    assert Evaluation.objects.get().ticket_id == ticket.pk


def test_the_tracking_page_of_an_ended_case_invites_a_rating(
    client: Any, department: Any, hall: Any, clerk: Any, certificate_clerk: Any, reviewer: Any
):
    from onewindow.cases.tracking import token_for

    case = closed_case(department, hall, clerk, certificate_clerk, reviewer)
    page = client.get(reverse("tracking:case", args=[token_for(case)])).content.decode()
    link = re.search(r'href="([^"]+)" data-rate-link', page).group(1).replace("&amp;", "&")
    assert "via=online" in link
    assert client.post(link.split("?")[0], {"level": "3", "via": "online"}).status_code == 200
    assert Evaluation.objects.get().case_id == case.pk


def test_a_closed_case_sends_a_rating_link_by_sms_that_rates_once(
    client: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    department: Any,
    hall: Any,
    clerk: Any,
    certificate_clerk: Any,
    reviewer: Any,
):
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.example.gov.cn"
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = closed_case(department, hall, clerk, certificate_clerk, reviewer)
    text = sms.outbox[-1].text
    assert case.number in text and "评价" in text
    link = re.search(r"https://zwfw\.example\.gov\.cn(/rate/\S+)", text).group(1)
    assert "via=sms" in link
    assert not Evaluation.objects.exists()  # an invitation, not a rating
    assert client.post(link.split("?")[0], {"level": "5", "via": "sms"}).status_code == 200
    assert Evaluation.objects.get().channel == RatingChannel.SMS
    assert client.post(link.split("?")[0], {"level": "1", "via": "sms"}).status_code == 400
