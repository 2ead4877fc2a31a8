app_name = "fulfillment"
urlpatterns = []
