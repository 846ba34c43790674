"""Machine learning for the warehouse's dbt Python models."""
