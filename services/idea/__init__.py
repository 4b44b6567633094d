"""The idea service: submission, moderation workflow, tags, permalinks and duplicate detection."""
