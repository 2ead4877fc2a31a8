"""The leaders' review of stalled items: overdue or untouched for N days, by stage and person."""

urlpatterns = []
