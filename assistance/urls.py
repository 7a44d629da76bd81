from django.urls import path

from assistance import field_views, receipts, views

app_name = "assistance"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/auto-assign/", views.auto_assign_all, name="auto_assign"),
    path("queue/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/move/", views.request_move, name="request_move"),
    path("requests/<int:pk>/assign/", views.request_assign, name="request_assign"),
    path("requests/<int:pk>/reassign/", views.request_reassign, name="request_reassign"),
    path("requests/<int:pk>/reschedule/", views.request_reschedule, name="request_reschedule"),
    path("requests/<int:pk>/transfer/", views.request_transfer, name="request_transfer"),
    # the field worker's phone pages
    path("my/", field_views.field_tasks, name="field_tasks"),
    path("my/<int:pk>/", field_views.field_task, name="field_task"),
    path("my/<int:pk>/start/", field_views.field_task_start, name="field_task_start"),
    path("my/<int:pk>/done/", field_views.field_task_done, name="field_task_done"),
    path("my/<int:pk>/failed/", field_views.field_task_failed, name="field_task_failed"),
    # a receipt, for the request's dispatcher and supervisors (journaled; MEDIA_ROOT has no public URL)
    path("receipts/<int:pk>/", receipts.receipt, name="receipt"),
]
