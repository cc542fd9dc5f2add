from django.urls import path

from dangke.contests.views import judging, office, results

app_name = "contests"
urlpatterns = [
    path("", office.index, name="index"),
    path("<int:pk>/", office.detail, name="detail"),
    path("<int:pk>/advance/", office.advance, name="advance"),
    path("<int:pk>/settings/", office.settings, name="settings"),
    path("<int:pk>/entries/add/", office.add_entry, name="add_entry"),
    path("<int:pk>/entries/<int:entry_pk>/", office.entry_materials, name="entry"),
    path("<int:pk>/judges/add/", office.add_judge, name="add_judge"),
    path("<int:pk>/judges/<int:judge_pk>/void/", office.void_sheets, name="void_sheets"),
    path("<int:pk>/conflicts/", office.declare_conflict, name="declare_conflict"),
    path("<int:pk>/assignment/", office.assignment, name="assignment"),
    path("<int:pk>/ranking/", results.ranking, name="ranking"),
    path("<int:pk>/ranking.xlsx", results.ranking_export, name="ranking_export"),
    path("<int:pk>/notice/", results.notice, name="notice"),
    path("<int:pk>/notice/<int:objection_pk>/", results.decide_objection, name="decide_objection"),
    path("<int:pk>/promote/", results.promote, name="promote"),
    path("<int:pk>/hall/", results.hall, name="hall"),
    path("<int:pk>/hall/live/", results.hall_live, name="hall_live"),
    path("certificates/<int:pk>/", results.certificate, name="certificate"),
    # The judge's phone pages: the secret link is the credential.
    path("j/<str:key>/", judging.judge_home, name="judge_home"),
    path("j/<str:key>/<int:pk>/", judging.judge_sheet, name="judge_sheet"),
    path("j/<str:key>/<int:pk>/<str:kind>/", judging.judge_material, name="judge_material"),
]
