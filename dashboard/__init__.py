"""The Streamlit dashboard over the warehouse's marts (`make dashboard`)."""
