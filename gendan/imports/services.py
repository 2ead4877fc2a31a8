"""An import's life: uploaded, its columns named, checked by a dry run, committed all or nothing.

The dry run and the commit run every row through the same handler (`rows`), which calls the same service a page
does. The dry run does it inside a transaction that is rolled back at the end; the commit inside one that keeps
everything or, when any row fails, nothing. Each row (an order's rows together) has its own savepoint, so one row's
failure is that row's error and the rows after it are still checked.
"""

import uuid

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import custom_fields as custom
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode, ItemErrors
from gendan.core.services import require_perm

from .columns import COLUMNS, CUSTOM_PREFIX, columns_of, field_choices, headers_key, match_headers
from .models import ColumnMapping, Import, ImportKind, ImportStatus
from .progress import EVERY, progress_clear, progress_set
from .reading import Sheet, read_sheet
from .rows import GROUPED, HANDLERS, KIND_PERMS, SERVICE_KEYS, GroupError, RowContext


class _Refused(Exception):
    def __init__(self, errors):
        self.errors = errors


def _check_kind(kind) -> None:
    if kind == ImportKind.SUPPLIERS:
        raise ValidationError({"kind": [_("Gendan keeps no suppliers yet: there is nothing to import them into.")]})
    if kind not in COLUMNS:
        raise ValidationError(
            {"kind": [_("Choose what to import: %(kinds)s.") % {"kinds": ", ".join(sorted(str(k) for k in COLUMNS))}]}
        )


def _mapping_problems(kind: str, headers: list[str], mapping: dict) -> list[str]:
    """What is wrong with a complete mapping: unknown headers or fields, a field twice, a required field missing."""
    problems = []
    fields = dict(field_choices(kind))
    for header, field_name in mapping.items():
        if header not in headers:
            problems.append(_("The file has no column “%(header)s”.") % {"header": header})
        elif not isinstance(field_name, str) or (field_name and field_name not in fields):
            problems.append(_("“%(field)s” is not a field of this import.") % {"field": field_name})
    chosen = [f for f in mapping.values() if isinstance(f, str) and f]
    for field_name in sorted({f for f in chosen if chosen.count(f) > 1}):
        problems.append(_("Two columns are given to %(field)s: keep one.") % {"field": fields.get(field_name)})
    for column in columns_of(kind):
        if column.required and column.field not in chosen:
            problems.append(_("No column holds %(field)s, which every row needs.") % {"field": fields[column.field]})
    return problems


def mapping_for(kind: str, headers: list[str], given: dict | None) -> tuple[dict, list[str]]:
    """{header: field or ""} as far as it is known, and the headers still unnamed.

    Given by the user first, then the mapping remembered for this set of headers, then by name.
    """
    remembered = ColumnMapping.objects.filter(kind=kind, headers_key=headers_key(headers)).first()
    mapping = {**match_headers(kind, headers), **(remembered.mapping if remembered else {}), **(given or {})}
    mapping = {h: f for h, f in mapping.items() if h in headers or h in (given or {})}
    return mapping, [h for h in headers if h not in mapping]


def import_create(*, actor, kind: str, upload, mapping: dict | None = None, ask_mapping: bool = False) -> Import:
    """The uploaded file as a new import, its columns named, ready for its dry run (`import_check`).

    A column neither recognised nor named in `mapping` is a field error on `mapping`, unless `ask_mapping` (the
    pages): then the import waits in `mapping` for the user to name it.
    """
    _check_kind(kind)
    require_perm(actor, KIND_PERMS[kind])
    if mapping is not None and not (isinstance(mapping, dict) and all(isinstance(k, str) for k in mapping)):
        raise ValidationError({"mapping": [_("Send an object of column header → field name.")]})
    data = upload.read()
    sheet = read_sheet(data)
    resolved, unnamed = mapping_for(kind, sheet.headers, mapping)
    if unnamed and not ask_mapping:
        raise ValidationError(
            {
                "mapping": [
                    _('Name these columns in `mapping` (a field, or "" to leave one out): %(headers)s.')
                    % {"headers": ", ".join(unnamed)}
                ]
            }
        )
    if not unnamed and (problems := _mapping_problems(kind, sheet.headers, resolved)):
        raise ValidationError({"mapping": problems})
    with transaction.atomic():
        imp = Import(
            user=actor,
            kind=kind,
            status=ImportStatus.MAPPING if unnamed else ImportStatus.CHECKING,
            file_name=(getattr(upload, "name", "") or "upload")[:200],
            headers=sheet.headers,
            mapping=resolved,
            rows_total=len(sheet.rows),
        )
        imp.file.save(f"{uuid.uuid4().hex}.dat", ContentFile(data), save=False)
        imp.save()
        if mapping and not unnamed:
            _remember(imp)
        events.record(actor, "import.uploaded", imp, data={"kind": kind, "rows": imp.rows_total, "file": imp.file_name})
    return imp


def _remember(imp: Import) -> None:
    ColumnMapping.objects.update_or_create(
        kind=imp.kind, headers_key=headers_key(imp.headers), defaults={"mapping": imp.mapping}
    )


def _own(imp: Import, actor) -> Import:
    """The import locked, if `actor` may act on it (its creator, or an administrator)."""
    locked = Import.objects.visible_to(actor).select_for_update().filter(pk=imp.pk).first()
    if locked is None:
        raise Import.DoesNotExist
    return locked


@transaction.atomic
def import_map(*, imp: Import, actor, mapping: dict) -> Import:
    """The user names the columns the import did not recognise; the import then waits for its dry run."""
    imp = _own(imp, actor)
    if imp.status != ImportStatus.MAPPING:
        raise ApplicationError(_("The columns of this import are already named."), ErrorCode.TRANSITION_NOT_ALLOWED)
    complete = {h: mapping.get(h, imp.mapping.get(h)) for h in imp.headers}
    missing = [h for h, f in complete.items() if f is None]
    if missing:
        raise ValidationError({"mapping": [_("Name every column: %(headers)s.") % {"headers": ", ".join(missing)}]})
    if problems := _mapping_problems(imp.kind, imp.headers, complete):
        raise ValidationError({"mapping": problems})
    imp.mapping, imp.status = complete, ImportStatus.CHECKING
    imp.save(update_fields=["mapping", "status", "updated_at"])
    _remember(imp)
    return imp


def _row_errors(exc, row: int, column_of: dict) -> list[dict]:
    if isinstance(exc, ApplicationError):
        return [{"row": row, "column": "", "message": str(exc.message)}]
    if not hasattr(exc, "error_dict"):
        return [{"row": row, "column": "", "message": m} for m in exc.messages]
    found = []
    for key, messages in exc.message_dict.items():
        field_name = SERVICE_KEYS.get(key, key)
        if field_name.startswith(f"{custom.FIELD}."):
            field_name = CUSTOM_PREFIX + field_name.removeprefix(f"{custom.FIELD}.")
        column = "" if key == NON_FIELD_ERRORS else column_of.get(field_name, "")
        found += [{"row": row, "column": column, "message": m} for m in messages]
    return found


def _groups(imp: Import, sheet: Sheet) -> list[list[tuple[int, dict]]]:
    """The file's rows as the handler takes them, each row's values by field: one by one, or, for a kind whose rows
    come in groups (an order's lines), the rows of each key together, in the order of their first rows."""
    rows = [(row, {f: raw.get(h, "") for h, f in imp.mapping.items() if f}) for row, raw in sheet.rows]
    if imp.kind not in GROUPED:
        return [[item] for item in rows]
    key_field = GROUPED[imp.kind][0]
    groups: dict = {}
    for row, values in rows:
        key = str(values.get(key_field, "")).strip()
        # A row without its key is a group of its own: the handler says what it lacks.
        groups.setdefault(key or ("", row), []).append((row, values))
    return list(groups.values())


# How many groups (orders) a grouped kind's writer takes at once: a statement per table for each batch.
BATCH = 100


def _run(imp: Import, sheet: Sheet) -> tuple[list[dict], list[int]]:
    """Every row (or batch of groups of rows) through its handler, each in a savepoint, in the caller's transaction:
    the errors, the ids made."""
    ctx = RowContext(actor=imp.user, import_id=imp.pk)
    column_of = {f: h for h, f in imp.mapping.items() if f}
    errors, made, done = [], [], 0

    def refused(exc, row):
        nonlocal errors
        if isinstance(exc, GroupError):
            for at, problem in exc.by_row:
                errors += _row_errors(problem, at, column_of)
        else:
            errors += _row_errors(exc, row, column_of)

    groups = _groups(imp, sheet)
    with custom.definitions_memo():
        if imp.kind in GROUPED:
            _key, read, write = GROUPED[imp.kind]
            for start in range(0, len(groups), BATCH):
                batch = groups[start : start + BATCH]
                specs = []
                for group in batch:
                    try:
                        specs.append((group[0][0], read(ctx, group)))
                    except (GroupError, ValidationError, ApplicationError) as exc:
                        refused(exc, group[0][0])
                made += _write_batch(ctx, write, specs, refused)
                done += sum(len(group) for group in batch)
                progress_set(imp.pk, done)
        else:
            handler = HANDLERS[imp.kind]
            for group in groups:
                first_row = group[0][0]
                try:
                    with transaction.atomic():
                        made.append(handler(ctx, group[0][1], first_row).pk)
                except (ValidationError, ApplicationError) as exc:
                    refused(exc, first_row)
                except IntegrityError:
                    refused(ValidationError(_conflict()), first_row)
                before, done = done, done + 1
                if done // EVERY != before // EVERY:
                    progress_set(imp.pk, done)
    # In the order of the file, whatever order the groups were checked in.
    errors.sort(key=lambda error: error["row"])
    return errors, made


def _conflict() -> str:
    # The checks passed, but a record saved meanwhile took the same code (two imports, or someone typing): the
    # database's constraint refused it. A row error, never a job left half-way.
    return _("A record saved meanwhile conflicts with this row.")


def _write_batch(ctx, write, specs: list[tuple[int, object]], refused) -> list[int]:
    """The specs written by `write` in one savepoint: the ids made. A spec the writer refuses is told and left out,
    and the rest written again; a conflict the database finds is looked for spec by spec."""
    while specs:
        try:
            with transaction.atomic():
                return [record.pk for record in write(ctx, [spec for _row, spec in specs])]
        except ItemErrors as exc:
            for position, problem in exc.by_item.items():
                refused(problem, specs[position][0])
            specs = [spec for position, spec in enumerate(specs) if position not in exc.by_item]
        except IntegrityError:
            if len(specs) == 1:
                refused(ValidationError(_conflict()), specs[0][0])
                return []
            return [pk for spec in specs for pk in _write_batch(ctx, write, [spec], refused)]
    return []


def _sheet_of(imp: Import) -> Sheet:
    with imp.file.open("rb") as stored:
        return read_sheet(stored.read())


def import_check(import_id: int) -> None:
    """The dry run: every row through the services, then all of it rolled back; the import keeps the errors.

    Safe to run twice: only an import still `checking` is checked.
    """
    imp = Import.objects.select_related("user").filter(pk=import_id, status=ImportStatus.CHECKING).first()
    if imp is None:
        return
    sheet = _sheet_of(imp)
    if imp.user.has_perm(KIND_PERMS[imp.kind]):
        # A batch, as at commit, left by an exception: everything rolls back, and the rows' events, held until the
        # batch's end, are never written at all.
        try:
            with events.batch():
                raise _Refused(_run(imp, sheet)[0])
        except _Refused as dry:
            errors = dry.errors
    else:
        errors = [{"row": 0, "column": "", "message": _("You are no longer allowed to import these records.")}]
    with transaction.atomic():
        checked = Import.objects.filter(pk=import_id, status=ImportStatus.CHECKING).update(
            status=ImportStatus.CHECKED,
            errors=errors,
            error_count=len(errors),
            rows_done=len(sheet.rows),
            updated_at=timezone.now(),
        )
        if checked:
            events.record(imp.user, "import.checked", imp, data={"rows": len(sheet.rows), "errors": len(errors)})
    progress_clear(import_id)


@transaction.atomic
def import_commit(*, imp: Import, actor) -> Import:
    """Asks for the commit of a checked import without errors; the worker does it (`import_commit_run`)."""
    imp = _own(imp, actor)
    if imp.status != ImportStatus.CHECKED:
        raise ApplicationError(
            _("This import cannot be committed now: it is %(status)s.") % {"status": imp.get_status_display()},
            ErrorCode.IMPORT_NOT_CHECKED,
            {"status": imp.status},
        )
    if imp.errors:
        raise ApplicationError(
            _("Rows of this file have errors: correct the file and upload it again. Nothing is imported in part."),
            ErrorCode.IMPORT_HAS_ERRORS,
            {"errors": len(imp.errors)},
        )
    require_perm(actor, KIND_PERMS[imp.kind])
    imp.status, imp.rows_done = ImportStatus.COMMITTING, 0
    imp.save(update_fields=["status", "rows_done", "updated_at"])
    events.record(actor, "import.commit_requested", imp, data={"rows": imp.rows_total})
    return imp


def import_commit_run(import_id: int) -> None:
    """The commit, in the worker: every row or none, and the import done or failed with it.

    Safe to run twice: the import's row is locked and only one still `committing` is run; the second run finds it
    done (or failed) and leaves.
    """
    with events.batch():
        imp = Import.objects.select_for_update().select_related("user").filter(pk=import_id).first()
        if imp is None or imp.status != ImportStatus.COMMITTING:
            return
        sheet = _sheet_of(imp)
        try:
            if not imp.user.has_perm(KIND_PERMS[imp.kind]):
                raise _Refused(
                    [{"row": 0, "column": "", "message": _("You are no longer allowed to import these records.")}]
                )
            with transaction.atomic():
                errors, made = _run(imp, sheet)
                if errors:
                    raise _Refused(errors)
        except _Refused as refused:
            imp.status, imp.errors, imp.error_count, imp.rows_done = (
                ImportStatus.FAILED,
                refused.errors,
                len(refused.errors),
                0,
            )
            events.record(imp.user, "import.failed", imp, data={"errors": len(refused.errors)})
        else:
            imp.status, imp.rows_done = ImportStatus.DONE, len(made)
            imp.result = {"created": len(made), "ids": made[:1000]}
            events.record(imp.user, "import.done", imp, data={"created": len(made)})
        imp.finished_at = timezone.now()
        imp.save(update_fields=["status", "errors", "error_count", "rows_done", "result", "finished_at", "updated_at"])
    progress_clear(import_id)
