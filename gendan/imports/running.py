"""Where an import's dry run happens: in the request for a small file (the answer carries its errors), in the
worker for a large one (the import says `checking` until it is done). Called by the pages and the API after the
service, outside any transaction, so the worker finds the import committed."""

from django.conf import settings

from .jobs import check_import, commit_import
from .models import Import, ImportStatus
from .services import import_check


def check_soon(imp: Import) -> None:
    if imp.status != ImportStatus.CHECKING:
        return
    if imp.rows_total <= settings.IMPORT_CHECK_IN_REQUEST_ROWS:
        import_check(imp.pk)
    else:
        check_import(imp.pk)


def commit_soon(imp: Import) -> None:
    commit_import(imp.pk)
