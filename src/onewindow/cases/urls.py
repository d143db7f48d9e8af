from django.urls import path

from onewindow.cases.views import documents, files, handover, intake, prereview, results, review

app_name = "cases"

urlpatterns = [
    path("intake/", intake.pick_item, name="intake-pick"),
    path("intake/new/<int:item_id>/", intake.start, name="intake-start"),
    path("intake/<str:number>/", intake.intake_case, name="intake-case"),
    path("pre-review/", prereview.queue, name="pre-review-queue"),
    path("files/<int:pk>/", files.case_file, name="file"),
    path("results/", results.results_queue, name="results-queue"),
    path("results/<str:number>/", results.result_case, name="result-case"),
    path("review/", review.work_queue, name="review-queue"),
    path("review/<str:number>/", review.case_review, name="review-case"),
    path("review/<str:number>/claim/", review.claim, name="review-claim"),
    path("documents/<str:number>/<str:slug>/", documents.document_page, name="document"),
    path("documents/<str:number>/<str:slug>/pdf/", documents.document_pdf, name="document-pdf"),
    path("hand-over/", handover.paper_queue, name="handover-queue"),
    path("hand-over/sheets/", handover.hall_sheets, name="handover-sheets"),
    path("hand-over/sheets/<str:number>/", handover.sheet, name="handover-sheet"),
    path("hand-over/incoming/", handover.incoming, name="handover-incoming"),
    path("hand-over/incoming/<str:number>/", handover.receive, name="handover-receive"),
]
