"""Model-level rules of the catalog: constraints and the effective-delegation filter."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from onewindow.catalog.models import (
    Delegation,
    DelegationAgreement,
    Power,
    ServiceItem,
)

D = datetime.date


@pytest.fixture
def item(department):
    return ServiceItem.objects.create(
        department=department, name="食品经营许可", implementation_code="X-1", item_type="1"
    )


def agreement(department, **fields):
    data = {
        "department": department,
        "number": f"SQ-{DelegationAgreement.objects.count() + 1}",
        "title": "授权委托书",
        "delegate": "综合受理窗口",
        "scope": "全部进驻事项",
        "signed_on": D(2026, 1, 5),
        "valid_from": D(2026, 1, 5),
        "valid_until": D(2026, 12, 31),
        "scan": "catalog/agreements/a.pdf",
    }
    data.update(fields)
    return DelegationAgreement.objects.create(**data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "effective"),
    [
        (D(2026, 1, 4), False),  # before it takes effect
        (D(2026, 1, 5), True),  # first day
        (D(2026, 12, 31), True),  # last day
        (D(2027, 1, 1), False),  # expired
    ],
)
def test_delegation_is_effective_only_within_its_agreement(item, department, day, effective):
    d = Delegation.objects.create(item=item, power=Power.RECEIVE, agreement=agreement(department))
    assert d.is_effective_on(day) is effective
    assert Delegation.objects.effective_on(day).filter(pk=d.pk).exists() is effective


@pytest.mark.django_db
def test_delegation_without_signed_agreement_is_not_effective(item, department):
    unsigned = Delegation.objects.create(
        item=item, power=Power.RECEIVE, agreement=agreement(department, scan="")
    )
    bare = Delegation.objects.create(item=item, power=Power.ONE_TIME_NOTICE)
    open_ended = Delegation.objects.create(
        item=item, power=Power.DELIVER_RESULT, agreement=agreement(department, valid_until=None)
    )
    day = D(2030, 6, 1)
    assert list(Delegation.objects.effective_on(day)) == [open_ended]
    assert not unsigned.is_effective_on(day) and not bare.is_effective_on(day)


@pytest.mark.django_db
def test_one_delegation_per_item_and_power(item):
    Delegation.objects.create(item=item, power=Power.RECEIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.create(item=item, power=Power.RECEIVE)


@pytest.mark.django_db
def test_confidential_item_cannot_be_one_window(department):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.create(
            department=department,
            name="涉密事项",
            implementation_code="X-2",
            item_type="1",
            confidential=True,
            one_window=True,
        )


@pytest.mark.django_db
def test_agreement_cannot_end_before_it_starts(department):
    with pytest.raises(IntegrityError), transaction.atomic():
        agreement(department, valid_from=D(2026, 5, 1), valid_until=D(2026, 4, 30))
