from django.urls import path

from onewindow.tickets.views import workstation

app_name = "workstation"

urlpatterns = [
    path("", workstation.page, name="page"),
    path("side/", workstation.side, name="side"),
    path("call-next/", workstation.call_next, name="call-next"),
    path("window/pause/", workstation.pause_window, name="pause"),
    path("window/open/", workstation.open_window, name="open"),
    path("tickets/<int:pk>/call/", workstation.call_ticket, name="call"),
    path("tickets/<int:pk>/recall/", workstation.recall, name="recall"),
    path("tickets/<int:pk>/no-show/", workstation.no_show, name="no-show"),
    path("tickets/<int:pk>/reactivate/", workstation.reactivate, name="reactivate"),
    path("tickets/<int:pk>/start/", workstation.start, name="start"),
    path("tickets/<int:pk>/finish/", workstation.finish, name="finish"),
    path("tickets/<int:pk>/transfer/", workstation.transfer, name="transfer"),
    path("tickets/<int:pk>/park/", workstation.park, name="park"),
    path("tickets/<int:pk>/resume/", workstation.resume, name="resume"),
]
