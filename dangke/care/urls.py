from django.urls import path

from dangke.care.views import counselling, festivals, honours, lodging, rooms

app_name = "care"
urlpatterns = [
    path("", rooms.index, name="index"),
    path("rooms/<int:pk>/", rooms.room, name="room"),
    path("bookings/<int:pk>/cancel/", rooms.cancel, name="cancel"),
    path("rooms/use/", rooms.use, name="use"),
    path("lodging/", lodging.overview, name="lodging"),
    path("stays/<int:pk>/cancel/", lodging.stay_cancel, name="stay_cancel"),
    path("classes/<int:pk>/", lodging.training_class, name="class"),
    path("enrollments/<int:pk>/needs/", lodging.needs, name="needs"),
    path("counselling/", counselling.counselling, name="counselling"),
    path("counselling/ask/", counselling.ask, name="ask"),
    path("counselling/<int:pk>/move/", counselling.move, name="move"),
    path("counselling/add/<str:what>/", counselling.add, name="add"),
    path("talks/<int:pk>/sign-up/", counselling.sign_up, name="sign_up"),
    path("festivals/", festivals.festivals, name="festivals"),
    path("cards/<int:pk>.pdf", festivals.cards, name="cards"),
    path("teachers/<int:pk>/dossier/", honours.teacher_dossier, name="dossier"),
    path("honours/", honours.candidates, name="honours"),
]
