from django.urls import path

from onewindow.tickets.views import display as views

app_name = "display"

urlpatterns = [
    path("window/<int:window_id>/", views.window_display, name="window"),
    path("window/<int:window_id>/feed.json", views.window_feed_view, name="window-feed"),
    path("<slug:hall_code>/", views.hall_display, name="hall"),
    path("<slug:hall_code>/feed.json", views.hall_feed, name="hall-feed"),
]
