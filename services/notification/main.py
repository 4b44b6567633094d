"""Composition root of the notification service: its RPCs, the event consumer that turns domain events into
notifications, the live hub, and the mail senders."""

from __future__ import annotations

import socket
from datetime import timedelta
from functools import partial

from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import notification_service_pb2_grpc as rpc
from services.common import redis_client
from services.common.config import MailSettings, NotificationSettings
from services.common.events import ProcessedEvents, StreamConsumer, stream_for
from services.common.ops import ConsumerLag
from services.common.server import Mounted, Runtime
from services.notification.adapters import GrpcAccounts, GrpcCampaigns, GrpcIdeas
from services.notification.delivery import DeliverySettings, MailDelivery
from services.notification.domain import Links, UnsubscribeTokens
from services.notification.handlers import NotificationHandlers
from services.notification.live import LiveHub, RedisLiveFeed
from services.notification.mail import MailRenderer, SmtpSender
from services.notification.reactions import EventReactions
from services.notification.repository import PROCESSED_EVENTS, SqlUnitOfWork
from services.notification.servicer import NotificationServicer

CONSUMER_GROUP = "notification"
# Every family with something to tell: invitations and campaign dates, idea decisions, backers' coins, account mail.
STREAMS = [stream_for(family) for family in ("campaign", "idea", "coin", "auth")]


async def build(runtime: Runtime) -> Mounted:
    settings = NotificationSettings.from_env()
    mail_settings = MailSettings.from_env()
    units = partial(SqlUnitOfWork, runtime.database)
    links = Links(runtime.settings.public_url)
    tokens = UnsubscribeTokens(runtime.settings.service_token_secret)
    # Pub/sub holds its connection open and idle: no read timeout on it, unlike the shared client.
    listener = redis_client.connect(runtime.settings.redis_url, read_timeout_s=None)
    hub = LiveHub(listener)
    sender = SmtpSender(mail_settings)
    delivery = MailDelivery(units, sender, MailRenderer(), links, tokens, mail_settings.sender,
                            DeliverySettings(settings.mail_workers, settings.mail_retry_base_s,
                                             settings.mail_retry_max_s, timedelta(seconds=settings.digest_interval_s),
                                             settings.mail_poll_s))
    campaigns = GrpcCampaigns(campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign")))
    reactions = EventReactions(
        units, GrpcAccounts(auth_rpc.AuthInternalServiceStub(runtime.clients.channel("auth"))), campaigns,
        GrpcIdeas(idea_rpc.IdeaInternalServiceStub(runtime.clients.channel("idea")), campaigns),
        RedisLiveFeed(runtime.redis), links, delivery.kick)
    consumer = StreamConsumer(runtime.redis, STREAMS, CONSUMER_GROUP, f"{socket.gethostname()}:{runtime.settings.port}",
                              reactions.handle, runtime.settings.events,
                              ProcessedEvents(runtime.database, PROCESSED_EVENTS), wants=reactions.wants)
    lag = ConsumerLag(runtime.redis, [(stream, CONSUMER_GROUP) for stream in STREAMS])
    handlers = NotificationHandlers(units, hub, tokens, settings.heartbeat_s)

    async def live_streams() -> dict[str, int]:
        return {"open": hub.open_streams}

    return Mounted([(NotificationServicer(handlers), rpc.add_NotificationServiceServicer_to_server)],
                   background=[consumer.run, hub.run, delivery.run, lag.run],
                   on_close=[listener.aclose, sender.close],
                   details={"events": lag.detail, "live_streams": live_streams})
