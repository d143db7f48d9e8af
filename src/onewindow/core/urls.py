from django.urls import path

from onewindow.core import views

app_name = "core"

urlpatterns = [
    path("staff/", views.home, name="home"),
    path("staff/history/<int:content_type_id>/<str:object_id>/", views.history, name="history"),
    path("staff/calendar/", views.calendar_page, name="calendar"),
]
