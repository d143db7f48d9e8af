from django.urls import path

from onewindow.cases.views import apply

app_name = "apply"

urlpatterns = [
    path("", apply.choose_item, name="start"),
    path("items/<int:item_id>/", apply.choose_scenario, name="scenario"),
    path("d/<str:token>/applicant/", apply.applicant, name="applicant"),
    path("d/<str:token>/phone/", apply.phone, name="phone"),
    path("d/<str:token>/materials/", apply.materials, name="materials"),
    path("d/<str:token>/done/", apply.done, name="done"),
]
