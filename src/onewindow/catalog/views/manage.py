"""Work in progress: views are implemented by the owning change."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


item_list = item_create = item_edit = scenario_edit = material_edit = item_versions = _todo
delegation_matrix = agreement_list = agreement_create = agreement_edit = synonym_list = _todo
