"""The docs site: `dbt docs generate` on a built warehouse documents every mart and ML table,
each of their columns and every metric, and its lineage runs from the raw sources to the CRM
exposure."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import dbt_build

from rawdata.demo import generate

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED_SCHEMAS = {"marts", "ml"}


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """manifest.json and catalog.json of the docs `make dbt-ci` generated (DEMO_WAREHOUSE_DIR),
    else of docs generated here on a small fresh warehouse."""
    built = os.environ.get("DEMO_WAREHOUSE_DIR")
    if built:
        target = Path(built) / "docs"
        assert (target / "catalog.json").exists(), f"{target} holds no docs: run `make dbt-ci`"
    else:
        root = tmp_path_factory.mktemp("docs")
        generate(out_dir=root / "raw", customers=600, seed=42)
        warehouse = dbt_build(root / "raw", root)
        target = root / "docs"
        result = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--profiles-dir", ".",
             "--target", "ci", "--target-path", str(target), "--log-path", str(root / "logs")],
            cwd=ROOT,
            env={**os.environ, "RAW_DATA_DIR": str(root / "raw"), "WAREHOUSE_PATH": str(warehouse)},
            capture_output=True,
            text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-4000:]
    assert (target / "index.html").exists()
    return {
        name: json.loads((target / f"{name}.json").read_text()) for name in ("manifest", "catalog")
    }


def _documented_models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"].split("_")[-1] in DOCUMENTED_SCHEMAS
    }


def test_every_mart_and_ml_table_and_column_is_in_the_docs(docs: dict[str, Any]) -> None:
    models = _documented_models(docs["manifest"])
    assert len(models) > 20
    catalog = docs["catalog"]["nodes"]
    undocumented = []
    for key, node in models.items():
        assert key in catalog, f"{key} is not in the catalog: was it built?"
        if not node["description"].strip():
            undocumented.append(key)
        described = {name for name, column in node["columns"].items() if column["description"]}
        undocumented += [
            f"{key}.{column}" for column in catalog[key]["columns"] if column not in described
        ]
    assert not undocumented, undocumented


def test_metrics_and_saved_queries_are_documented(docs: dict[str, Any]) -> None:
    manifest = docs["manifest"]
    assert len(manifest["metrics"]) >= 15 and len(manifest["saved_queries"]) >= 3
    for node in (*manifest["metrics"].values(), *manifest["semantic_models"].values()):
        assert node["description"].strip(), node["unique_id"]


def _ancestors(manifest: dict[str, Any], nodes: list[str]) -> set[str]:
    """Every node upstream of `nodes` (included) in the manifest's parent map."""
    ancestors, frontier = set(), list(nodes)
    while frontier:
        node = frontier.pop()
        if node not in ancestors:
            ancestors.add(node)
            frontier += manifest["parent_map"].get(node, [])
    return ancestors


def test_lineage_runs_from_the_raw_sources_to_the_crm_exposure(docs: dict[str, Any]) -> None:
    manifest = docs["manifest"]
    exposure = manifest["exposures"]["exposure.customer_lifecycle.crm_campaign_audiences"]
    assert exposure["depends_on"]["nodes"] == ["model.customer_lifecycle.fct_campaign_audiences"]
    ancestors = _ancestors(manifest, exposure["depends_on"]["nodes"])
    assert any(node.startswith("source.") for node in ancestors)
    assert any(".ml_churn_scores" in node for node in ancestors)  # through the ML layer


def test_the_dashboard_exposure_names_the_tables_the_dashboard_reads(
    docs: dict[str, Any],
) -> None:
    """The exposure's depends_on is what dashboard/queries.py selects from, so the docs' lineage
    ends at the dashboard for every table it shows, and reaches the sources through the ML layer."""
    manifest = docs["manifest"]
    exposure = manifest["exposures"]["exposure.customer_lifecycle.dashboard"]
    declared = {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
    source = (ROOT / "dashboard" / "queries.py").read_text()
    read = set(re.findall(r"\b(?:marts|staging)\.(\w+)", source))
    assert declared == read, declared ^ read
    ancestors = _ancestors(manifest, exposure["depends_on"]["nodes"])
    assert any(node.startswith("source.") for node in ancestors)
    assert any(".ml_review_sentiment" in node for node in ancestors)
