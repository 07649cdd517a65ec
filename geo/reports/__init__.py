"""Live station status from couriers: what they report now, how long it lasts, what
searches show and leave out, and an editor's verdict.

- :mod:`geo.reports.kinds`: the vocabulary of reports and each kind's lifetime;
- :mod:`geo.reports.model`: a report as sent (checked), as stored, as a flag;
- :mod:`geo.reports.live`: the live flags every worker holds in memory;
- :mod:`geo.reports.follow`: a registry's flags, kept current with the store's log;
- :mod:`geo.reports.moderation`: confirm or dismiss, and what confirming changes.

The reports themselves are stored by ``geo.storage`` (``ReportRecords``).
"""
