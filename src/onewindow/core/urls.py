from django.urls import path

from onewindow.core import calendar_views, views

app_name = "core"

urlpatterns = [
    path("staff/", views.home, name="home"),
    path("staff/history/<int:content_type_id>/<str:object_id>/", views.history, name="history"),
    path("staff/calendar/", views.calendar_page, name="calendar"),
    path("staff/calendar/day/", calendar_views.set_day, name="calendar-day-set"),
    path("staff/calendar/day/clear/", calendar_views.clear_day, name="calendar-day-clear"),
    path("staff/calendar/year/", calendar_views.add_year, name="calendar-year-add"),
]
