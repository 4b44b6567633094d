// Command loadgen drives AllocateCoins at a fixed concurrency for a fixed time, over native gRPC or REST/JSON,
// and prints one JSON line: calls/s, latency percentiles and outcomes by gRPC status.
//
// Every call carries a fresh request_id (a repeated one would be an idempotent replay, not an allocation) and
// rotates through the member tokens in -tokens, so callers spread over many accounts. Requests are encoded with
// protowire directly: the tool needs no generated Go code.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

const method = "/coins.v1.CoinService/AllocateCoins"

// rawCodec sends and receives already-encoded protobuf bytes.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *(v.(*[]byte)) = append([]byte(nil), data...); return nil }
func (rawCodec) Name() string                       { return "proto" }

func init() { encoding.RegisterCodec(rawCodec{}) }

func uuid4() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func allocateRequest(campaign, idea string, amount int64, requestID string) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, campaign)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, idea)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(amount))
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendString(b, requestID)
	return b
}

func readLines(path string) []string {
	file, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer file.Close()
	var lines []string
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

type result struct {
	latency time.Duration
	outcome string
}

func main() {
	target := flag.String("target", "127.0.0.1:50054", "gRPC host:port, or the gateway's http://host:port with -rest")
	rest := flag.Bool("rest", false, "POST /campaigns/{campaign}/coins/allocate as JSON through the gateway")
	concurrency := flag.Int("c", 64, "concurrent callers")
	duration := flag.Duration("d", 10*time.Second, "how long to load")
	warmup := flag.Duration("warmup", 2*time.Second, "calls in this first stretch are not counted")
	campaign := flag.String("campaign", "", "campaign id (slug)")
	ideasFile := flag.String("ideas", "", "file of idea ids, one a line")
	tokensFile := flag.String("tokens", "", "file of access tokens, one a line")
	connections := flag.Int("connections", 4, "gRPC connections shared by the callers")
	flag.Parse()

	ideas, tokens := readLines(*ideasFile), readLines(*tokensFile)
	var conns []*grpc.ClientConn
	if !*rest {
		for i := 0; i < *connections; i++ {
			conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			conns = append(conns, conn)
		}
	}
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency}}

	var counter uint64
	start := time.Now()
	countFrom, stopAt := start.Add(*warmup), start.Add(*warmup+*duration)
	results := make([][]result, *concurrency)
	var wg sync.WaitGroup
	for worker := 0; worker < *concurrency; worker++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for {
				now := time.Now()
				if now.After(stopAt) {
					return
				}
				n := atomic.AddUint64(&counter, 1)
				idea, token := ideas[n%uint64(len(ideas))], tokens[n%uint64(len(tokens))]
				requestID := uuid4()
				var outcome string
				if *rest {
					outcome = callRest(httpClient, *target, *campaign, idea, token, requestID)
				} else {
					outcome = callGrpc(conns[worker%len(conns)], *campaign, idea, token, requestID)
				}
				if now.After(countFrom) {
					results[worker] = append(results[worker], result{time.Since(now), outcome})
				}
			}
		}(worker)
	}
	wg.Wait()

	var latencies []time.Duration
	outcomes := map[string]int{}
	for _, rs := range results {
		for _, r := range rs {
			outcomes[r.outcome]++
			if r.outcome == "OK" {
				latencies = append(latencies, r.latency)
			}
		}
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	report := map[string]any{
		"calls_per_s": float64(outcomes["OK"]) / duration.Seconds(),
		"p50_ms":      pct(0.50),
		"p99_ms":      pct(0.99),
		"outcomes":    outcomes,
		"concurrency": *concurrency,
		"rest":        *rest,
	}
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
}

func callGrpc(conn *grpc.ClientConn, campaign, idea, token, requestID string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	request := allocateRequest(campaign, idea, 1, requestID)
	var reply []byte
	err := conn.Invoke(ctx, method, &request, &reply)
	return status.Code(err).String()
}

// callRest maps the HTTP reply back to a gRPC status name, so both transports are counted the same way.
func callRest(client *http.Client, base, campaign, idea, token, requestID string) string {
	body := fmt.Sprintf(`{"ideaId":%q,"amount":"1","requestId":%q}`, idea, requestID)
	request, _ := http.NewRequest("POST", base+"/campaigns/"+campaign+"/coins/allocate", bytes.NewBufferString(body))
	request.Header.Set("content-type", "application/json")
	request.Header.Set("authorization", "Bearer "+token)
	reply, err := client.Do(request)
	if err != nil {
		return "Unavailable"
	}
	defer reply.Body.Close()
	payload, _ := io.ReadAll(reply.Body)
	if reply.StatusCode == 200 {
		return "OK"
	}
	var rpcStatus struct {
		Code int `json:"code"`
	}
	if json.Unmarshal(payload, &rpcStatus) == nil && rpcStatus.Code != 0 {
		return fmt.Sprintf("code-%d", rpcStatus.Code)
	}
	return fmt.Sprintf("http-%d", reply.StatusCode)
}
