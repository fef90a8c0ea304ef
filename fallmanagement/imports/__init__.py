"""Top floor: bringing a running programme in from its spreadsheets (import) and bulk work."""
