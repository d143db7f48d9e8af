from django.urls import path

from onewindow.consult.views import ask, chat, staff

app_name = "consult"

urlpatterns = [
    # Staff: the consultation window, records, online questions, statistics.
    path("consult/", staff.record, name="record"),
    path("consult/records/", staff.records, name="records"),
    path("consult/questions/", staff.question_queue, name="question-queue"),
    path("consult/questions/<str:number>/", staff.question_detail, name="question-detail"),
    path("consult/statistics/", staff.statistics, name="statistics"),
    path("consult/chat/", chat.desk, name="chat-desk"),
    path("consult/chat/duty/", chat.duty, name="chat-duty"),
    path("consult/chat/<int:pk>/", chat.guide_page, name="chat-guide"),
    path("consult/chat/<int:pk>/accept/", chat.accept, name="chat-accept"),
    path("consult/chat/<int:pk>/messages/", chat.guide_messages, name="chat-guide-messages"),
    # Public: 留言咨询 (the `knowledge` app owns /ask/ itself).
    path("ask/question/", ask.ask, name="ask"),
    path("ask/question/confirm/<str:token>/", ask.confirm, name="ask-confirm"),
    path("ask/question/sent/<str:token>/", ask.sent, name="ask-sent"),
    path("ask/question/find/", ask.find, name="ask-find"),
    path("ask/question/<str:number>/", ask.answer, name="ask-answer"),
    # Public: 在线人工客服.
    path("ask/chat/", chat.start, name="chat-start"),
    path("ask/chat/<str:token>/", chat.citizen_page, name="chat"),
    path("ask/chat/<str:token>/messages/", chat.citizen_messages, name="chat-messages"),
]
