"""URLs of the API app's own page: the account page with its personal access tokens.

The JSON API itself is mounted under /api/v1/ by opora/urls.py from opora/api.py.
"""

from django.urls import path

from api import views

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="account_token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
]
