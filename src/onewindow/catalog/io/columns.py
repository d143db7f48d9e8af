"""The template's tables and columns (docs/catalog-template.md) and how one cell becomes a value.

Table and column names (English keys and Chinese headers) and the Chinese labels of choice
values are part of the file format, not of the interface: they are matched exactly and therefore
not translated.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from onewindow.catalog.models import (
    Answer,
    Audience,
    CorrectionClock,
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
    ReviewPoint,
    Scenario,
    ServiceItem,
    TrustLevel,
)


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    DATE = "date"
    LIST = "list"


# Chinese labels of choice values, as they appear in spreadsheets (code → label).
ITEM_TYPE_LABELS: dict[str, str] = {
    ItemType.LICENSING.value: "行政许可",
    ItemType.PENALTY.value: "行政处罚",
    ItemType.COERCION.value: "行政强制",
    ItemType.LEVY.value: "行政征收",
    ItemType.PAYMENT.value: "行政给付",
    ItemType.INSPECTION.value: "行政检查",
    ItemType.CONFIRMATION.value: "行政确认",
    ItemType.REWARD.value: "行政奖励",
    ItemType.ADJUDICATION.value: "行政裁决",
    ItemType.OTHER_POWER.value: "其他行政权力",
    ItemType.PUBLIC_SERVICE.value: "公共服务",
}
ITEM_TYPE_CODES: dict[str, str] = {code: code for code in ITEM_TYPE_LABELS}
AUDIENCE_LABELS: dict[str, str] = {
    Audience.NATURAL.value: "自然人",
    Audience.LEGAL.value: "法人",
    Audience.BOTH.value: "自然人和法人",
}
HANDLING_KIND_LABELS: dict[str, str] = {
    HandlingKind.IMMEDIATE.value: "即办件",
    HandlingKind.PROMISED.value: "承诺件",
}
CORRECTION_CLOCK_LABELS: dict[str, str] = {
    CorrectionClock.CONTINUE.value: "补正后继续计时",
    CorrectionClock.RESTART.value: "补正后重新计时",
}
ONLINE_DEPTH_LABELS: dict[str, str] = {str(code): str(code) for code in OnlineDepth.values}
RESULT_TYPE_LABELS: dict[str, str] = {
    ResultType.CERTIFICATE.value: "证照",
    ResultType.APPROVAL.value: "批文",
    ResultType.OTHER.value: "其他",
}
STATUS_LABELS: dict[str, str] = {
    ItemStatus.PUBLISHED.value: "在用",
    ItemStatus.SUSPENDED.value: "暂停",
    ItemStatus.RETIRED.value: "已取消",
    ItemStatus.DRAFT.value: "草稿",
}
MEDIUM_LABELS: dict[str, str] = {
    MaterialMedium.PAPER.value: "纸质",
    MaterialMedium.ELECTRONIC.value: "电子",
    MaterialMedium.BOTH.value: "纸质和电子",
}
SOURCE_LABELS: dict[str, str] = {
    MaterialSource.APPLICANT.value: "申请人自备",
    MaterialSource.GOVERNMENT.value: "政府部门核发",
    MaterialSource.INTERMEDIARY.value: "中介机构出具",
    MaterialSource.OTHER.value: "其他",
}
TRUST_LEVEL_LABELS: dict[str, str] = {str(code): str(code) for code in TrustLevel.values}
POWER_LABELS: dict[str, str] = {
    Power.RECEIVE.value: "收件权",
    Power.VERIFY_ORIGINAL.value: "原件核验权",
    Power.ONE_TIME_NOTICE.value: "一次性告知权",
    Power.ACCOUNT_USE.value: "账号使用权",
    Power.DELIVER_RESULT.value: "结果送达权",
}


_TRUE = {"是", "y", "yes", "1", "true", "t", "√"}
_FALSE = {"否", "n", "no", "0", "false", "f", "×"}
_LIST_SPLIT = re.compile(r"[、,，;；\n]+")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_INT = re.compile(r"^\d+$")

# Upper bounds of the integer fields (PositiveSmallIntegerField / PositiveIntegerField).
_INT_MAX = {
    models.PositiveSmallIntegerField: 32767,
    models.PositiveIntegerField: 2147483647,
}


def split_list(text: str) -> list[str]:
    """Cell lists are separated by 、 , or ; (full- or half-width) or line breaks."""
    out: list[str] = []
    for part in _LIST_SPLIT.split(text or ""):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def format_bool(value: bool) -> str:
    return "是" if value else "否"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: Kind = Kind.TEXT
    required: bool = False
    # The model field the column fills; None when the importer handles the column itself.
    field: str | None = None
    # code → Chinese label; a cell may hold either.
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    # Export the code rather than the label (for codes people use: 1/20, 0–4, A–D).
    export_code: bool = False
    allowed: tuple[int, ...] = ()
    max_length: int | None = None
    # How an exported list is joined (any list separator is read back).
    separator: str = "、"


@dataclass(frozen=True)
class Table:
    key: str
    zh: str
    model: type[models.Model]
    columns: tuple[Column, ...]

    @cached_property
    def by_header(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for column in self.columns:
            out[column.key.lower()] = column
            out[column.zh] = column
        return out

    def column_for(self, header: str) -> Column | None:
        header = header.strip()
        return self.by_header.get(header) or self.by_header.get(header.lower())

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def model_field(self, column: Column) -> models.Field[Any, Any] | None:
        if column.field is None:
            return None
        return self.model._meta.get_field(column.field)  # type: ignore[return-value]

    def empty_value(self, column: Column) -> Any:
        """What an empty cell sets: None, the field's default, or blank."""
        if column.kind == Kind.LIST:
            return []
        model_field = self.model_field(column)
        if model_field is None:
            return ""
        if model_field.null:
            return None
        if model_field.has_default():
            return model_field.get_default()
        return ""

    def parse(self, column: Column, raw: str) -> tuple[Any, str | None]:
        """(value, None) or (None, Chinese reason). `raw` is already trimmed."""
        if raw == "":
            if column.required:
                return None, _("This column is required.")
            return self.empty_value(column), None
        model_field = self.model_field(column)
        if column.kind == Kind.TEXT:
            limit = column.max_length or getattr(model_field, "max_length", None)
            if limit and len(raw) > limit:
                return None, _("At most %(n)s characters (this cell has %(m)s).") % {
                    "n": limit,
                    "m": len(raw),
                }
            return raw, None
        if column.kind == Kind.INT:
            if not _INT.match(raw):
                return None, _("“%(value)s” is not a whole number (0 or more).") % {"value": raw}
            number = int(raw)
            if column.allowed and number not in column.allowed:
                return None, _("“%(value)s” is not allowed; use one of %(allowed)s.") % {
                    "value": raw,
                    "allowed": "、".join(str(a) for a in column.allowed),
                }
            upper = _INT_MAX.get(type(model_field), 32767)
            if number > upper:
                return None, _("“%(value)s” is too large (at most %(n)s).") % {
                    "value": raw,
                    "n": upper,
                }
            return number, None
        if column.kind == Kind.BOOL:
            lowered = raw.lower()
            if lowered in _TRUE:
                return True, None
            if lowered in _FALSE:
                return False, None
            return None, _(
                "“%(value)s” is not a yes/no value (use 是/否, Y/N, 1/0 or true/false)."
            ) % {"value": raw}
        if column.kind == Kind.CHOICE:
            for code, label in column.labels.items():
                if raw == label or raw.lower() == str(code).lower():
                    return str(code), None
            return None, _("“%(value)s” is not a valid %(column)s (use %(choices)s).") % {
                "value": raw,
                "column": column.zh,
                "choices": "、".join(dict.fromkeys(column.labels.values())),
            }
        if column.kind == Kind.DATE:
            match = _DATE.match(raw)
            try:
                if not match:
                    raise ValueError
                return datetime.date(*(int(g) for g in match.groups())), None
            except ValueError:
                return None, _("“%(value)s” is not a valid date (use YYYY-MM-DD).") % {"value": raw}
        if column.kind == Kind.LIST:
            return split_list(raw), None
        raise AssertionError(column.kind)  # pragma: no cover

    def format(self, column: Column, value: Any) -> str:
        """A value as the cell text the importer reads back to the same value."""
        if value is None:
            return ""
        if column.kind == Kind.BOOL:
            return format_bool(bool(value))
        if column.kind == Kind.CHOICE:
            if value == "":
                return ""
            return str(value) if column.export_code else column.labels.get(str(value), str(value))
        if column.kind == Kind.DATE:
            return value.isoformat()
        if column.kind == Kind.LIST:
            return column.separator.join(value)
        return str(value)


def _c(key: str, zh: str, kind: Kind = Kind.TEXT, **kw: Any) -> Column:
    kw.setdefault("field", key)
    return Column(key, zh, kind, **kw)


DEPARTMENTS = Table(
    "departments",
    "部门",
    Department,
    (
        _c("department", "部门", required=True, field="name"),
        _c("department_code", "部门代码", Kind.LIST, field=None, separator=";"),
        _c("short_name", "简称"),
        _c("window_location", "窗口位置"),
        _c("phone", "咨询电话"),
        _c("sort_order", "排序", Kind.INT),
    ),
)

AGREEMENTS = Table(
    "agreements",
    "委托书",
    DelegationAgreement,
    (
        _c("agreement_number", "委托书编号", required=True, field="number"),
        _c("department", "委托部门", required=True, field=None, max_length=100),
        _c("title", "标题", required=True),
        _c("delegate", "受托方", required=True),
        _c("scope", "委托范围", required=True),
        _c("rights_and_duties", "权利义务"),
        _c("signed_on", "签订日期", Kind.DATE, required=True),
        _c("valid_from", "生效日期", Kind.DATE, required=True),
        _c("valid_until", "失效日期", Kind.DATE),
    ),
)

# The first eight columns are in the order of the province's published list.
ITEMS = Table(
    "items",
    "事项",
    ServiceItem,
    (
        _c("department", "部门", required=True, field=None, max_length=100),
        _c("group", "所属主项"),
        _c("item_name", "事项名称", required=True, field="name"),
        _c("implementation_code", "实施编码", required=True),
        _c(
            "item_type_code",
            "事项类型代码",
            Kind.CHOICE,
            required=True,
            field="item_type",
            labels=ITEM_TYPE_CODES,
            export_code=True,
        ),
        _c("item_type", "事项类型", Kind.CHOICE, field=None, labels=ITEM_TYPE_LABELS),
        _c("area_code", "行政区划代码"),
        _c("department_code", "部门代码", Kind.LIST, field=None, separator=";"),
        _c("basic_code", "基本编码"),
        _c("handling_code", "业务办理项编码"),
        _c("audience", "服务对象", Kind.CHOICE, labels=AUDIENCE_LABELS),
        _c("implementing_body", "实施机关"),
        _c("legal_basis", "设定和实施依据"),
        _c("conditions", "受理条件"),
        _c("handling_kind", "办件类型", Kind.CHOICE, labels=HANDLING_KIND_LABELS),
        _c("statutory_limit_days", "法定办结时限", Kind.INT),
        _c("promised_limit_days", "承诺办结时限", Kind.INT),
        _c("special_procedures", "特别程序"),
        _c("special_procedures_count", "特别程序计入时限", Kind.BOOL),
        _c("correction_clock", "补正计时方式", Kind.CHOICE, labels=CORRECTION_CLOCK_LABELS),
        _c("fee_required", "是否收费", Kind.BOOL),
        _c("fee_standard", "收费标准"),
        _c("fee_basis", "收费依据"),
        _c("handling_forms", "办理形式"),
        _c(
            "online_depth",
            "网上办理深度",
            Kind.CHOICE,
            labels=ONLINE_DEPTH_LABELS,
            export_code=True,
        ),
        _c("online_url", "网上办理地址"),
        _c("max_visits", "到现场次数", Kind.INT, allowed=(0, 1, 2)),
        _c("visit_reason", "必须到现场原因"),
        _c("in_hall", "是否进驻大厅", Kind.BOOL),
        _c("one_window", "是否一窗办理", Kind.BOOL),
        _c("one_window_exclusion_basis", "未纳入一窗办理的依据"),
        _c("confidential", "是否涉密", Kind.BOOL),
        _c("tongban_scope", "通办范围"),
        _c("place", "办理地点"),
        _c("hours", "办理时间"),
        _c("consult_phone", "咨询方式"),
        _c("complaint_phone", "监督投诉方式"),
        _c("result_name", "结果名称"),
        _c("result_type", "结果类型", Kind.CHOICE, labels=RESULT_TYPE_LABELS),
        _c("result_validity", "结果有效期"),
        _c("delivery_modes", "送达方式"),
        _c("aliases", "别名"),
        _c("status", "状态", Kind.CHOICE, labels=STATUS_LABELS),
    ),
)

_ITEM_CODE = {"field": None, "max_length": 100}

SCENARIOS = Table(
    "scenarios",
    "情形",
    Scenario,
    (
        _c("implementation_code", "实施编码", required=True, **_ITEM_CODE),
        _c("scenario_code", "情形编号", required=True, field="code"),
        _c("scenario_name", "情形名称", required=True, field="name"),
        _c("description", "情形说明"),
        _c("conditions", "适用条件"),
        _c("promised_limit_days", "承诺时限", Kind.INT),
        _c("sort_order", "排序", Kind.INT),
    ),
)

MATERIALS = Table(
    "materials",
    "材料",
    Material,
    (
        _c("implementation_code", "实施编码", required=True, **_ITEM_CODE),
        _c("scenario_code", "情形编号", required=True, field=None, max_length=30),
        _c("material_code", "材料编号", required=True, field="code"),
        _c("material_name", "材料名称", required=True, field="name"),
        _c("required", "是否必须", Kind.BOOL),
        _c("required_note", "必要性说明"),
        _c("originals", "原件份数", Kind.INT),
        _c("copies", "复印件份数", Kind.INT),
        _c("medium", "材料形式", Kind.CHOICE, labels=MEDIUM_LABELS),
        _c("source", "来源渠道", Kind.CHOICE, labels=SOURCE_LABELS),
        _c("source_note", "来源说明"),
        _c("filling_notes", "填报须知"),
        _c("submission", "提交方式"),
        _c("may_defer", "是否容缺", Kind.BOOL),
        _c("defer_days", "容缺补交期限", Kind.INT),
        _c(
            "trust_level",
            "材料可信等级",
            Kind.CHOICE,
            labels=TRUST_LEVEL_LABELS,
            export_code=True,
        ),
        _c("sort_order", "排序", Kind.INT),
    ),
)

REVIEW_POINTS = Table(
    "review_points",
    "审查要点",
    ReviewPoint,
    (
        _c("implementation_code", "实施编码", required=True, **_ITEM_CODE),
        _c("point_code", "要点编号", required=True, field="code"),
        _c("scenario_code", "情形编号", field=None, max_length=30),
        _c("material_code", "材料编号", field=None, max_length=30),
        _c("text", "审查要点", required=True),
        _c("sort_order", "排序", Kind.INT),
    ),
)

QA = Table(
    "qa",
    "答疑",
    Answer,
    (
        _c("implementation_code", "实施编码", **_ITEM_CODE),
        _c("qa_code", "编号", required=True, field="code"),
        _c("question", "问题", required=True),
        _c("answer", "答复", required=True),
        _c("source", "答复依据"),
        _c("reviewed_at", "审核日期", Kind.DATE),
        _c("sort_order", "排序", Kind.INT),
    ),
)

DELEGATIONS = Table(
    "delegations",
    "授权",
    Delegation,
    (
        _c("implementation_code", "实施编码", required=True, **_ITEM_CODE),
        _c("powers", "授权事项", Kind.LIST, field=None),
        _c("agreement_number", "委托书编号", field=None, max_length=60),
    ),
)

# Export order; the importer processes them in dependency order regardless of the file's order.
TABLES: tuple[Table, ...] = (
    ITEMS,
    SCENARIOS,
    MATERIALS,
    REVIEW_POINTS,
    QA,
    DELEGATIONS,
    AGREEMENTS,
    DEPARTMENTS,
)


def table_named(name: str) -> Table | None:
    """The table a sheet or CSV file name refers to (its key or its Chinese name)."""
    name = name.strip()
    for table in TABLES:
        if name.lower() == table.key or name == table.zh:
            return table
    return None


# Words in an item's name that tell who it serves (DOMAIN-RULES §1: 服务对象).
_LEGAL_WORDS = (
    "企业",
    "公司",
    "单位",
    "机构",
    "法人",
    "组织",
    "社会团体",
    "社团",
    "民办非企业",
    "合作社",
    "个体工商户",
    "经营者",
)
_NATURAL_WORDS = (
    "居民",
    "个人",
    "自然人",
    "公民",
    "学生",
    "儿童",
    "少年",
    "老年",
    "残疾人",
    "退役军人",
    "军人",
    "婚姻",
    "生育",
    "出生",
    "死亡",
    "户口",
    "户籍",
    "身份证",
    "居住证",
    "驾驶证",
    "职工",
    "农民",
    "家庭",
    "失业",
    "退休",
    "养老金",
    "低保",
    "特困",
    "建档立卡",
)


def infer_audience(name: str) -> str:
    """Who a new item serves, guessed from its name; the manager can correct it.

    Legal-person words (企业, 公司, 单位 …) → legal; natural-person words (居民, 个人, 学生 …) →
    natural; both or neither → both.
    """
    legal = any(word in name for word in _LEGAL_WORDS)
    natural = any(word in name for word in _NATURAL_WORDS)
    if legal and not natural:
        return Audience.LEGAL
    if natural and not legal:
        return Audience.NATURAL
    return Audience.BOTH
