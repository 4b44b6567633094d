"""The campaign service. Its contract is in proto/coins/v1/campaign_service.proto; its logic comes with its own issue."""
