"""(being written: API.md §5)."""
