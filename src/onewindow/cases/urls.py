from django.urls import path

from onewindow.cases.views import intake, results, review

app_name = "cases"

urlpatterns = [
    path("intake/", intake.pick_item, name="intake-pick"),
    path("intake/new/<int:item_id>/", intake.start, name="intake-start"),
    path("intake/<str:number>/", intake.intake_case, name="intake-case"),
    path("results/", results.results_queue, name="results-queue"),
    path("results/<str:number>/", results.result_case, name="result-case"),
    path("review/", review.work_queue, name="review-queue"),
    path("review/<str:number>/", review.case_review, name="review-case"),
    path("review/<str:number>/claim/", review.claim, name="review-claim"),
]
