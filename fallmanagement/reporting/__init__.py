"""Funding reports (Förderbericht): figures computed in SQL, small-cell suppression, charts,
exports (page, PDF, CSV, XLSX), background jobs and issued (frozen) reports.

- `periods`: the reporting period and scope
- `figures`: every figure, defined once, with its counting rule
- `suppression`: the small-cell rule ("< 3" plus complementary suppression)
- `charts`: server-rendered SVG charts (pygal)
- `exports`: PDF, CSV and XLSX
- `views`: the report page, exports, issuing, background jobs
"""
