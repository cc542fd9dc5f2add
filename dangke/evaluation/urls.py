from django.urls import path

from dangke.evaluation.views import integrity, rate, scores, settings, surveys

app_name = "evaluation"
urlpatterns = [
    path("", surveys.index, name="index"),
    path("lessons/<int:lesson_pk>/open/", surveys.open_for_lesson, name="open_for_lesson"),
    path("classes/<int:class_pk>/open/", surveys.open_for_class, name="open_for_class"),
    path("lessons/<int:lesson_pk>/score/", scores.lesson_score, name="lesson_score"),
    path(
        "lessons/<int:lesson_pk>/score/document.json",
        scores.lesson_score_document,
        name="lesson_score_document",
    ),
    path("classes/<int:class_pk>/score/", scores.class_score, name="class_score"),
    path("courses/<int:pk>/score/", scores.course_score_page, name="course_score"),
    path("teachers/<int:pk>/score/", scores.teacher_score_page, name="teacher_score"),
    path("surveys/<int:pk>/", surveys.survey_detail, name="survey"),
    path("surveys/<int:pk>/poster/", surveys.survey_poster, name="survey_poster"),
    path("surveys/<int:pk>/slide/", surveys.survey_slide, name="survey_slide"),
    path("surveys/<int:pk>/invite/", surveys.survey_invite, name="survey_invite"),
    path("surveys/<int:pk>/invitations/", surveys.invitation_links, name="invitation_links"),
    path("surveys/<int:pk>/close/", surveys.survey_close, name="survey_close"),
    path("surveys/<int:pk>/surplus/", surveys.survey_surplus, name="survey_surplus"),
    path("surveys/<int:pk>/exclude/", integrity.exclude, name="survey_exclude"),
    path("exclusions/<int:pk>/revoke/", integrity.revoke, name="exclusion_revoke"),
    path("surveys/<int:pk>/share/", surveys.follow_up_share, name="follow_up_share"),
    path("comments/", surveys.comments, name="comments"),
    path("comments/<int:pk>/review/", surveys.comment_review, name="comment_review"),
    path("systems/", settings.systems, name="systems"),
    path("systems/<int:pk>/", settings.system_detail, name="system"),
    path("systems/<int:pk>/add/", settings.system_add, name="system_add"),
    path("systems/<int:pk>/remove/<int:node_pk>/", settings.system_remove, name="system_remove"),
    path("systems/<int:pk>/copy/", settings.system_copy, name="system_copy"),
    path("systems/<int:pk>/roles/", settings.system_roles, name="system_roles"),
    path("rules/", settings.rules_page, name="rules"),
    path("rules/<int:pk>/apply/", settings.rule_apply, name="rule_apply"),
    path("rectifications/", settings.rectifications, name="rectifications"),
    path("rectifications/<int:pk>/", settings.rectification_detail, name="rectification"),
    path("proposals/<int:pk>/decide/", settings.proposal_decide, name="proposal_decide"),
    # Public, no login: the rater pages behind QR codes and invitation links.
    path("s/<str:key>/", rate.rate, name="rate"),
    path("i/<str:code>/", rate.rate_invited, name="rate_invited"),
]
