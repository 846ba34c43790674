"""Where the CDNOW reference data lives: the files the PyPI package `lifetimes` ships.

The CDNOW sample (Fader and Hardie's customer base of a CD retailer, 1997-1998) is the data set
on which the BG/NBD and Gamma-Gamma figures were published, so it is what the models are checked
against, and it is a real transaction log the importers can turn into a warehouse. The files are
found without importing `lifetimes`: its package import pulls in autograd, and its own loaders need
setuptools' pkg_resources; a data file needs neither.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE = "lifetimes"
REQUIREMENT = "lifetimes==0.11.3"


def cdnow_file(name: str) -> Path:
    """Path of `name` (e.g. "CDNOW_master.txt", "cdnow_customers_summary.csv") in lifetimes' data.

    Raises FileNotFoundError saying which package to install, or which files there are.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the CDNOW reference data ships with the PyPI package {PACKAGE!r}, which is not "
            f"installed: pip install {REQUIREMENT} (pinned in requirements.txt)"
        )
    datasets = Path(next(iter(spec.submodule_search_locations))) / "datasets"
    path = datasets / name
    if not path.is_file():
        known = sorted(p.name for p in datasets.glob("*") if p.suffix in {".csv", ".txt"})
        raise FileNotFoundError(
            f"{name!r} is not among the {PACKAGE} data files in {datasets}; known: {known}"
        )
    return path
