"""A person's notification preferences: channels per kind of notice, quiet hours."""

urlpatterns = []
