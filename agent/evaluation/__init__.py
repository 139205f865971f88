"""`roomby eval` and `roomby compare`: seeded episodes per task family, paired comparisons, and
episode videos."""
