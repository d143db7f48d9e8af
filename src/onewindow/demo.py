"""Demo installation: the real district catalog, the fully written demo items, a demo hall and
one account per role. The only module that reaches into every app; nothing imports it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import transaction

PACKAGE_DIR = Path(__file__).resolve().parent
REAL_CATALOG = PACKAGE_DIR / "catalog" / "data" / "guangan-district-items.csv"
DEMO_CATALOG = PACKAGE_DIR / "catalog" / "demo"
DEMO_PASSWORD = "demo-2026"

# Windows per hall: (number, kind, zone, [(queue prefix, overflow only)]).
DEMO_WINDOWS = {
    "guangan": [
        *[(n, "natural", "自然人综合服务区", [("A", False), ("B", True)]) for n in (1, 2, 3, 4)],
        *[(n, "legal", "法人综合服务区", [("B", False), ("A", True)]) for n in (5, 6, 7)],
        (8, "consultation", "咨询引导区", [("C", False)]),
        (9, "complaint", "咨询引导区", [("D", False)]),
        (10, "assistance", "法人综合服务区", [("E", False)]),
        (11, "certificate", "出证区", [("F", False)]),
    ],
    "xiexing": [
        (1, "natural", "综合服务区", [("A", False), ("B", False)]),
        (2, "consultation", "综合服务区", [("C", False), ("D", False), ("E", False)]),
        (3, "certificate", "综合服务区", [("F", False)]),
    ],
}
# The county demo hall takes numbers around the clock so the demo works whenever it is opened;
# the town hall keeps real hours (and shows the kiosk's closed state out of hours).
ALL_DAY_HALLS = {"guangan"}

DEMO_HALLS = [
    {
        "code": "guangan",
        "name": "广安区政务服务中心",
        "address": "广安市广安区政务服务中心（示例地址）",
        "phone": "0826-12345",
        "opening_hours": "周一至周五 9:00–12:00，13:30–17:30；周六、周日 9:00–12:00（七天工作制）",
    },
    {
        "code": "xiexing",
        "name": "协兴镇便民服务中心",
        "address": "广安区协兴镇（示例地址）",
        "phone": "0826-12345",
        "opening_hours": "周一至周五 9:00–12:00，13:30–17:30",
    },
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    department: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("guide", "guide", "刘导办"),
    DemoAccount("clerk", "clerk", "王受理"),
    DemoAccount("reviewer", "reviewer", "陈审批", department="区行政审批局"),
    DemoAccount("reviewer2", "reviewer", "黄审核", department="区市监局"),
    DemoAccount("certificate", "certificate_clerk", "赵出证"),
    DemoAccount("helper", "helper", "孙帮办"),
    DemoAccount("complaints", "complaint_handler", "周督办"),
    DemoAccount("manager", "hall_manager", "李主任"),
    DemoAccount("supervisor", "supervisor", "吴监察"),
    DemoAccount("admin", "administrator", "郑管理"),
]


def setup_demo(*, stdout: object = None) -> list[DemoAccount]:
    """Idempotent: safe to run again on an existing demo database."""
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_synonyms", verbosity=0)
    call_command("import_catalog", str(REAL_CATALOG), verbosity=0)
    if DEMO_CATALOG.exists():
        call_command("import_catalog", str(DEMO_CATALOG), verbosity=0)
    _create_halls_and_accounts()
    _attach_agreement_scans()
    _set_up_queues()
    _create_demo_cases()
    _install_app_demos(stdout)
    return DEMO_ACCOUNTS


# Each app's own demo data, made through its services (each idempotent).
APP_DEMOS = [
    "onewindow.knowledge.demo",
    "onewindow.consult.demo",
    "onewindow.complaints.demo",
    "onewindow.assist.demo",
    "onewindow.rosters.demo",
    "onewindow.evaluations.demo",
]


def _install_app_demos(stdout: object) -> None:
    from importlib import import_module

    for name in APP_DEMOS:
        import_module(name).install_demo(stdout=stdout)


@transaction.atomic
def _create_halls_and_accounts() -> None:
    from django.contrib.auth.models import Group

    from onewindow.accounts.models import User
    from onewindow.catalog.models import Department
    from onewindow.halls.models import Hall

    halls = []
    for data in DEMO_HALLS:
        hall, _ = Hall.objects.update_or_create(code=data["code"], defaults=data)
        halls.append(hall)
    for account in DEMO_ACCOUNTS:
        department = (
            Department.objects.filter(name=account.department).first()
            if account.department
            else None
        )
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"full_name": account.full_name, "hall": halls[0], "department": department},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = account.role == "administrator"
            user.save()
        user.groups.set([Group.objects.get(name=account.role)])


def _set_up_queues() -> None:
    import datetime

    from onewindow.halls import services as hall_services
    from onewindow.halls.models import Hall, Window, Zone
    from onewindow.tickets.models import Queue

    for hall in Hall.objects.filter(code__in=DEMO_WINDOWS):
        if not Queue.objects.filter(hall=hall).exists():
            hall_services.create_default_queues(hall=hall, actor=None)
        if hall.code in ALL_DAY_HALLS:
            Queue.objects.filter(hall=hall).update(
                issue_from=datetime.time(0, 0), issue_until=datetime.time(23, 59)
            )
        queues = {q.prefix: q for q in Queue.objects.filter(hall=hall)}
        for order, (number, kind, zone_name, links) in enumerate(DEMO_WINDOWS[hall.code]):
            zone = Zone.objects.filter(hall=hall, name=zone_name).first()
            if zone is None:
                zone = Zone(hall=hall, name=zone_name, sort_order=order)
                hall_services.save_zone(zone=zone, actor=None)
            window = Window.objects.filter(hall=hall, number=number).first()
            if window is not None:
                continue
            window = Window(hall=hall, number=number, kind=kind, zone=zone)
            hall_services.save_window(window=window, actor=None)
            hall_services.set_window_queues(
                window=window,
                links=[
                    hall_services.QueueLink(queue=queues[prefix], order=i, overflow_only=overflow)
                    for i, (prefix, overflow) in enumerate(links)
                ],
                actor=None,
            )


def _attach_agreement_scans() -> None:
    """Give each demo agreement a one-page PDF standing in for its signed scan."""
    from django.core.files.base import ContentFile

    from onewindow.catalog import services
    from onewindow.catalog.models import DelegationAgreement

    for agreement in DelegationAgreement.objects.filter(scan="").select_related("department"):
        lines = [
            agreement.title,
            f"编号：{agreement.number}",
            f"委托方：{agreement.department.name}",
            f"受托方：{agreement.delegate}",
            "委托范围：",
            *_wrap(agreement.scope, 34),
            f"签订日期：{agreement.signed_on:%Y年%m月%d日}",
            "有效期："
            + f"{agreement.valid_from:%Y年%m月%d日}至"
            + (f"{agreement.valid_until:%Y年%m月%d日}" if agreement.valid_until else "长期"),
            "",
            "（演示数据：代替已签章委托书扫描件，非正式文件）",
        ]
        agreement.scan.save(f"{agreement.number}.pdf", ContentFile(_simple_pdf(lines)), save=False)
        with transaction.atomic():
            services.save_agreement(agreement=agreement, actor=None)


def _wrap(text: str, width: int) -> list[str]:
    text = " ".join(text.split())
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _simple_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF of Chinese text in the standard (non-embedded) STSong-Light CJK font."""
    body = ["BT", "/F1 14 Tf", "18 TL", "60 780 Td"]
    for line in lines:
        body.append(f"<{line.encode('utf-16-be').hex().upper()}> Tj T*")
    body.append("ET")
    stream = "\n".join(body).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/DW 1000 /W [1 95 500] /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


DEMO_APPLICANTS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周婷", "吴强"]
# The steps each demo case is taken through: one case ends in each state of the loop.
DEMO_CASE_PLANS = [
    "received",
    "notice_given",
    "accepted",
    "in_review",
    "correction",
    "special",
    "approved",
    "result_ready",
    "closed",
    "refused",
]


def _demo_online_application(hall: Any, department_id: int, i: int, now: Any) -> None:
    """One application submitted online with scans of its materials (pre-review pending)."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from onewindow.cases import online
    from onewindow.cases import services as cases

    item = online.online_items().filter(department_id=department_id).order_by("pk").first()
    if item is None:
        return
    scenario = item.scenarios.filter(materials__isnull=False).order_by("pk").first()
    if scenario is None:
        return
    files = {
        material.code: [
            SimpleUploadedFile(
                f"{material.name[:40]}.pdf",
                _simple_pdf([material.name, "（演示用扫描件）"]),
                content_type="application/pdf",
            )
        ]
        for material in scenario.materials.all()
    }
    cases.submit_online_application(
        hall=hall,
        item=item,
        scenario_code=scenario.code,
        applicant=cases.Applicant(
            kind="person",
            name=DEMO_APPLICANTS[i % len(DEMO_APPLICANTS)],
            phone=f"1380013{8000 + i:04d}",
            id_number=_demo_id_number(i),
        ),
        files=files,
        token=f"demo-online-{i}",
        now=now - datetime.timedelta(hours=3),
    )


def _demo_id_number(i: int) -> str:
    from onewindow.core.validators import id_check_char

    first17 = f"320102{1970 + i:04d}{1 + i % 9:02d}15{100 + i:03d}"
    return first17 + id_check_char(first17)


# A second department's reviewer and the states its demo cases end in (several departments).
SECOND_DEPARTMENT_PLANS = [
    "pre_review",  # applied online, waiting for the front desk's pre-review
    "accepted",
    "in_review",
    "correction",
    "denied",
    "withdrawn",
    "result_ready",
    "closed",
]


def _create_demo_cases() -> None:
    """Demo cases made through the case services like real ones: one in each state of the loop
    for the 区行政审批局 items, and a handful for the 区市监局 items (skipped once any case exists,
    or without this year's working-day calendar)."""
    from onewindow.accounts.models import User
    from onewindow.cases.models import Case
    from onewindow.core.calendar import UnknownCalendarYear
    from onewindow.halls.models import Hall

    if Case.objects.exists():
        return
    hall = Hall.objects.get(code=DEMO_HALLS[0]["code"])
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["clerk", "reviewer", "reviewer2", "certificate"])
    }
    if len(users) < 4:
        return
    try:
        _demo_cases_for(hall, users, users["reviewer"], DEMO_CASE_PLANS, first=0)
        _demo_cases_for(
            hall, users, users["reviewer2"], SECOND_DEPARTMENT_PLANS, first=len(DEMO_CASE_PLANS)
        )
    except UnknownCalendarYear:
        return  # the administrator enters this year's calendar first; the demo stays usable


def _demo_cases_for(
    hall: Any, users: dict[str, Any], reviewer: Any, plans: list[str], *, first: int
) -> None:
    import datetime

    from django.db.models import Count
    from django.utils import timezone

    from onewindow.cases import services as cases
    from onewindow.cases.models import MaterialState
    from onewindow.catalog.models import Delegation, Power, ServiceItem

    if reviewer.department_id is None:
        return
    today = timezone.localdate()
    receivable = Delegation.objects.effective_on(today).filter(
        power=Power.RECEIVE, item__department_id=reviewer.department_id
    )
    items = list(
        ServiceItem.objects.published()
        .filter(pk__in=receivable.values("item_id"), one_window=True)
        .annotate(n=Count("scenarios__materials"))
        .filter(n__gt=0)
        .order_by("pk")
    )
    if not items:
        return
    clerk, certificate = users["clerk"], users["certificate"]
    now = timezone.now()
    for k, plan in enumerate(plans):
        i = first + k
        item = items[k % len(items)]
        scenario = item.scenarios.annotate(n=Count("materials")).filter(n__gt=0).first()
        start = now - datetime.timedelta(days=12 - k, hours=2 + i % 3)
        step = iter(start + datetime.timedelta(minutes=20 * n) for n in range(1, 100))
        if plan == "pre_review":
            _demo_online_application(hall, reviewer.department_id, i, now)
            continue
        case = cases.start_intake(
            hall=hall,
            item=item,
            scenario_code=scenario.code,
            applicant=cases.Applicant(
                kind="person",
                name=DEMO_APPLICANTS[i % len(DEMO_APPLICANTS)],
                phone=f"1380013{8000 + i:04d}",
                id_number=_demo_id_number(i),
            ),
            actor=clerk,
            now=start,
        )
        if plan == "received":
            continue
        if plan == "refused":
            cases.refuse_case(
                case=case,
                actor=clerk,
                reason="申请事项依法不需要取得行政许可",
                now=next(step),
            )
            continue
        materials = list(case.materials.all())
        if plan == "notice_given":
            for material in materials[1:]:
                cases.check_material(
                    case=case,
                    code=material.code,
                    check=cases.MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
                    actor=clerk,
                    now=next(step),
                )
            cases.check_material(
                case=case,
                code=materials[0].code,
                check=cases.MaterialCheck(
                    state=MaterialState.WRONG, paper=True, reason="缺少申请人签字"
                ),
                actor=clerk,
                now=next(step),
            )
            cases.give_one_time_notice(case=case, actor=clerk, now=next(step))
            continue
        for material in materials:
            cases.check_material(
                case=case,
                code=material.code,
                check=cases.MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
                actor=clerk,
                now=next(step),
            )
        cases.accept_case(case=case, actor=clerk, now=next(step))
        if plan == "accepted":
            continue
        cases.claim_case(case=case, actor=reviewer, now=next(step))
        if plan == "correction":
            cases.request_correction(
                case=case, actor=reviewer, items=["补充经营场所产权证明"], now=next(step)
            )
            continue
        if plan == "special":
            cases.start_special_procedure(
                case=case,
                actor=reviewer,
                procedure="现场勘查",
                reason="需核实经营场所条件",
                approver=reviewer,
                now=next(step),
            )
            continue
        if plan == "in_review":
            continue
        if plan == "withdrawn":
            cases.request_correction(
                case=case, actor=reviewer, items=["补充卫生管理制度"], now=next(step)
            )
            cases.withdraw_case(
                case=case, actor=clerk, reason="申请人决定暂不办理，申请撤回", now=next(step)
            )
            continue
        if plan == "denied":
            cases.decide(
                case=case,
                actor=reviewer,
                approve=False,
                opinion="经审查，不符合法定条件",
                reasons="经营场所与申请材料所载不一致，现场不具备经营条件",
                now=next(step),
            )
            continue
        cases.decide(
            case=case, actor=reviewer, approve=True, opinion="符合条件，同意", now=next(step)
        )
        if plan == "approved":
            continue
        cases.issue_result(
            case=case, actor=certificate, number=f"DEMO-{case.number}", now=next(step)
        )
        if plan == "result_ready":
            continue
        cases.deliver_result(
            case=case,
            actor=certificate,
            mode="window",
            recipient_name=case.applicant_name,
            recipient_id_number=case.id_number,
            now=next(step),
        )
