from django.urls import path

from onewindow.cases.views import supplement, tracking

app_name = "tracking"

urlpatterns = [
    path("", tracking.track, name="track"),
    path("c/<str:token>/", tracking.case_page, name="case"),
    path("c/<str:token>/supplement/", supplement.supplement, name="supplement"),
    path("c/<str:token>/documents/<str:slug>/pdf/", tracking.document_pdf, name="document-pdf"),
]
