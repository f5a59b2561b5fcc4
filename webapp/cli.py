"""The `gigmarket` command line: one click group per area (redash's style)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from webapp.extensions import db


def _create_app() -> Flask:
    """The app for the console script (config from GIGMARKET_ENV)."""
    from webapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Gig-market station service (零工市场服务系统)."""


# ---- demo ---------------------------------------------------------------------------------------
demo_cli = click.Group("demo", help="The deterministic demo province.")


@demo_cli.command("load")
@click.option(
    "--seed", default=20241, show_default=True, help="Random seed (same seed, same data)."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has markets.")
@with_appcontext
def demo_load(seed: int, if_empty: bool) -> None:
    """Load the demo province: stations, staff, employers, gigs, workers and their history."""
    from webapp.models import Market
    from webapp.services import demo

    if db.session.scalar(select(func.count()).select_from(Market)):
        if if_empty:
            click.echo("Database already holds data: demo not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data goes into an empty one.")
    summary = demo.load_demo(seed=seed, progress=click.echo)
    db.session.commit()
    click.echo(summary.report())


# ---- staff --------------------------------------------------------------------------------------
staff_cli = click.Group("staff", help="Staff accounts.")


@staff_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown on pages.")
@click.option("--market-id", type=int, required=True, help="The market whose subtree they see.")
@click.option(
    "--role",
    type=click.Choice(["station_staff", "station_admin", "supervisor", "auditor"]),
    default="station_staff",
    show_default=True,
)
@click.password_option(help="Asked for if not given (min. 10 characters).")
@with_appcontext
def staff_create(username: str, display_name: str, market_id: int, role: str, password: str):
    """Create a staff account scoped to a market subtree."""
    from webapp.models import Market, StaffUser
    from webapp.models.types import StaffRole
    from webapp.services import auth

    if db.session.get(Market, market_id) is None:
        raise click.ClickException(f"No market with id {market_id}.")
    if db.session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise click.ClickException(f"User name {username!r} is taken.")
    try:
        password_hash = auth.hash_password(password)
    except auth.AuthError as err:
        raise click.ClickException(str(err)) from None
    db.session.add(
        StaffUser(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            role=StaffRole(role),
            market_id=market_id,
        )
    )
    db.session.commit()
    click.echo(f"Created {role} {username} for market {market_id}.")


@staff_cli.command("disable")
@click.argument("username")
@with_appcontext
def staff_disable(username: str) -> None:
    """Disable a staff account and end all of its sessions."""
    from webapp.models import StaffUser
    from webapp.services import auth

    staff = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if staff is None:
        raise click.ClickException(f"No staff user {username!r}.")
    auth.disable_staff(staff)
    db.session.commit()
    click.echo(f"Disabled {username}; sessions ended.")


# ---- keys ---------------------------------------------------------------------------------------
keys_cli = click.Group("keys", help="Encryption keys for identity data.")


@keys_cli.command("generate")
@click.option(
    "--kid", default="k1", show_default=True, help="Key id (1-16 letters, digits, - or _)."
)
def keys_generate(kid: str) -> None:
    """Print a new key entry for GIGMARKET_DATA_KEY (prepend it to rotate)."""
    from webapp.identity import Keyring

    click.echo(Keyring.generate_spec(kid=kid))


@keys_cli.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-encrypt every ciphertext and blind index under the active (first) key."""
    from webapp.services import identity

    counts = identity.rotate_all()
    db.session.commit()
    for name, n in counts.items():
        click.echo(f"{name}: {n} re-encrypted")


# ---- audit --------------------------------------------------------------------------------------
audit_cli = click.Group("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 and name the first bad row if it was tampered with."""
    from webapp.services.audit import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} events.")
        return
    click.echo(f"Audit chain BROKEN at event {report.broken_at} ({report.checked} verified).")
    sys.exit(1)


# ---- bench --------------------------------------------------------------------------------------
bench_cli = click.Group("bench", help="Benchmarks that print their figures.")


@bench_cli.command("identity")
@click.option("-n", "count", default=5000, show_default=True, help="Operations per measurement.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_identity(count: int, as_json: bool) -> None:
    """Time ID validation, row-bound encryption and decryption, blind indexes and log masking."""
    import json

    from webapp.services.bench import bench_identity as run

    result = run(count)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for name, figures in result.items():
        if isinstance(figures, dict):
            click.echo(
                f"{name:18} p50 {figures['p50_us']:8.1f} us  p95 {figures['p95_us']:8.1f} us"
                f"  {figures['per_second']:>9,}/s"
            )


@bench_cli.command("match")
@click.option("--workers", default=1_000_000, show_default=True, help="Synthetic workers.")
@click.option("--gigs", default=100_000, show_default=True, help="Synthetic open gigs.")
@click.option("--queries", default=500, show_default=True, help="Engine queries per kind.")
@click.option(
    "--reference-queries",
    default=20,
    show_default=True,
    help="Of those, how many also run through the slow reference engine.",
)
@click.option("--seed", default=20241, show_default=True, help="Random seed of the province.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def bench_match(
    workers: int, gigs: int, queries: int, reference_queries: int, seed: int, as_json: bool
) -> None:
    """Time the matching engine on a synthetic province and check it against the reference."""
    import json

    from matching.bench import run

    result = run(
        workers=workers,
        gigs=gigs,
        queries=queries,
        reference_queries=reference_queries,
        seed=seed,
        progress=lambda message: click.echo(message, err=True),
    )
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    memory = result["memory_mb"]
    click.echo(
        f"{result['workers']:,} workers, {result['gigs']:,} gigs; built in "
        f"{result['build_seconds']} s (from records {result['build_from_records_seconds']} s); "
        f"index {memory['index_rss_delta']} MiB resident ({memory['index_arrays']} MiB arrays)"
    )
    reference = result["reference"]
    for kind, figures in result["engine_queries"].items():
        click.echo(
            f"{kind:24} p50 {figures['p50_ms']:8.2f} ms  p95 {figures['p95_ms']:8.2f} ms"
            f" (CPU p95 {figures['cpu_p95_ms']:6.2f})"
            f"  reference mean {reference[kind]['mean_ms']:10.1f} ms"
            f"  x{reference['speedup'][kind]}"
        )
    for name, figures in result["updates"].items():
        click.echo(f"{name:24} p50 {figures['p50_us']:8.1f} us  p95 {figures['p95_us']:8.1f} us")
    click.echo(f"mismatches against the reference: {reference['mismatches']}")
    missed = [name for name, ok in result["targets"].items() if not ok]
    click.echo("targets met" if not missed else f"targets missed: {', '.join(missed)}")


# ---- scheduler ----------------------------------------------------------------------------------
@click.command("scheduler")
@click.option("--run-once", "run_once", metavar="JOB", help="Run one job now and exit.")
@with_appcontext
def scheduler(run_once: str | None) -> None:
    """Run the scheduler process (one per deployment; never inside web workers)."""
    from webapp import jobs

    if run_once:
        try:
            result = jobs.run_job(run_once)
        except KeyError:
            raise click.ClickException(
                f"Unknown job {run_once!r}; jobs: {', '.join(jobs.job_names())}"
            ) from None
        click.echo(f"{run_once}: {result}")
        return
    jobs.run_scheduler()


def register(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from kiosk.face.cli import bench_face, face_cli
    from webapp.screening.cli import gigs_cli

    if "face" not in bench_cli.commands:
        bench_cli.add_command(bench_face)
    commands = (demo_cli, staff_cli, keys_cli, audit_cli, bench_cli, face_cli, gigs_cli, scheduler)
    for command in commands:
        app.cli.add_command(command)
