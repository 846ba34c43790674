"""Deterministic demo data for the warehouse: a simulated shop with a known latent truth.

`generate(out_dir, customers, seed, defect_rate, start, end, truth_dir)` writes the eight raw
tables of `rawdata.contract` and, outside `out_dir`, the truth they were generated from. The
modules follow the simulation: timeline and catalogue, population and personas, the weekly
lifecycle (visits, orders, outcomes, churn), sessions and clickstream, commerce, feedback texts,
defects, truth.
"""

from rawdata.demo.pipeline import generate

__all__ = ["generate"]
