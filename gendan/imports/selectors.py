from .models import Import


def import_list(*, user):
    """The imports `user` may see: their own, or everyone's for an administrator; newest first."""
    return Import.objects.visible_to(user).select_related("user").order_by("-pk")
