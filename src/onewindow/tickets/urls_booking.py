from django.urls import path

from onewindow.tickets.views import booking

app_name = "booking"

# "manage" comes first: a hall whose code is "manage" could not have a booking page.
urlpatterns = [
    path("manage/slots/", booking.slots, name="slots"),
    path("<slug:hall_code>/", booking.start, name="start"),
    path("<slug:hall_code>/lookup/", booking.lookup, name="lookup"),
    path("<slug:hall_code>/done/<str:token>/", booking.done, name="done"),
    path("<slug:hall_code>/<int:queue_id>/", booking.book, name="book"),
]
