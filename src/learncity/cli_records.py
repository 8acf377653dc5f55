"""The `learncity records` and `learncity credentials` commands: the lifelong learning record
and its verifiable credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

records_app = typer.Typer(
    help="The lifelong learning record (평생학습 이력).", no_args_is_help=True
)
credentials_app = typer.Typer(
    help="Verifiable credentials (Open Badges 3.0, VC-JWT): check, verify, keys, revoke.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `records` and `credentials` groups to the main `learncity` app."""
    app.add_typer(records_app, name="records")
    app.add_typer(credentials_app, name="credentials")


@records_app.command("sync")
def records_sync_command(as_json: JsonOption = False) -> None:
    """Take new completion events into learners' records and issue their credentials (once)."""

    def action() -> dict[str, Any]:
        from learncity.records.services import records_sync

        return records_sync()

    result = run(action)
    print_result(result, as_json, [f"{k}: {v}" for k, v in result.items()])
    if result.get("waiting_for_key") and not as_json:
        typer.echo(
            "completions wait for a signing key: see `learncity credentials check`", err=True
        )


@credentials_app.command("check")
def credentials_check_command(as_json: JsonOption = False) -> None:
    """Check a production configuration before it serves (signing key, public URL, issuer id:
    also `django-admin check --deploy`) and whether a key can sign now; exit 2 with the
    reasons when not."""

    def action() -> dict[str, Any]:
        from learncity.records.checks import start_refusals
        from learncity.records.keys import signing_key_problem

        refusals = start_refusals()
        problem = None if refusals else signing_key_problem()
        return {"ok": not refusals and problem is None, "refusals": refusals, "signing": problem}

    result = run(action)
    lines = [f"error: {r}" for r in result["refusals"]]
    if result["signing"]:
        lines.append(f"error: {result['signing']}")
    print_result(result, as_json, lines or ["credentials: configured, a key signs"])
    if not result["ok"]:
        raise typer.Exit(code=2)


@credentials_app.command("verify")
def credentials_verify_command(
    file: Annotated[Path, typer.Argument(help="A credential: VC-JWT text or its JSON envelope.")],
    as_json: JsonOption = False,
) -> None:
    """Verify a credential file as the public page does; exit 1 when it is not valid."""

    def action() -> dict[str, Any]:
        from learncity.records.credentials import credential_verify

        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return {"valid": False, "reason": "unreadable", "message": str(exc)}
        return credential_verify(text).out()

    result = run(action)
    shown = {k: result.get(k) for k in ("valid", "reason", "message", "key_id")}
    print_result(
        shown, as_json, [f"{'valid' if result['valid'] else 'NOT valid'}: {result['message']}"]
    )
    if not result["valid"]:
        raise typer.Exit(code=1)


@credentials_app.command("keys")
def credentials_keys_command(as_json: JsonOption = False) -> None:
    """The city's signing keys (public halves), active and retired."""

    def action() -> dict[str, Any]:
        from learncity.records.keys import key_jwk, key_list

        return {"keys": [key_jwk(k) for k in key_list()]}

    result = run(action)
    print_result(result, as_json, [f"{k['kid']} {k['status']}" for k in result["keys"]])


@credentials_app.command("rotate-key")
def credentials_rotate_command(
    key_file: Annotated[
        Path | None, typer.Option(help="PEM file of the new Ed25519 key (else one is generated).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sign with a new key from now on; earlier keys are retired and keep verifying. Keys
    change only here and in `learncity migrate` (the first key), never on a request."""

    def action() -> dict[str, Any]:
        from learncity.records.keys import key_jwk, signing_key_rotate

        return key_jwk(signing_key_rotate(key_file=key_file))

    result = run(action)
    print_result(result, as_json, [f"now signing with {result['kid']}"])


@credentials_app.command("revoke")
def credentials_revoke_command(
    credential: Annotated[str, typer.Argument(help="The credential's UUID.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the revocation).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a credential (the verifier sees it at once; the published status list within
    a minute: servers sign it at most once a minute)."""

    def action() -> dict[str, Any]:
        from learncity.records.credentials import credential_revoke

        return {"revoked": credential_revoke(credential_uuid=credential, reason=reason)}

    result = run(action)
    print_result(result, as_json, ["revoked" if result["revoked"] else "was revoked before"])
