"""Participants: intake, the case file (Fallakte) with its timeline, and the caseload."""
