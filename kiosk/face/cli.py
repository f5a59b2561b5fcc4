"""Click commands: `face evaluate DIR` (calibration) and `bench face DIR` (latency).

`face_cli` is the "face" group and `bench_face` the "face" command of the lead's `bench` group;
webapp/cli.py registers both. Neither needs a database or an application context; when one is
active, FACE_MATCH_THRESHOLD / FACE_REJECT_THRESHOLD from its config are the default thresholds.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk.face.engine import (
    DEFAULT_THRESHOLDS,
    FaceEngineUnavailable,
    FaceThresholds,
    thresholds_from_config,
)
from kiosk.face.evaluate import bench_dir, evaluate_dir, format_bench, format_evaluation

_DIR = click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)


def _configured_thresholds() -> FaceThresholds:
    """The application's thresholds when an app context is active, else the defaults."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is a dependency of the product
        return DEFAULT_THRESHOLDS
    if not has_app_context():
        return DEFAULT_THRESHOLDS
    return thresholds_from_config(current_app.config)


def _thresholds(match: float | None, reject: float | None) -> FaceThresholds:
    """Thresholds from the options, falling back to the configured ones."""
    base = _configured_thresholds()
    try:
        return FaceThresholds(
            match=base.match if match is None else match,
            reject=base.reject if reject is None else reject,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--match/--reject") from exc


@click.group(name="face")
def face_cli() -> None:
    """Face verification tools (calibration of the match / review / reject thresholds)."""


@face_cli.command("evaluate")
@click.argument("directory", type=_DIR)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--match", type=float, default=None, help="Match if distance <= this.")
@click.option("--reject", type=float, default=None, help="Reject if distance > this.")
def evaluate_command(
    directory: Path, as_json: bool, match: float | None, reject: float | None
) -> None:
    """Decide every pair of DIRECTORY's images named <person>_<n>.<ext> and summarise."""
    thresholds = _thresholds(match, reject)
    try:
        evaluation = evaluate_dir(directory, thresholds)
    except FaceEngineUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_evaluation(evaluation))


@click.command(name="face")
@click.argument("directory", type=_DIR)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--repeat",
    type=click.IntRange(1, 100),
    default=3,
    show_default=True,
    help="Timed runs per image and pipeline.",
)
def bench_face(directory: Path, as_json: bool, repeat: int) -> None:
    """Time the product's face pipeline against face_recognition's defaults on DIRECTORY."""
    try:
        report = bench_dir(directory, repeat=repeat, thresholds=_configured_thresholds())
    except FaceEngineUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(format_bench(report))
