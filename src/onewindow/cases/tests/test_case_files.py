"""A case's files are streamed only to staff who may see the case, never from /media/."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases import services
from onewindow.cases.models import CaseFile
from onewindow.cases.tests.factories import make_case_item, person
from onewindow.cases.tests.online_helpers import PDF, png, upload

pytestmark = pytest.mark.django_db


def consume(response: Any) -> bytes:
    # Reading a streamed response to the end closes its file (the test client's way; calling
    # close() directly would also close the test's database connection).
    return b"".join(response.streaming_content)


@pytest.fixture
def case_file(department: Any, hall: Any, clerk: Any) -> CaseFile:
    setup = make_case_item(department, name="食品经营许可")
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
    )
    return services.attach_file(
        case=case, material_code="M01", upload=upload("申请表（签字）.pdf", PDF), actor=clerk
    )


# Who may open the file: clerks, helpers (who receive applications as the applicant's agent) and
# certificate clerks of the case's hall, reviewers of its department. Everyone else: anonymous →
# sign in; other staff → 403; other hall/department → 404.
SEES = {Role.CLERK, Role.HELPER, Role.REVIEWER, Role.CERTIFICATE_CLERK}
NO_CASE_RIGHTS = {
    Role.GUIDE,
    Role.COMPLAINT_HANDLER,
    Role.HALL_MANAGER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
}


def test_each_role(case_file: CaseFile, any_persona: Any, client_for: Any):
    response = client_for(any_persona).get(reverse("cases:file", args=[case_file.pk]))
    if any_persona is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    role = next(r for r in Role if any_persona.has_role(r))
    if role in SEES:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline;")
        assert "filename" in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == PDF
    else:
        assert role in NO_CASE_RIGHTS
        assert response.status_code == 403


def test_other_hall_and_other_department_do_not_see_it(
    case_file: CaseFile,
    make_user: Any,
    other_hall: Any,
    reviewer_other_department: Any,
    client_for: Any,
):
    url = reverse("cases:file", args=[case_file.pk])
    for user in (
        make_user(Role.CLERK, hall=other_hall),
        make_user(Role.CERTIFICATE_CLERK, hall=other_hall),
        reviewer_other_department,
    ):
        assert client_for(user).get(url).status_code == 404


def test_a_reviewer_sees_files_of_the_department_wherever_received(
    case_file: CaseFile, make_user: Any, other_hall: Any, department: Any, client_for: Any
):
    reviewer = make_user(Role.REVIEWER, hall=other_hall, department=department)
    response = client_for(reviewer).get(reverse("cases:file", args=[case_file.pk]))
    assert response.status_code == 200
    consume(response)


def test_download_and_image_headers(case_file: CaseFile, clerk: Any, client_for: Any):
    client = client_for(clerk)
    response = client.get(reverse("cases:file", args=[case_file.pk]) + "?download=1")
    assert response["Content-Disposition"].startswith("attachment;")
    consume(response)
    # The stored extension comes from the content: a PNG named .pdf downloads as .png.
    picture = services.attach_file(
        case=case_file.case, material_code="M02", upload=upload("执照.pdf", png()), actor=clerk
    )
    response = client.get(reverse("cases:file", args=[picture.pk]))
    assert response["Content-Type"] == "image/png"
    assert (
        ".png" in response["Content-Disposition"] and ".pdf" not in response["Content-Disposition"]
    )
    assert "sandbox" in response["Content-Security-Policy"]
    consume(response)


def test_case_files_are_never_served_from_media(case_file: CaseFile, clerk: Any, client_for: Any):
    name = case_file.file.name
    assert name.startswith("cases/files/")
    for client in (client_for(None), client_for(clerk)):
        for path in (name, f"./{name}", f"catalog/../{name}", f"catalog/agreements/../../{name}"):
            assert client.get(f"/media/{path}").status_code == 404, path
