from django.urls import path

from onewindow.evaluations import views_manage as views

app_name = "ratings"

urlpatterns = [
    path("", views.results, name="results"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("mine/", views.my_ratings, name="mine"),
    path("pads/", views.pads, name="pads"),
]
