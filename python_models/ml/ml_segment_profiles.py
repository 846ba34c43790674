"""One row per segment in use: name, what it was named from, z-score profile, k and silhouette."""

from ml.artifacts import ArtifactStore
from ml.segment_tables import segment_profile_table
from ml.settings import MLSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = MLSettings.from_meta(dbt.config.get("meta"))
    versions = dbt.ref("ml_customer_segments").project("model_version").distinct().fetchall()
    return segment_profile_table(
        [row[0] for row in versions], ArtifactStore(settings.artifacts_dir)
    )
