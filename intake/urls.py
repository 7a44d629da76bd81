from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("call", views.screen_pop, name="call"),
    path("call/register", views.register_caller, name="register_caller"),
    path("callbacks", views.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/done", views.callback_done, name="callback_done"),
    path("people/<int:pk>/call", views.person_call, name="person_call"),
    path("interactions/new", views.interaction_create, name="interaction_create"),
]
