from . import (
    views_comments,
    views_preferences,
    views_responsibility,
    views_rules,
    views_stalled,
    views_tasks,
    views_webhooks,
    views_worklists,
)

app_name = "automation"
urlpatterns = [
    *views_tasks.urlpatterns,
    *views_rules.urlpatterns,
    *views_preferences.urlpatterns,
    *views_stalled.urlpatterns,
    *views_responsibility.urlpatterns,
    *views_worklists.urlpatterns,
    *views_webhooks.urlpatterns,
    *views_comments.urlpatterns,
]
