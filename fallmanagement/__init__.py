"""WIR – Fallmanagement: project package (settings, URLs, roles, reference data, reports)."""
