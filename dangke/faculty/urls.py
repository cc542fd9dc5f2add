from django.urls import path

from dangke.faculty import development_views, review_views, reward_views, search, views

app_name = "faculty"
urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("new/", views.teacher_create, name="create"),
    path("<int:pk>/", views.teacher_detail, name="detail"),
    path("<int:pk>/edit/", views.teacher_edit, name="edit"),
    path("<int:pk>/status/", views.teacher_status, name="status"),
    path("<int:pk>/photo/", views.teacher_photo, name="photo"),
    path("<int:pk>/career/", views.teacher_career, name="career"),
    path("<int:pk>/development/", development_views.development_page, name="development"),
    path("<int:pk>/trial/", review_views.trial_new, name="trial_new"),
    path("mine/", review_views.mine, name="mine"),
    path("search/options/", search.teacher_options, name="teacher_options"),
    path("review/", review_views.review, name="review"),
    path("review/export/", review_views.review_export, name="review_export"),
    path("review/compute/", review_views.review_compute, name="review_compute"),
    path("quotas/", review_views.quotas, name="quotas"),
    path("rule/", review_views.rule, name="rule"),
    path("proposals/", review_views.proposals, name="proposals"),
    path("proposals/propose/", review_views.propose, name="propose"),
    path("proposals/<int:pk>/decide/", review_views.proposal_decide, name="proposal_decide"),
    path("pool/", review_views.pool, name="pool"),
    path("rewards/", reward_views.funds, name="funds"),
    path("rewards/<int:pk>/", reward_views.fund_detail, name="fund"),
    path("rewards/<int:pk>/allocate/", reward_views.fund_allocate, name="fund_allocate"),
    path("rewards/<int:pk>/approve/", reward_views.fund_approve, name="fund_approve"),
    path("rewards/<int:pk>/export/", reward_views.fund_export, name="fund_export"),
    path(
        "rewards/<int:pk>/certificates/", reward_views.fund_certificates, name="fund_certificates"
    ),
    path(
        "rewards/allocations/<int:pk>/adjust/",
        reward_views.allocation_adjust,
        name="allocation_adjust",
    ),
]
