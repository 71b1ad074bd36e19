from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("arcadium.audit.urls")),
    path("", include("telephony.staff.urls")),
    path("", include("telephony.urls")),
    path("", include("telephony.history.urls")),
    path("", include("telephony.callbacks.urls")),
    path("", include("telephony.insights.urls")),
    path("", include("callreports.urls")),
    path("", include("callreports.urls_actions")),
    path("", include("crm.urls")),
]
