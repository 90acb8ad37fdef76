"""The command for approvers: ``publisher approve``.

The command line is trusted (it holds the database's credentials), so it says whose approval
this is with ``--as NAME``; the two-person rule then holds between named users as it does in
the web app: NAME must hold the approver role (or admin) and must not have written the
revision. ``--urgent REASON`` is an admin's urgent approval, recorded with its reason.
"""

from __future__ import annotations

import click

from publisher.entrypoints.cli._common import (
    app,
    echo_json,
    errors_to_exit,
    ids,
    json_option,
    local,
    now,
)

__all__ = ["COMMANDS"]


@click.command()
@click.argument("appeal_id")
@click.option(
    "--as", "name", required=True, metavar="NAME", help="The user approving (see `users list`)."
)
@click.option(
    "--revision",
    type=click.IntRange(1),
    help="The revision you read; refused if it is no longer the current one.",
)
@click.option(
    "--urgent",
    metavar="REASON",
    help="An admin's approval without a second person, because it cannot wait: say why.",
)
@json_option
@errors_to_exit
def approve(
    appeal_id: str, name: str, revision: int | None, urgent: str | None, as_json: bool
) -> None:
    """Approve the current revision of APPEAL_ID, so it can be scheduled and sent.

    What is already published republishes it at once.
    """
    from publisher import services
    from publisher.services.accounts import find_user

    wired = app()
    user = find_user(wired.store, name)
    if urgent is None:
        done = services.approve(
            wired.store, wired.registry, appeal_id, user=user, revision=revision, now=now()
        )
    else:
        done = services.approve_urgently(
            wired.store,
            wired.registry,
            appeal_id,
            user=user,
            reason=urgent,
            revision=revision,
            now=now(),
        )
    approval = done.approval
    if as_json:
        echo_json(
            {
                "appeal_id": appeal_id,
                "revision": done.revision,
                "kind": approval.kind.value,
                "approved_by": approval.approved_by,
                "reason": approval.reason,
                "at": approval.at,
                "newly": done.newly,
                "deliveries": list(done.deliveries),
            }
        )
        return
    if not done.newly:
        click.echo(
            f"{appeal_id}: revision {done.revision} was already approved by "
            f"{approval.approved_by} ({approval.kind.value}, {local(approval.at)})"
        )
        return
    click.echo(
        f"{appeal_id}: revision {done.revision} approved by {approval.approved_by}"
        + (f" (urgent: {approval.reason})" if urgent is not None else "")
    )
    if done.deliveries:
        click.echo(f"Republishing where it is published: deliveries {ids(done.deliveries)}")


COMMANDS: tuple[click.Command, ...] = (approve,)
