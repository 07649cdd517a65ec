"""Folium coverage maps for planners (built in a later issue; depends on ``geo`` only)."""
