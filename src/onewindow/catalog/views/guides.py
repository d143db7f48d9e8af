"""Work in progress: views are implemented by the owning change."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


guide_home = search = browse = item_detail = item_print = _todo
