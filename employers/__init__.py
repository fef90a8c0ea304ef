"""Employer partners (Betriebe), contact persons and the network partners."""
