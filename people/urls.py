from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/contacts/add/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/permission/", views.contact_permission, name="contact_permission"),
    path("<int:pk>/documents/add/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_pk>/status/", views.document_status, name="document_status"),
    path("<int:pk>/consents/add/", views.consent_give, name="consent_give"),
    path("<int:pk>/consents/<int:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/<slug:tab>/", views.person_detail, name="tab"),
]
