from django.urls import path

from dangke.alliances import views

app_name = "alliances"

urlpatterns = [
    path("", views.alliance_list, name="list"),
    path("<int:pk>/", views.alliance_detail, name="detail"),
    path("<int:pk>/share/", views.share_course, name="share"),
    path("<int:pk>/shares/<int:share_pk>/withdraw/", views.withdraw_share, name="withdraw"),
    path("<int:pk>/exchanges/", views.request_exchange, name="request_exchange"),
    path("<int:pk>/exchanges/<int:exchange_pk>/decide/", views.decide_exchange, name="decide"),
    path("<int:pk>/exchanges/<int:exchange_pk>/end/", views.end_exchange, name="end_exchange"),
    path("<int:pk>/events/", views.hold_event, name="hold_event"),
    path(
        "<int:pk>/events/<int:event_pk>/register/",
        views.register_for_event,
        name="register_for_event",
    ),
    path(
        "<int:pk>/events/<int:event_pk>/attendance/",
        views.record_attendance,
        name="record_attendance",
    ),
    path("<int:pk>/events/<int:event_pk>/", views.event_detail, name="event_detail"),
    path(
        "<int:pk>/events/<int:event_pk>/sessions/",
        views.add_event_session,
        name="add_event_session",
    ),
    path(
        "<int:pk>/events/<int:event_pk>/sessions/<int:session_pk>/remove/",
        views.remove_event_session,
        name="remove_event_session",
    ),
]
