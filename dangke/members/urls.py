from django.urls import path

from dangke.members import views

app_name = "members"
urlpatterns = [
    path("", views.index, name="index"),
    path("roster/", views.roster, name="roster"),
    path("years/", views.study_years, name="years"),
    path("years/<int:pk>/", views.study_year, name="year"),
    path("completion/", views.completion_page, name="completion"),
    path("progress/<int:organization_pk>/", views.progress, name="progress"),
    path("rules/", views.rule_edit, name="rules"),
    path("lessons/<int:lesson_pk>/sign-in/", views.lesson_roster, name="lesson_roster"),
    path("collective/", views.collective_list, name="collective"),
    path("collective/new/<int:organization_pk>/", views.collective_new, name="collective_new"),
    path("collective/<int:pk>/review/", views.collective_review, name="collective_review"),
    path("sign-ins/to-check/", views.unresolved_list, name="unresolved"),
    path("classes/", views.class_list, name="classes"),
    path("classes/<int:pk>/", views.class_detail, name="class"),
    path("me/<str:token>/", views.mine, name="mine"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/reissue-link/", views.reissue_link, name="reissue_link"),
]
