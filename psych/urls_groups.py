"""Support groups' pages, mounted under /psych/groups/ in the ``psych`` namespace."""

from django.urls import path

from psych import views_groups

urlpatterns = [
    path("", views_groups.group_list, name="groups"),
    path("new/", views_groups.group_create, name="group_create"),
    path("<int:pk>/", views_groups.group_detail, name="group_detail"),
    path("<int:pk>/change/", views_groups.group_change, name="group_change"),
    path("<int:pk>/members/add/", views_groups.group_add_member, name="group_add_member"),
    path("<int:pk>/members/<int:member_pk>/remove/", views_groups.group_remove_member, name="group_remove_member"),
    path("<int:pk>/sessions/<int:session_pk>/", views_groups.session_attendance, name="session_attendance"),
    path("<int:pk>/sessions/<int:session_pk>/cancel/", views_groups.session_cancel, name="session_cancel"),
]
