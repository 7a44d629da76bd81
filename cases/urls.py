from django.urls import path

from cases import views, views_crisis, views_family, views_handoff

app_name = "cases"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("find/", views.find_patient, name="find"),
    path("open/<int:person_pk>/", views.open_case, name="open"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/route.pdf", views.route_pdf, name="route_pdf"),
    path("<int:pk>/needs/", views.assess, name="assess"),
    path("<int:pk>/proposals/", views.accept_proposals, name="accept_proposals"),
    path("<int:pk>/steps/", views.add_step, name="add_step"),
    path("<int:pk>/steps/<int:step_pk>/move/", views.move_step, name="move_step"),
    path("<int:pk>/stay/", views.update_stay, name="update_stay"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/handoffs/", views_handoff.hand_over, name="hand_over"),
    path("<int:pk>/handoffs/<int:handoff_pk>/withdraw/", views_handoff.withdraw, name="withdraw_handoff"),
    path("handoffs/", views_handoff.handoff_list, name="handoffs"),
    path("<int:pk>/consents/", views_family.record_consent, name="record_consent"),
    path("<int:pk>/relatives/calls/", views_family.log_call, name="log_call"),
    path("<int:pk>/documents/", views_family.start_restoration, name="start_restoration"),
    path(
        "<int:pk>/documents/<int:restoration_pk>/application/",
        views_family.record_application,
        name="record_application",
    ),
    path("<int:pk>/documents/<int:restoration_pk>/receipt/", views_family.record_receipt, name="record_receipt"),
    path("<int:pk>/documents/<int:restoration_pk>/cancel/", views_family.cancel_restoration, name="cancel_restoration"),
]
urlpatterns += [
    path("crises/", views_crisis.crises, name="crises"),
    path("<int:pk>/crisis/", views_crisis.mark, name="mark_crisis"),
    path("crises/<int:alert_pk>/answer/", views_crisis.answer, name="answer_crisis"),
    path("crises/<int:alert_pk>/end/", views_crisis.end, name="end_crisis"),
]
