from django.urls import path

from onewindow.complaints.views import public, staff

app_name = "complaints"

urlpatterns = [
    path("manage/complaints/", staff.complaint_list, name="list"),
    path("manage/complaints/new/", staff.register, name="register"),
    path("manage/complaints/statistics/", staff.statistics, name="statistics"),
    path("manage/complaints/<str:number>/", staff.detail, name="detail"),
    path("complaint/", public.submit, name="public-submit"),
    path("complaint/find/", public.find, name="public-find"),
    path("complaint/confirm/<str:token>/", public.confirm, name="public-confirm"),
    path("complaint/<str:number>/", public.follow, name="public-follow"),
]
