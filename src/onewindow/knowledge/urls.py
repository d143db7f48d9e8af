from django.urls import path

from onewindow.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("ask/", views.ask_page, name="ask"),
    path("ask/answers/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("staff/quick-answers/", views.quick_answers, name="quick-answers"),
    path("manage/answers/", views.answer_list, name="manage-answers"),
    path("manage/answers/new/", views.answer_create, name="manage-answer-create"),
    path("manage/answers/<int:pk>/", views.answer_edit, name="manage-answer-edit"),
    path("manage/answers/<int:pk>/reviewed/", views.answer_reviewed, name="manage-answer-reviewed"),
    path("manage/knowledge-gaps/", views.gap_list, name="manage-gaps"),
    path("manage/knowledge-gaps/<int:pk>/resolve/", views.gap_resolve, name="manage-gap-resolve"),
    path("manage/knowledge/statistics/", views.statistics, name="statistics"),
]
