"""The public REST API, v1. Paths and field names here are a contract with outside clients."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
