"""One vocabulary for refused actions.

Field problems are Django's ValidationError; an action the record's state or the
user's rights forbid is an ApplicationError with a stable code. The API maps the latter
to 409 (or 403 for PERMISSION_DENIED), the UI shows its message.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    STALE_VERSION = "stale_version"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INCOMPLETE = "incomplete"
    OVER_QUANTITY = "over_quantity"
    OVER_AMOUNT = "over_amount"
    NOT_EDITABLE = "not_editable"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    QUOTATION_EXPIRED = "quotation_expired"
    OWN_SUBMISSION = "own_submission"
    DUPLICATE_ORDER = "duplicate_order"
    REFUSED_BY_RULE = "refused_by_rule"
    # Changes to a confirmed order (sales.services_changes).
    STALE_CHANGE = "stale_change"
    BELOW_SHIPPED = "below_shipped"
    BELOW_INVOICED = "below_invoiced"
    BELOW_PENDING_SHIPMENT = "below_pending_shipment"
    NO_CHANGE = "no_change"
    # The customer's credit limit (sales.credit).
    CREDIT_LIMIT_EXCEEDED = "credit_limit_exceeded"
    # The last step of the dunning ladder: no further shipment while an invoice is long overdue.
    OVERDUE_HOLD = "overdue_hold"
    # 款到发货: an order whose deposit (an instalment due on confirmation) is due and unpaid does not ship.
    DEPOSIT_UNPAID = "deposit_unpaid"
    # A backup that cannot be taken, or an archive a restore refuses (gendan.core.backups).
    BACKUP_REFUSED = "backup_refused"
    # An import committed before its dry run is over, or with rows in error (gendan.imports).
    IMPORT_NOT_CHECKED = "import_not_checked"
    IMPORT_HAS_ERRORS = "import_has_errors"


class ApplicationError(Exception):
    def __init__(self, message, code: ErrorCode, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    def __str__(self):
        return str(self.message)


class ItemErrors(Exception):
    """A batch service's refusal of some of its items: {the item's position in the batch: its ValidationError or
    ApplicationError}. The service's transaction rolls back: nothing of the batch is kept. The caller may send the
    batch again without them."""

    def __init__(self, by_item: dict[int, Exception]):
        super().__init__(f"{len(by_item)} item(s) of the batch refused")
        self.by_item = by_item
