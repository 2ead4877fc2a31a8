from django.contrib.auth.backends import ModelBackend

from .roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    """Grants each role its permissions from the code's table, on top of any given in the admin.

    Kept in code rather than synced into groups so a role change takes effect at once and
    a deploy can never leave a group out of step.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = set(ROLE_PERMISSIONS.get(user_obj.role, ())) | super().get_all_permissions(
                user_obj
            )
        return user_obj._role_perm_cache
