"""Reports: the figures funders ask for, by organisation, period and reference date."""
