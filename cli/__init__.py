"""The command line (``stationfinder``), built with typer on the domain in ``geo``."""
