from django.urls import path

from onewindow.tickets.views import status

app_name = "hallstatus"

urlpatterns = [
    path("", status.hall_status, name="status"),
]
