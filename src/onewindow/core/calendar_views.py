from django.http import HttpRequest, HttpResponse


def calendar_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
