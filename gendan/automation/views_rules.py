"""Rule screens: list, edit, switch off, and "which records would this rule hit now?"."""

urlpatterns = []
