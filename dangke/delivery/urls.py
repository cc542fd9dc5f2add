from django.urls import path

from dangke.delivery.views import coverage, lessons, orders, plans

app_name = "delivery"
urlpatterns = [
    path("", orders.index, name="index"),
    path("menu/", orders.menu, name="menu"),
    path("orders/", orders.queue, name="queue"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/mine/", orders.my_orders, name="my_orders"),
    path("orders/map/", orders.demand_map, name="demand_map"),
    path("orders/<int:pk>/edit/", orders.order_edit, name="order_edit"),
    path("orders/<int:pk>/withdraw/", orders.order_withdraw, name="order_withdraw"),
    path("plans/", plans.plans, name="plans"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/progress/", plans.plan_progress, name="plan_progress"),
    path("plans/<int:pk>/pin/", plans.plan_pin, name="plan_pin"),
    path("plans/<int:pk>/forbid/", plans.plan_forbid, name="plan_forbid"),
    path("plans/<int:pk>/release/", plans.plan_release, name="plan_release"),
    path("plans/<int:pk>/publish/", plans.plan_publish, name="plan_publish"),
    path("lessons/", lessons.lessons, name="lessons"),
    path("lessons/<int:pk>/", lessons.lesson_detail, name="lesson"),
    path("lessons/<int:pk>/checkin/", lessons.lesson_checkin, name="lesson_checkin"),
    path("lessons/new/", lessons.lesson_create, name="lesson_create"),
    path(
        "lessons/<int:pk>/attendance/",
        lessons.lesson_attendance_list,
        name="lesson_attendance_list",
    ),
    path("lessons/<int:pk>/<str:action>/", lessons.lesson_action, name="lesson_action"),
    path("ical/<str:token>.ics", lessons.ical_feed, name="ical"),
    path("sign/<str:token>/", lessons.sign, name="sign"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("campaigns/", coverage.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", coverage.campaign_detail, name="campaign"),
]
