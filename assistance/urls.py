from django.urls import path

from assistance import views

app_name = "assistance"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/auto-assign/", views.auto_assign_all, name="auto_assign"),
    path("queue/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/move/", views.request_move, name="request_move"),
    path("requests/<int:pk>/assign/", views.request_assign, name="request_assign"),
    path("requests/<int:pk>/transfer/", views.request_transfer, name="request_transfer"),
]
