from django.urls import path

from onewindow.cases.views import tracking

app_name = "tracking"

urlpatterns = [
    path("", tracking.track, name="track"),
    path("c/<str:token>/", tracking.case_page, name="case"),
]
