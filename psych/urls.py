from django.urls import include, path

from psych import views

app_name = "psych"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.call_next, name="call_next"),
    path("find/", views.find_client, name="find"),
    path("book/", views.book, name="book"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/<int:pk>/", views.consultation, name="consultation"),
    path("consultations/<int:pk>/move/", views.move, name="move"),
    path("consultations/<int:pk>/finish/", views.finish, name="finish"),
    path("consultations/<int:pk>/note/", views.write_note, name="write_note"),
    path("consultations/<int:pk>/addenda/", views.add_addendum, name="add_addendum"),
    path("consultations/<int:pk>/breach/", views.record_breach, name="record_breach"),
    path("groups/", include("psych.urls_groups")),
    path("hotline/", include("psych.urls_hotline")),
]
