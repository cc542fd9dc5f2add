from django.urls import path

from dangke.broadcast import views

app_name = "broadcast"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("stations/", views.station_list, name="stations"),
    path("schedule/", views.schedule, name="schedule"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:pk>/audio/", views.programme_audio, name="programme_audio"),
]
