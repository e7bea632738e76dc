"""The govcloud policy pack. Stands alone: imports nothing of govcloud (govcloud imports it)."""
