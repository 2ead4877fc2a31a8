"""My tasks, the calendar, the team view, and the notification bell."""

urlpatterns = []
