// Command smoke walks one member's journey through a running Coins for Change platform with the Go stubs that
// `make clients` generates into build/gen: register, verify the email, sign in, an admin creates and activates a
// campaign, the member joins, submits an idea, allocates coins with a request_id, repeats the call (a replay),
// reads the balance, and reads the ErrorInfo reason of a refused allocation.
//
//	go run . gateway   # every call to the Envoy gateway (COINS_GATEWAY, host:port)
//	go run . direct    # each call to its service (COINS_AUTH_TARGET, COINS_CAMPAIGN_TARGET, ...)
//
// Also read: COINS_ADMIN_EMAIL, COINS_ADMIN_PASSWORD (an admin account) and COINS_MAIL_DIR (the dev mailbox's
// folder, where the verification link arrives). Exit status 0 means every step answered as the contract says.
package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	coinsv1 "github.com/coins-for-change/coins/clients/go/build/gen/coins/v1"
)

const password = "correct horse battery staple"

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "gateway" && os.Args[1] != "direct") {
		fail("usage: smoke gateway|direct")
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run(ctx, os.Args[1])
	fmt.Printf("go smoke (%s): every step passed in %.1f s\n", os.Args[1], time.Since(started).Seconds())
}

// dial opens one connection per service; through the gateway they are all one address.
func dial(via string) (auth, campaign, idea, coin *grpc.ClientConn) {
	target := func(service string) string {
		name := "COINS_GATEWAY"
		if via == "direct" {
			name = "COINS_" + strings.ToUpper(service) + "_TARGET"
		}
		return env(name)
	}
	open := func(service string) *grpc.ClientConn {
		conn, err := grpc.NewClient(target(service), grpc.WithTransportCredentials(insecure.NewCredentials()))
		check(err, "connect to "+service)
		return conn
	}
	return open("auth"), open("campaign"), open("idea"), open("coin")
}

func run(ctx context.Context, via string) {
	authConn, campaignConn, ideaConn, coinConn := dial(via)
	auth := coinsv1.NewAuthServiceClient(authConn)
	campaigns := coinsv1.NewCampaignServiceClient(campaignConn)
	ideas := coinsv1.NewIdeaServiceClient(ideaConn)
	coins := coinsv1.NewCoinServiceClient(coinConn)

	adminTokens, err := auth.Login(ctx, &coinsv1.LoginRequest{
		Email: env("COINS_ADMIN_EMAIL"), Password: env("COINS_ADMIN_PASSWORD")})
	check(err, "admin sign-in")
	admin := bearer(ctx, adminTokens.GetAccessToken())

	email := fmt.Sprintf("go-smoke-%s@example.org", uuid.NewString()[:12])
	_, err = auth.Register(ctx, &coinsv1.RegisterRequest{Email: email, Password: password, FullName: "Go Smoke"})
	check(err, "register")
	_, err = auth.VerifyEmail(ctx, &coinsv1.VerifyEmailRequest{Token: verificationToken(email)})
	check(err, "verify email")
	tokens, err := auth.Login(ctx, &coinsv1.LoginRequest{Email: email, Password: password})
	check(err, "sign in")
	member := bearer(ctx, tokens.GetAccessToken())
	step("registered, verified and signed in %s", email)

	slug := "go-smoke-" + uuid.NewString()[:8]
	_, err = campaigns.CreateCampaign(admin, &coinsv1.CreateCampaignRequest{CampaignId: slug,
		Campaign: &coinsv1.Campaign{Title: "Go smoke", Type: coinsv1.CampaignType_CAMPAIGN_TYPE_OPEN}})
	check(err, "create campaign")
	active, err := campaigns.ActivateCampaign(admin, &coinsv1.ActivateCampaignRequest{CampaignId: slug})
	check(err, "activate campaign")
	expect(active.GetStatus() == coinsv1.CampaignStatus_CAMPAIGN_STATUS_ACTIVE, "campaign status %v", active.GetStatus())
	step("admin created and activated campaign %s", slug)

	_, err = campaigns.JoinCampaign(member, &coinsv1.JoinCampaignRequest{CampaignId: slug})
	check(err, "join")
	idea, err := ideas.CreateIdea(member, &coinsv1.CreateIdeaRequest{CampaignId: slug,
		Title: "Go smoke idea " + uuid.NewString()})
	check(err, "submit idea")
	step("member joined and submitted idea %s", idea.GetId())

	allocate := &coinsv1.AllocateCoinsRequest{CampaignId: slug, IdeaId: idea.GetId(), Amount: 10,
		RequestId: uuid.NewString()}
	first, err := coins.AllocateCoins(member, allocate)
	check(err, "allocate")
	replay, err := coins.AllocateCoins(member, allocate)
	check(err, "allocate again with the same request_id")
	expect(first.GetBalance().GetAvailable() == 90 && replay.GetBalance().GetAvailable() == 90,
		"available after allocation and replay: %d, %d (want 90, 90)",
		first.GetBalance().GetAvailable(), replay.GetBalance().GetAvailable())
	expect(replay.GetAllocation().GetAmount() == 10, "replayed allocation %d (want 10)", replay.GetAllocation().GetAmount())
	balance, err := coins.GetCoinBalance(member, &coinsv1.GetCoinBalanceRequest{CampaignId: slug})
	check(err, "balance")
	expect(balance.GetAvailable() == 90 && balance.GetAllocated() == 10,
		"balance available %d allocated %d (want 90, 10): the replay moved coins", balance.GetAvailable(),
		balance.GetAllocated())
	step("allocated 10 coins once though the call was sent twice; balance 90 available, 10 allocated")

	_, err = coins.AllocateCoins(member, &coinsv1.AllocateCoinsRequest{CampaignId: slug, IdeaId: idea.GetId(),
		Amount: 1000, RequestId: uuid.NewString()})
	refusal := status.Convert(err)
	expect(refusal.Code() == codes.FailedPrecondition, "over-allocation answered %v: %s", refusal.Code(),
		refusal.Message())
	info := errorInfo(refusal)
	expect(info != nil && info.GetReason() == "COIN_001" && info.GetDomain() == "coins.v1",
		"over-allocation ErrorInfo %v (want reason COIN_001, domain coins.v1)", info)
	step("refused allocation: %v, ErrorInfo reason %s", refusal.Code(), info.GetReason())
}

func errorInfo(s *status.Status) *errdetails.ErrorInfo {
	for _, detail := range s.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

var tokenInLink = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_.~%-]+)`)

// verificationToken waits for the mail the platform sends on registration and returns its link's token. The dev
// mailbox keeps one .eml file per delivery; the body may be quoted-printable.
func verificationToken(email string) string {
	dir := env("COINS_MAIL_DIR")
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, entry := range entries {
			if !strings.HasSuffix(entry.Name(), ".eml") || strings.HasPrefix(entry.Name(), ".") {
				continue
			}
			raw, err := os.ReadFile(dir + "/" + entry.Name())
			if err != nil || !strings.Contains(string(raw), "Delivered-To: "+email) {
				continue
			}
			text := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(string(raw))
			if match := tokenInLink.FindStringSubmatch(text); match != nil {
				return match[1]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fail("no verification mail for " + email + " in " + dir)
	return ""
}

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func env(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fail(name + " is not set")
	}
	return value
}

func step(format string, args ...any) { fmt.Printf("  ok  "+format+"\n", args...) }

func check(err error, what string) {
	if err != nil {
		s := status.Convert(err)
		fail(fmt.Sprintf("%s: %v: %s", what, s.Code(), s.Message()))
	}
}

func expect(ok bool, format string, args ...any) {
	if !ok {
		fail(fmt.Sprintf(format, args...))
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "go smoke FAILED:", message)
	os.Exit(1)
}
