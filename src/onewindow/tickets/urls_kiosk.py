from django.urls import path

from onewindow.tickets.views import kiosk

app_name = "kiosk"

urlpatterns = [
    path("ticket/<str:token>/", kiosk.status, name="status"),
    path("ticket/<str:token>/print/", kiosk.print_ticket, name="print"),
    path("<slug:hall_code>/", kiosk.start, name="start"),
    path("<slug:hall_code>/elderly/", kiosk.elderly_mode, name="elderly"),
    path("<slug:hall_code>/take/<int:queue_id>/", kiosk.take, name="take"),
    path("<slug:hall_code>/check-in/", kiosk.check_in, name="check-in"),
    path("<slug:hall_code>/issued/<str:token>/", kiosk.issued, name="issued"),
    path("<slug:hall_code>/desk/", kiosk.desk, name="desk"),
]
