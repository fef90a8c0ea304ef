"""Funding reports (Förderbericht) in two kinds, exact for the funder and protected for
publication: figures computed in SQL, targets vs actual, small-cell suppression, charts,
exports (page, PDF, CSV, XLSX), background jobs and issued (frozen) reports.

- `periods`: the reporting period and scope
- `figures`: every figure, defined once, with its counting rule
- `suppression`: the small-cell rule for publication ("< 3" plus secondary suppression across
  all linked tables; pure functions, attacked with an LP solver in the tests)
- `charts`: server-rendered SVG charts (pygal)
- `exports`: PDF, CSV and XLSX
- `views`: the report page, exports, issuing, background jobs
"""
