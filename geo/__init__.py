"""The domain: stations, datums, geodesy, index, search, storage, imports, coverage, planning."""
