"""The latent truth behind the raw data, for checking what the warehouse and the ML recover.

Written next to, never into, the raw directory: dbt reads every file in the raw directory, and
the truth must stay invisible to the models that are supposed to find it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from rawdata.demo.arrowkit import take, timestamps
from rawdata.demo.lifecycle import CAUSES, Lifecycle
from rawdata.demo.personas import CHANNELS, PERSONAS
from rawdata.demo.population import Population
from rawdata.demo.timeline import HOUR_US, WEEK_US, Timeline


def truth_table(tl: Timeline, pop: Population, life: Lifecycle) -> pa.Table:
    """One row per customer: persona, acquisition channel, churn and the experiences behind it.

    churned_at is the churn still in effect at the window's end (null for active customers and
    for those who came back); it lies half a day into the week after their last possible visit.
    """
    churned = life.churn_week >= 0
    churned_at = tl.start_us + (life.churn_week + 1) * WEEK_US + 12 * HOUR_US
    reactivated = life.reactivated_week >= 0
    reactivated_at = tl.start_us + life.reactivated_week * WEEK_US
    return pa.table(
        {
            "customer_id": pop.customer_id,
            "persona": take(PERSONAS, pop.persona),
            "acquisition_channel": take(CHANNELS, pop.channel),
            "churned_at": timestamps(np.where(churned, churned_at, 0), ~churned),
            "churn_cause": take(CAUSES, np.maximum(life.churn_cause, 0), mask=~churned),
            "late_deliveries": pa.array(life.counts["late"], pa.int32()),
            "bad_reviews": pa.array(life.counts["bad"], pa.int32()),
            "unresolved_tickets": pa.array(life.counts["unresolved"], pa.int32()),
            "orders": pa.array(life.counts["orders"], pa.int32()),
            "reactivated_at": timestamps(np.where(reactivated, reactivated_at, 0), ~reactivated),
        }
    )
