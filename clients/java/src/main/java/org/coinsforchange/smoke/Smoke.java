package org.coinsforchange.smoke;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.coinsforchange.coins.v1.ActivateCampaignRequest;
import org.coinsforchange.coins.v1.AllocateCoinsRequest;
import org.coinsforchange.coins.v1.AllocateCoinsResponse;
import org.coinsforchange.coins.v1.AuthServiceGrpc;
import org.coinsforchange.coins.v1.Campaign;
import org.coinsforchange.coins.v1.CampaignServiceGrpc;
import org.coinsforchange.coins.v1.CampaignStatus;
import org.coinsforchange.coins.v1.CampaignType;
import org.coinsforchange.coins.v1.CoinBalance;
import org.coinsforchange.coins.v1.CoinServiceGrpc;
import org.coinsforchange.coins.v1.CreateCampaignRequest;
import org.coinsforchange.coins.v1.CreateIdeaRequest;
import org.coinsforchange.coins.v1.GetCoinBalanceRequest;
import org.coinsforchange.coins.v1.Idea;
import org.coinsforchange.coins.v1.IdeaServiceGrpc;
import org.coinsforchange.coins.v1.JoinCampaignRequest;
import org.coinsforchange.coins.v1.LoginRequest;
import org.coinsforchange.coins.v1.RegisterRequest;
import org.coinsforchange.coins.v1.VerifyEmailRequest;

/**
 * One member's journey through a running Coins for Change platform with the Java stubs `make clients` generates:
 * register, verify the email, sign in, an admin creates and activates a campaign, the member joins, submits an
 * idea, allocates coins with a request_id, repeats the call (a replay), reads the balance, and reads the ErrorInfo
 * reason of a refused allocation.
 *
 * <p>Argument {@code gateway}: every call to COINS_GATEWAY (host:port); {@code direct}: each call to its service
 * (COINS_AUTH_TARGET, COINS_CAMPAIGN_TARGET, ...). Also read: COINS_ADMIN_EMAIL, COINS_ADMIN_PASSWORD and
 * COINS_MAIL_DIR (the dev mailbox's folder, where the verification link arrives).
 */
public final class Smoke {
  private static final String PASSWORD = "correct horse battery staple";
  private static final Pattern TOKEN_IN_LINK = Pattern.compile("/verify-email\\?token=([A-Za-z0-9_.~%-]+)");
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final String via;

  private Smoke(String via) {
    this.via = via;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || !(args[0].equals("gateway") || args[0].equals("direct"))) {
      fail("usage: Smoke gateway|direct");
    }
    long started = System.nanoTime();
    Smoke smoke = new Smoke(args[0]);
    try {
      smoke.run();
    } catch (StatusRuntimeException error) {
      fail(error.getStatus().getCode() + ": " + error.getStatus().getDescription());
    } finally {
      smoke.close();
    }
    System.out.printf(Locale.ROOT, "java smoke (%s): every step passed in %.1f s%n", args[0],
        (System.nanoTime() - started) / 1e9);
  }

  private ManagedChannel channel(String service) {
    String name = via.equals("direct") ? "COINS_" + service.toUpperCase(Locale.ROOT) + "_TARGET" : "COINS_GATEWAY";
    ManagedChannel channel = ManagedChannelBuilder.forTarget(env(name)).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The stub with the access token on every call and a deadline. */
  private static <S extends AbstractStub<S>> S as(S stub, String accessToken) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + accessToken);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(15, TimeUnit.SECONDS);
  }

  private void run() throws Exception {
    var auth = AuthServiceGrpc.newBlockingStub(channel("auth")).withDeadlineAfter(30, TimeUnit.SECONDS);
    var campaigns = CampaignServiceGrpc.newBlockingStub(channel("campaign"));
    var ideas = IdeaServiceGrpc.newBlockingStub(channel("idea"));
    var coins = CoinServiceGrpc.newBlockingStub(channel("coin"));

    String admin = auth.login(LoginRequest.newBuilder().setEmail(env("COINS_ADMIN_EMAIL"))
        .setPassword(env("COINS_ADMIN_PASSWORD")).build()).getAccessToken();

    String email = "java-smoke-" + UUID.randomUUID().toString().substring(0, 12) + "@example.org";
    auth.register(RegisterRequest.newBuilder().setEmail(email).setPassword(PASSWORD).setFullName("Java Smoke")
        .build());
    auth.verifyEmail(VerifyEmailRequest.newBuilder().setToken(verificationToken(email)).build());
    String member = auth.login(LoginRequest.newBuilder().setEmail(email).setPassword(PASSWORD).build())
        .getAccessToken();
    step("registered, verified and signed in " + email);

    String slug = "java-smoke-" + UUID.randomUUID().toString().substring(0, 8);
    as(campaigns, admin).createCampaign(CreateCampaignRequest.newBuilder().setCampaignId(slug)
        .setCampaign(Campaign.newBuilder().setTitle("Java smoke").setType(CampaignType.CAMPAIGN_TYPE_OPEN))
        .build());
    Campaign active = as(campaigns, admin).activateCampaign(
        ActivateCampaignRequest.newBuilder().setCampaignId(slug).build());
    expect(active.getStatus() == CampaignStatus.CAMPAIGN_STATUS_ACTIVE, "campaign status " + active.getStatus());
    step("admin created and activated campaign " + slug);

    as(campaigns, member).joinCampaign(JoinCampaignRequest.newBuilder().setCampaignId(slug).build());
    Idea idea = as(ideas, member).createIdea(CreateIdeaRequest.newBuilder().setCampaignId(slug)
        .setTitle("Java smoke idea " + UUID.randomUUID()).build());
    step("member joined and submitted idea " + idea.getId());

    AllocateCoinsRequest allocate = AllocateCoinsRequest.newBuilder().setCampaignId(slug).setIdeaId(idea.getId())
        .setAmount(10).setRequestId(UUID.randomUUID().toString()).build();
    AllocateCoinsResponse first = as(coins, member).allocateCoins(allocate);
    AllocateCoinsResponse replay = as(coins, member).allocateCoins(allocate);
    expect(first.getBalance().getAvailable() == 90 && replay.getBalance().getAvailable() == 90,
        "available after allocation and replay: " + first.getBalance().getAvailable() + ", "
            + replay.getBalance().getAvailable() + " (want 90, 90)");
    expect(replay.getAllocation().getAmount() == 10, "replayed allocation " + replay.getAllocation().getAmount());
    CoinBalance balance = as(coins, member).getCoinBalance(
        GetCoinBalanceRequest.newBuilder().setCampaignId(slug).build());
    expect(balance.getAvailable() == 90 && balance.getAllocated() == 10, "balance available "
        + balance.getAvailable() + " allocated " + balance.getAllocated() + " (want 90, 10): the replay moved coins");
    step("allocated 10 coins once though the call was sent twice; balance 90 available, 10 allocated");

    try {
      as(coins, member).allocateCoins(allocate.toBuilder().setAmount(1000)
          .setRequestId(UUID.randomUUID().toString()).build());
      fail("allocating 1000 of 90 coins succeeded");
    } catch (StatusRuntimeException refused) {
      expect(refused.getStatus().getCode() == Status.Code.FAILED_PRECONDITION,
          "over-allocation answered " + refused.getStatus());
      ErrorInfo info = errorInfo(refused);
      expect(info.getReason().equals("COIN_001") && info.getDomain().equals("coins.v1"),
          "over-allocation ErrorInfo " + info + " (want reason COIN_001, domain coins.v1)");
      step("refused allocation: " + refused.getStatus().getCode() + ", ErrorInfo reason " + info.getReason());
    }
  }

  private static ErrorInfo errorInfo(StatusRuntimeException error) throws InvalidProtocolBufferException {
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    if (status != null) {
      for (Any detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          return detail.unpack(ErrorInfo.class);
        }
      }
    }
    fail("no ErrorInfo in the status details of " + error.getStatus());
    return ErrorInfo.getDefaultInstance();
  }

  /** Waits for the registration mail in the dev mailbox (one .eml per delivery) and returns its link's token. */
  private static String verificationToken(String email) throws IOException, InterruptedException {
    Path dir = Path.of(env("COINS_MAIL_DIR"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(dir)) {
        try (DirectoryStream<Path> mails = Files.newDirectoryStream(dir, "[!.]*.eml")) {
          for (Path mail : mails) {
            String raw = Files.readString(mail);
            if (!raw.contains("Delivered-To: " + email)) {
              continue;
            }
            // The body may be quoted-printable: undo soft line breaks and the escaped '='.
            String text = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
            Matcher match = TOKEN_IN_LINK.matcher(text);
            if (match.find()) {
              return match.group(1);
            }
          }
        }
      }
      Thread.sleep(100);
    }
    fail("no verification mail for " + email + " in " + dir);
    return "";
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      fail(name + " is not set");
    }
    return value;
  }

  private static void step(String message) {
    System.out.println("  ok  " + message);
  }

  private static void expect(boolean ok, String message) {
    if (!ok) {
      fail(message);
    }
  }

  private static void fail(String message) {
    System.err.println("java smoke FAILED: " + message);
    System.exit(1);
  }
}
