"""The use cases, one module per family. The command line, the Celery tasks and the web app all
call these, so a policy holds whatever the entry point; none of them writes SQL (the store does).

- :mod:`~publisher.services.appeals`: import, create, edit, update, resolve, withdraw, and the
  gate an appeal passes before it goes out (not withdrawn, approved, no accessibility or safety
  errors);
- :mod:`~publisher.services.approvals`: the two-person rule: approve a revision, or (an admin)
  approve it urgently with a reason;
- :mod:`~publisher.services.history`: what changed from one revision of an appeal to another;
- :mod:`~publisher.services.scheduling`: schedule, publish now, claim what is due;
- :mod:`~publisher.services.publishing`: publish one claimed delivery;
- :mod:`~publisher.services.operations`: retry, cancel, confirm, re-enable, reconcile;
- :mod:`~publisher.services.status`: the deliveries, heartbeats and health;
- :mod:`~publisher.services.build`: the static build from files.
"""

from __future__ import annotations

from publisher.domain.delivery import PART_DELETE, PART_MAIN, PART_UPDATE, backoff
from publisher.services._common import Clock
from publisher.services.appeals import (
    AppealSummary,
    Edit,
    Readiness,
    RevisionSummary,
    check_ready,
    check_schedulable,
    create_appeal,
    current_appeal,
    edit_appeal,
    import_appeal,
    lint_findings,
    list_appeals,
    mark_translation_current,
    planned_deletions,
    resolve_appeal,
    revisions,
    update_appeal,
    withdraw_appeal,
)
from publisher.services.approvals import (
    ApprovalStatus,
    Approved,
    approval_status,
    approve,
    approve_on_command_line,
    approve_urgently,
)
from publisher.services.history import (
    DiffLine,
    RevisionDiff,
    diff_lines,
    revision_diff,
    revision_text,
)
from publisher.services.operations import (
    ReconcileReport,
    cancel,
    confirm,
    enable_channel,
    reconcile,
    retry,
)
from publisher.services.publishing import publish_deliveries, publish_delivery
from publisher.services.scheduling import (
    Publication,
    batches,
    dispatch_due,
    publish_everywhere,
    publish_now,
    reschedule,
    schedule,
)
from publisher.services.status import (
    DISPATCHER_HEARTBEAT,
    AttemptView,
    AuditEntry,
    AuditPage,
    AuditView,
    ChannelStatusView,
    DeliveryDetail,
    DeliveryView,
    LedgerFigures,
    StatusReport,
    audit_log,
    channel_statuses,
    delivery_detail,
    find_deliveries,
    ledger_figures,
    list_deliveries,
    record_heartbeat,
    system_status,
)

__all__ = [
    "DISPATCHER_HEARTBEAT",
    "PART_DELETE",
    "PART_MAIN",
    "PART_UPDATE",
    "AppealSummary",
    "ApprovalStatus",
    "Approved",
    "AttemptView",
    "AuditEntry",
    "AuditPage",
    "AuditView",
    "ChannelStatusView",
    "Clock",
    "DeliveryDetail",
    "DeliveryView",
    "DiffLine",
    "Edit",
    "LedgerFigures",
    "Publication",
    "Readiness",
    "ReconcileReport",
    "RevisionDiff",
    "RevisionSummary",
    "StatusReport",
    "approval_status",
    "approve",
    "approve_on_command_line",
    "approve_urgently",
    "audit_log",
    "backoff",
    "batches",
    "cancel",
    "channel_statuses",
    "check_ready",
    "check_schedulable",
    "confirm",
    "create_appeal",
    "current_appeal",
    "delivery_detail",
    "diff_lines",
    "dispatch_due",
    "edit_appeal",
    "enable_channel",
    "find_deliveries",
    "import_appeal",
    "ledger_figures",
    "lint_findings",
    "list_appeals",
    "list_deliveries",
    "mark_translation_current",
    "planned_deletions",
    "publish_deliveries",
    "publish_delivery",
    "publish_everywhere",
    "publish_now",
    "reconcile",
    "record_heartbeat",
    "reschedule",
    "resolve_appeal",
    "retry",
    "revision_diff",
    "revision_text",
    "revisions",
    "schedule",
    "system_status",
    "update_appeal",
    "withdraw_appeal",
]
