from django.urls import path

from onewindow.rosters import views

app_name = "rosters"

urlpatterns = [
    path("duty/", views.public, name="public"),
    path("manage/duty/", views.manage, name="manage"),
    path("manage/duty/<int:pk>/", views.edit, name="edit"),
]
