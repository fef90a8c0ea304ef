"""URLs of the case file (Fallakte) and its timeline entries."""

urlpatterns: list = []
