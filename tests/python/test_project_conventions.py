"""Conventions the dbt project keeps for every model, checked on its YAML without building."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _models(folder: str) -> list[dict]:
    models: list[dict] = []
    for path in sorted((ROOT / folder).rglob("_*.yml")):
        models += (yaml.safe_load(path.read_text()) or {}).get("models", [])
    return models


def test_every_mart_is_scanned_for_email_addresses() -> None:
    marts = _models("models/marts")
    assert marts
    unscanned = [
        model["name"] for model in marts if "no_email_addresses" not in model.get("data_tests", [])
    ]
    assert not unscanned, f"marts without the no_email_addresses test: {unscanned}"


def test_no_mart_exposes_names_or_addresses() -> None:
    exposed = [
        (model["name"], column["name"])
        for model in _models("models/marts")
        for column in model.get("columns", [])
        if column["name"] in {"email", "first_name", "last_name", "phone", "address"}
    ]
    assert not exposed, f"personal data in marts: {exposed}"
