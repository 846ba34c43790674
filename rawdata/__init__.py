"""Raw e-commerce data for the warehouse: the contract, a demo data generator, and importers."""
