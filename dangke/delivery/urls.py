from django.urls import path

from dangke.delivery import views

app_name = "delivery"
urlpatterns = [
    path("", views.index, name="index"),
    path("menu/", views.menu, name="menu"),
    path("orders/", views.queue, name="queue"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/mine/", views.my_orders, name="my_orders"),
    path("orders/map/", views.demand_map, name="demand_map"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/withdraw/", views.order_withdraw, name="order_withdraw"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/progress/", views.plan_progress, name="plan_progress"),
    path("plans/<int:pk>/pin/", views.plan_pin, name="plan_pin"),
    path("plans/<int:pk>/forbid/", views.plan_forbid, name="plan_forbid"),
    path("plans/<int:pk>/release/", views.plan_release, name="plan_release"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<int:pk>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:pk>/checkin/", views.lesson_checkin, name="lesson_checkin"),
    path("lessons/new/", views.lesson_create, name="lesson_create"),
    path(
        "lessons/<int:pk>/attendance/",
        views.lesson_attendance_list,
        name="lesson_attendance_list",
    ),
    path("lessons/<int:pk>/<str:action>/", views.lesson_action, name="lesson_action"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
    path("sign/<str:token>/", views.sign, name="sign"),
    path("coverage/", views.coverage, name="coverage"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
]
