from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_saved_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("account/api-tokens/", views.api_tokens_view, name="api_tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("account/saved-views/", views_saved_views.saved_view_create_view, name="saved_view_create"),
    path("account/saved-views/<int:pk>/", views_saved_views.saved_view_update_view, name="saved_view_update"),
    path("account/saved-views/<int:pk>/delete/", views_saved_views.saved_view_delete_view, name="saved_view_delete"),
]
