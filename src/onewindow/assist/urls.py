from django.urls import path

from onewindow.assist.views import public, staff

app_name = "assist"

urlpatterns = [
    path("assist/", public.home, name="home"),
    path("assist/request/", public.request_form, name="request"),
    path("assist/request/code/", public.request_code, name="request-code"),
    path("assist/request/done/", public.request_done, name="request-done"),
    path("assist/track/", public.track, name="track"),
    path("assist/workbench/", staff.workbench, name="workbench"),
    path("assist/requests/new/", staff.register, name="register"),
    path("assist/requests/<str:number>/", staff.request_detail, name="request-detail"),
    path("manage/assist/items/", staff.items, name="manage-items"),
    path("manage/assist/items/<int:pk>/", staff.item_edit, name="manage-item"),
    path("manage/assist/requests/", staff.hall_requests, name="manage-requests"),
    path("manage/assist/statistics/", staff.statistics, name="statistics"),
]
