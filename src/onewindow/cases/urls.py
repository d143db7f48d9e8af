from django.urls import path

from onewindow.cases.views import review

app_name = "cases"

urlpatterns = [
    path("review/", review.work_queue, name="review-queue"),
    path("review/<str:number>/", review.case_review, name="review-case"),
    path("review/<str:number>/claim/", review.claim, name="review-claim"),
]
