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

The package imports none of them itself: each name below (``from publisher.services import
schedule``, ``services.schedule``) and each family (``services.appeals``) is imported on first
use (PEP 562), so a command that needs one family (``publisher build``: the build and its cache,
no database) does not load the others, nor SQLAlchemy through them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Where each public name lives: imported from there on first use.
_WHERE: dict[str, str] = {
    "PART_DELETE": "publisher.domain.delivery",
    "PART_MAIN": "publisher.domain.delivery",
    "PART_UPDATE": "publisher.domain.delivery",
    "backoff": "publisher.domain.delivery",
    "Clock": "publisher.services._common",
    "AppealSummary": "publisher.services.appeals",
    "Edit": "publisher.services.appeals",
    "Readiness": "publisher.services.appeals",
    "RevisionSummary": "publisher.services.appeals",
    "check_ready": "publisher.services.appeals",
    "check_schedulable": "publisher.services.appeals",
    "create_appeal": "publisher.services.appeals",
    "current_appeal": "publisher.services.appeals",
    "edit_appeal": "publisher.services.appeals",
    "import_appeal": "publisher.services.appeals",
    "lint_findings": "publisher.services.appeals",
    "list_appeals": "publisher.services.appeals",
    "mark_translation_current": "publisher.services.appeals",
    "planned_deletions": "publisher.services.appeals",
    "resolve_appeal": "publisher.services.appeals",
    "revisions": "publisher.services.appeals",
    "update_appeal": "publisher.services.appeals",
    "withdraw_appeal": "publisher.services.appeals",
    "ApprovalStatus": "publisher.services.approvals",
    "Approved": "publisher.services.approvals",
    "approval_status": "publisher.services.approvals",
    "approve": "publisher.services.approvals",
    "approve_on_command_line": "publisher.services.approvals",
    "approve_urgently": "publisher.services.approvals",
    "DiffLine": "publisher.services.history",
    "RevisionDiff": "publisher.services.history",
    "diff_lines": "publisher.services.history",
    "revision_diff": "publisher.services.history",
    "revision_text": "publisher.services.history",
    "ReconcileReport": "publisher.services.operations",
    "cancel": "publisher.services.operations",
    "confirm": "publisher.services.operations",
    "enable_channel": "publisher.services.operations",
    "reconcile": "publisher.services.operations",
    "retry": "publisher.services.operations",
    "publish_deliveries": "publisher.services.publishing",
    "publish_delivery": "publisher.services.publishing",
    "Publication": "publisher.services.scheduling",
    "batches": "publisher.services.scheduling",
    "dispatch_due": "publisher.services.scheduling",
    "publish_everywhere": "publisher.services.scheduling",
    "publish_now": "publisher.services.scheduling",
    "reschedule": "publisher.services.scheduling",
    "schedule": "publisher.services.scheduling",
    "AttemptView": "publisher.services.status",
    "AuditEntry": "publisher.services.status",
    "AuditPage": "publisher.services.status",
    "AuditView": "publisher.services.status",
    "ChannelStatusView": "publisher.services.status",
    "DISPATCHER_HEARTBEAT": "publisher.services.status",
    "DeliveryDetail": "publisher.services.status",
    "DeliveryView": "publisher.services.status",
    "LedgerFigures": "publisher.services.status",
    "StatusReport": "publisher.services.status",
    "audit_log": "publisher.services.status",
    "channel_statuses": "publisher.services.status",
    "delivery_detail": "publisher.services.status",
    "find_deliveries": "publisher.services.status",
    "ledger_figures": "publisher.services.status",
    "list_deliveries": "publisher.services.status",
    "record_heartbeat": "publisher.services.status",
    "system_status": "publisher.services.status",
}

# The families, also reachable as attributes before anyone imports them.
_FAMILIES = frozenset(
    (
        "accounts",
        "alerts",
        "appeals",
        "approvals",
        "build",
        "build_cache",
        "history",
        "operations",
        "publishing",
        "scheduling",
        "status",
        "subscriptions",
    )
)


def __getattr__(name: str) -> Any:
    """A public name, or a family module, imported on first use (then cached in the package)."""
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _FAMILIES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE, *_FAMILIES})


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
