app_name = "crm"
urlpatterns = []
