from django.urls import path

from onewindow.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("pad/<str:token>/", views.pad, name="pad"),
    path("pad/<str:token>/state/", views.pad_state, name="pad-state"),
    path("<str:token>/", views.rate_page, name="rate"),
]
