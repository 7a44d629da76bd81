"""The hotline pages, under /psych/hotline/ (names ``psych:<name>``)."""

from django.urls import path

from psych import views_hotline as views

urlpatterns = [
    path("", views.lines, name="hotline"),
    path("lines/<int:pk>/roster/", views.line_roster, name="line_roster"),
    path("lines/<int:pk>/shifts/", views.shift_add, name="shift_add"),
    path("shifts/<int:pk>/remove/", views.shift_remove, name="shift_remove"),
    path("calls/", views.call_log, name="call_log"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/handover/", views.call_handover, name="call_handover"),
    path("calls/<int:pk>/safety-plan/", views.call_safety_plan, name="call_safety_plan"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
]
