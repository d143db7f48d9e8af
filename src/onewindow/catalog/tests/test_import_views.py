"""The manager's import and export page: access, upload, errors shown, downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.catalog.models import Department, ServiceItem
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "sample-catalog"
GOOD = (SAMPLE / "items.csv").read_bytes()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize("url_name", ["catalog:import", "catalog:export"])
def test_only_the_hall_manager_may_import_or_export(any_persona, client_for, url_name):
    response = client_for(any_persona).get(reverse(url_name))
    if any_persona is None:
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    elif any_persona.has_role(Role.HALL_MANAGER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_post_is_refused_to_other_roles(clerk, supervisor, client_for):
    for user in (clerk, supervisor):
        response = client_for(user).post(reverse("catalog:import"), {"file": upload("i.csv", GOOD)})
        assert response.status_code == 403
    assert not ServiceItem.objects.exists()


def test_page_offers_upload_template_and_exports(hall_manager, client_for):
    response = client_for(hall_manager).get(reverse("catalog:import"))
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="dry_run"' in html
    for query in ("format=xlsx", "format=zip", "format=csv", "blank=1"):
        assert query in html


def test_upload_imports_and_shows_the_summary(hall_manager, client_for):
    response = client_for(hall_manager).post(
        reverse("catalog:import"), {"file": upload("items.csv", GOOD)}
    )
    assert response.status_code == 200
    assert ServiceItem.objects.count() == 4
    result = response.context["result"]
    assert result.errors == [] and result.summary["items"].created == 4
    assert 'id="import-result"' in response.content.decode()
    event = AuditEvent.objects.get(action="catalog.import.completed")
    assert event.actor == hall_manager and event.note == "items.csv"


def test_validate_only_writes_nothing(hall_manager, client_for):
    response = client_for(hall_manager).post(
        reverse("catalog:import"), {"file": upload("items.csv", GOOD), "dry_run": "on"}
    )
    assert response.context["result"].dry_run
    assert response.context["result"].summary["items"].created == 4
    assert not ServiceItem.objects.exists()
    assert not Department.objects.exists()


def test_a_broken_file_changes_nothing_and_lists_every_error(hall_manager, client_for):
    broken = GOOD.replace(b",1,\xe8\xa1\x8c\xe6\x94\xbf\xe8\xae\xb8\xe5\x8f\xaf,", b",99,,", 1)
    broken = broken.replace("失业保险金申领".encode(), b"", 1)
    assert broken != GOOD
    response = client_for(hall_manager).post(
        reverse("catalog:import"), {"file": upload("items.csv", broken)}
    )
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert [(e.table, e.row, e.column) for e in errors] == [
        ("items", 2, "item_type_code"),
        ("items", 4, "item_name"),
    ]
    html = response.content.decode()
    assert "事项类型代码" in html and "事项名称" in html and "“99”" in html
    assert not ServiceItem.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_picture_is_one_clear_error_next_to_the_field(hall_manager, client_for):
    response = client_for(hall_manager).post(
        reverse("catalog:import"),
        {"file": upload("catalog.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 50)},
    )
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].errors["file"]
    assert "is-invalid" in response.content.decode()


def test_unsupported_file_type(hall_manager, client_for):
    response = client_for(hall_manager).post(
        reverse("catalog:import"), {"file": upload("catalog.pdf", b"%PDF-1.4")}
    )
    assert response.context["form"].errors["file"]


def test_upload_size_is_limited(hall_manager, client_for, settings):
    settings.MAX_UPLOAD_MB = 1
    big = GOOD + b"\n" * (1024 * 1024)
    response = client_for(hall_manager).post(
        reverse("catalog:import"), {"file": upload("items.csv", big)}
    )
    assert "1" in response.context["form"].errors["file"][0]
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    ("query", "content_type", "suffix"),
    [
        ("format=xlsx", "application/vnd.openxmlformats", ".xlsx"),
        ("format=zip", "application/zip", ".zip"),
        ("format=csv", "text/csv", ".csv"),
        ("format=xlsx&blank=1", "application/vnd.openxmlformats", ".xlsx"),
    ],
)
def test_downloads(hall_manager, client_for, query, content_type, suffix):
    response = client_for(hall_manager).get(reverse("catalog:export") + "?" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and suffix in disposition
    assert len(response.content) > 0


def test_unknown_export_format_is_not_found(hall_manager, client_for):
    response = client_for(hall_manager).get(reverse("catalog:export") + "?format=pdf")
    assert response.status_code == 404
