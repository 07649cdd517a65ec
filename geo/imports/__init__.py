"""Bulk import of station lists: file readers, header recognition, validation, upsert."""
