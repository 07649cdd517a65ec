"""National administrative outlines of mainland China: build (``build``) and
point-in-polygon (``national``)."""
