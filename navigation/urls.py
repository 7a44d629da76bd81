from django.urls import path

from navigation import views

app_name = "navigation"
urlpatterns = [
    path("", views.home, name="home"),
    path("find/", views.find_patient, name="find"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/codes/", views.diagnosis_codes, name="codes"),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("referrals/<int:pk>/agree/", views.agree, name="agree"),
    path("referrals/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("journeys/<int:pk>/", views.journey, name="journey"),
    path("journeys/<int:pk>/card.pdf", views.card, name="card"),
]
