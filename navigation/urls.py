from django.urls import path

from navigation import views, views_appointments, views_journey

app_name = "navigation"
urlpatterns = [
    path("", views.home, name="home"),
    path("find/", views.find_patient, name="find"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/codes/", views.diagnosis_codes, name="codes"),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("referrals/<int:pk>/agree/", views.agree, name="agree"),
    path("referrals/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("journeys/<int:pk>/", views_journey.journey, name="journey"),
    path("journeys/<int:pk>/card.pdf", views.card, name="card"),
    path("journeys/<int:pk>/stage/", views_journey.move_stage, name="move_stage"),
    path("journeys/<int:pk>/steps/", views_journey.step_add, name="step_add"),
    path("journeys/<int:pk>/psychologist/", views_journey.ask_psychologist, name="ask_psychologist"),
    path("journeys/<int:pk>/tcso/", views_journey.ask_tcso, name="ask_tcso"),
    path("journeys/<int:pk>/reassign/", views_journey.reassign, name="reassign"),
    path("journeys/<int:pk>/slots/", views_appointments.slots, name="slots"),
    path("journeys/<int:pk>/book/", views_appointments.book, name="book"),
    path("steps/<int:pk>/done/", views_journey.step_done, name="step_done"),
    path("steps/<int:pk>/skip/", views_journey.step_skip, name="step_skip"),
    path("steps/<int:pk>/delay/", views_journey.step_delay, name="step_delay"),
    path("appointments/<int:pk>/", views_appointments.appointment, name="appointment"),
    path("appointments/<int:pk>/move/", views_appointments.move, name="move"),
    path("appointments/<int:pk>/cancel/", views_appointments.cancel, name="cancel"),
    path("appointments/<int:pk>/outcome/", views_appointments.outcome, name="outcome"),
    path("appointments/<int:pk>/reply/", views_appointments.reply, name="reply"),
    path("calls/<int:pk>/done/", views_journey.call_done, name="call_done"),
]
