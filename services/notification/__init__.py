"""The notification service. Its contract is in proto/coins/v1/notification_service.proto; its logic comes with its
own issue."""
