"""Demo complaints for the demo hall: every channel and every step, made through the services.

Call after `onewindow.demo.setup_demo` (it needs the demo hall, departments and accounts).
Idempotent: a hall that has complaints already gets none more.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from onewindow.complaints import services
from onewindow.complaints.models import Complaint

# (days ago, channel, name, phone, content, cause, department, item name, step, satisfaction)
# step: how far it got — "registered", "assigned", "handling", "replied", "closed", "reopened".
DEMO_COMPLAINTS = [
    (
        1,
        "window",
        "张德明",
        "13880001001",
        "办理个体工商户变更登记，窗口说还缺一份房屋租赁证明，可上次来时并没有告知。",
        "unclear_materials",
        "区行政审批局",
        "个体工商户变更登记（备案）",
        "registered",
        "",
    ),
    (
        2,
        "hotline",
        "李秀英",
        "13880001002",
        "12345转办：群众反映办理预包装食品经营备案变更时，市监局和审批局互相让她去对方窗口问。",
        "buck_passing",
        "区市监局",
        "仅销售预包装食品经营者备案信息变更",
        "assigned",
        "",
    ),
    (
        12,
        "phone",
        "王建国",
        "13880001003",
        "申请建筑工程施工许可证已超过承诺时限，至今没有结果，也没人通知。",
        "overdue",
        "区住建局",
        "建筑工程施工许可证核发",
        "handling",
        "",
    ),
    (
        6,
        "web",
        "赵丽华",
        "13880001004",
        "网上申请提交后系统一直显示提交中，连续三天无法办理。",
        "system_fault",
        "区行政审批局",
        "",
        "replied",
        "",
    ),
    (
        9,
        "window",
        "陈志强",
        "13880001005",
        "窗口工作人员态度生硬，没有解释为什么不能受理。",
        "attitude",
        "区行政审批局",
        "个体工商户变更登记（备案）",
        "closed",
        "satisfied",
    ),
    (
        12,
        "hotline",
        "刘桂芳",
        "13880001006",
        "12345转办：工伤职工异地就医申请在大厅办不了，被告知要回原单位。",
        "policy",
        "区人社局",
        "工伤异地就医申请",
        "closed",
        "basically",
    ),
    (
        8,
        "window",
        "杨光明",
        "13880001007",
        "个体户注销需要税务清税证明，税务窗口说要先办市场主体注销，来回跑了三次。",
        "buck_passing",
        "区市监局",
        "",
        "reopened",
        "dissatisfied",
    ),
    (
        20,
        "phone",
        "黄晓燕",
        "13880001008",
        "申请施工许可证变更时窗口要求提供的材料清单和网上公布的不一致。",
        "unclear_materials",
        "区住建局",
        "建筑工程施工许可证变更",
        "handling",
        "",
    ),
]
REPLIES = {
    "unclear_materials": "已核实，材料清单以办事指南为准，已请窗口一次性告知并为您预约办理。",
    "buck_passing": "已协调两部门在综合窗口一次办结，并明确首问负责。",
    "overdue": "已督促审批部门加快办理，并电话告知您办理进度。",
    "system_fault": "系统故障已修复，已为您重新提交并进入预审。",
    "attitude": "已对窗口人员进行批评教育，并安排专人为您办理。",
    "policy": "经核实政策确有规定，已为您说明原因并提供线上备案渠道。",
}


def install_demo(*, stdout: Any = None) -> int:
    """Create the demo complaints; returns how many were made (0 when they exist already)."""
    from onewindow.accounts.models import User
    from onewindow.catalog.models import Department, ServiceItem
    from onewindow.halls.models import Hall, Window

    hall = Hall.objects.filter(code="guangan").first()
    if hall is None or Complaint.objects.filter(hall=hall).exists():
        return 0
    handler = User.objects.filter(username="complaints").first()
    manager = User.objects.filter(username="manager").first()
    reviewers = {
        u.department.name: u
        for u in User.objects.filter(username__in=["reviewer", "reviewer2"]).select_related(
            "department"
        )
        if u.department_id
    }
    window = Window.objects.filter(hall=hall, kind="complaint").first()
    now = timezone.now()
    made = 0
    for n, row in enumerate(DEMO_COMPLAINTS, start=1):
        days, channel, name, phone, content, cause, dept_name, item_name, step, satisfaction = row
        at = now - datetime.timedelta(days=days, hours=2)
        department = Department.objects.filter(name=dept_name).first()
        item = ServiceItem.objects.filter(name=item_name).first() if item_name else None
        complaint = services.register_complaint(
            hall=hall,
            channel=channel,
            complainant=services.Complainant(name=name, phone=phone),
            content=content,
            cause=cause,
            links=services.Links(item=item, window=window if channel == "window" else None),
            hotline_number=f"GA12345-{at:%Y%m%d}-{n:04d}" if channel == "hotline" else "",
            actor=None if channel in ("hotline", "web") else handler,
            now=at,
        )
        made += 1
        if step == "registered" or department is None:
            continue
        # The department's own reviewer where the demo has one, else the complaint window.
        person = reviewers.get(dept_name) or handler
        at += datetime.timedelta(hours=1)
        services.assign_complaint(
            complaint=complaint, department=department, handler=person, actor=handler, now=at
        )
        if step == "assigned" or person is None:
            continue
        at += datetime.timedelta(hours=20)
        services.start_handling(complaint=complaint, actor=person, now=at)
        if step == "handling":
            continue
        at += datetime.timedelta(days=2)
        services.reply_to_complainant(
            complaint=complaint, reply=REPLIES[cause], actor=person, now=at
        )
        if satisfaction:
            services.record_satisfaction(
                complaint=complaint, satisfaction=satisfaction, actor=person, now=at
            )
        if step == "closed":
            services.close_complaint(complaint=complaint, actor=person, now=at)
        elif step == "reopened":
            at += datetime.timedelta(hours=3)
            services.reopen_complaint(
                complaint=complaint, actor=manager, note="群众仍不满意，督促再次协调", now=at
            )
    escalated = services.escalate_overdue()
    if stdout is not None:
        stdout.write(f"Demo complaints: {made} ({len(escalated)} escalated as overdue).\n")
    return made
