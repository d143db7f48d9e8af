from django.urls import path

from onewindow.halls.views import manage, staff

app_name = "halls"

urlpatterns = [
    path("", manage.hall_settings, name="settings"),
    path("zones/", manage.zone_list, name="zone-list"),
    path("zones/new/", manage.zone_create, name="zone-create"),
    path("zones/<int:pk>/", manage.zone_edit, name="zone-edit"),
    path("zones/<int:pk>/delete/", manage.zone_delete, name="zone-delete"),
    path("windows/", manage.window_list, name="window-list"),
    path("windows/new/", manage.window_create, name="window-create"),
    path("windows/<int:pk>/", manage.window_edit, name="window-edit"),
    path("windows/<int:pk>/active/", manage.window_set_active, name="window-set-active"),
    path("windows/<int:pk>/release/", manage.window_release, name="window-release"),
    path("windows/<int:pk>/queues/", manage.window_queues, name="window-queues"),
    path("queues/", manage.queue_list, name="queue-list"),
    path("queues/new/", manage.queue_create, name="queue-create"),
    path("queues/<int:pk>/", manage.queue_edit, name="queue-edit"),
    path("queues/defaults/", manage.queue_defaults, name="queue-defaults"),
    path("my-window/", staff.my_window, name="my-window"),
    path("my-window/sign-in/", staff.sign_in, name="my-window-sign-in"),
    path("my-window/sign-out/", staff.sign_out, name="my-window-sign-out"),
    path("my-window/open/", staff.open_window, name="my-window-open"),
    path("my-window/pause/", staff.pause_window, name="my-window-pause"),
    path("my-window/close/", staff.close_window, name="my-window-close"),
]
