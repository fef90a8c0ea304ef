"""Placements: orientation internships and what follows, with check-ins, assessments, PDFs."""
