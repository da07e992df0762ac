// The bench's SSE stream clients: N streams opened at once, each read to "data: [DONE]", and the
// time from each request's send to its first body byte. The bench's Node clients did this on the
// bench's own event loop, which all N streams shared with its 50 ms memory sampler. Here each
// stream is a goroutine, and each stream's time starts right before its own request is handed to
// the client (the Node clients took every start time before the first request went out, so their
// times also held the wait to send).
//
//	stream-clients -url URL -n 1000 -body-file F [-header "k: v"]... [-timeout 60s]
//
// First a warm-up wave of N streams opens the keep-alive connections (so the measured wave times
// streaming rather than N handshakes), then it prints "measuring" on a line of its own, runs the
// measured wave, and prints one JSON line: both waves' counts and the measured wave's times to
// first byte in nanoseconds. It exits when its stdin closes.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"time"
)

type wave struct {
	Streams int `json:"streams"`
	// Streams that got an HTTP status back (the gateway answered, so it owes a row).
	Answered int `json:"answered"`
	OK       int `json:"ok"`
	Errors   int `json:"errors"`
	// Streams that had to open a connection (the warm-up's closed in between, or were never opened).
	NewConns     int      `json:"newConns"`
	ErrorSamples []string `json:"errorSamples"`
	TTFBNs       []int64  `json:"ttfbNs,omitempty"`
}

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	url := flag.String("url", "", "the streaming endpoint")
	n := flag.Int("n", 1000, "streams per wave")
	bodyFile := flag.String("body-file", "", "the request body")
	timeout := flag.Duration("timeout", 60*time.Second, "per stream, to [DONE]")
	var extra headers
	flag.Var(&extra, "header", `a request header, "name: value" (repeatable)`)
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil || *url == "" {
		fmt.Fprintln(os.Stderr, "stream-clients: needs -url and a readable -body-file:", err)
		os.Exit(2)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	for _, h := range extra {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			fmt.Fprintln(os.Stderr, "stream-clients: -header needs name: value, got", h)
			os.Exit(2)
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	client := &http.Client{
		Timeout: *timeout,
		Transport: &http.Transport{
			MaxConnsPerHost:     *n,
			MaxIdleConnsPerHost: *n,
			MaxIdleConns:        *n,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
	run := func(measured bool) wave {
		w := wave{Streams: *n, ErrorSamples: []string{}}
		var mu sync.Mutex
		var ready, done sync.WaitGroup
		start := make(chan struct{})
		ready.Add(*n)
		done.Add(*n)
		for i := 0; i < *n; i++ {
			go func() {
				defer done.Done()
				req, _ := http.NewRequest(http.MethodPost, *url, nil)
				req.Header = header.Clone()
				req.ContentLength = int64(len(body))
				req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
				req.Body, _ = req.GetBody()
				ready.Done()
				<-start
				answered, reused, ttfb, err := stream(client, req)
				mu.Lock()
				defer mu.Unlock()
				if !reused {
					w.NewConns++
				}
				if answered {
					w.Answered++
				}
				if err != nil {
					w.Errors++
					if len(w.ErrorSamples) < 5 {
						w.ErrorSamples = append(w.ErrorSamples, truncate(err.Error(), 200))
					}
					return
				}
				w.OK++
				if measured {
					w.TTFBNs = append(w.TTFBNs, ttfb.Nanoseconds())
				}
			}()
		}
		ready.Wait()
		close(start)
		done.Wait()
		return w
	}
	go func() {
		// The bench holds our stdin: when it goes away (Ctrl-C, a crash), so do we.
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(1)
	}()
	warm := run(false)
	fmt.Println("measuring")
	measured := run(true)
	out, _ := json.Marshal(map[string]wave{"warmUp": warm, "wave": measured})
	fmt.Println(string(out))
}

// stream sends req and reads its answer to the end: whether a status came back, whether it went
// over a kept-alive connection, the time to the first body byte, and what went wrong (a non-200
// status, a stream without [DONE], a timeout).
func stream(client *http.Client, req *http.Request) (bool, bool, time.Duration, error) {
	reused := false
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	}))
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return false, reused, 0, err
	}
	defer res.Body.Close()
	buf := make([]byte, 16<<10)
	var text bytes.Buffer
	var ttfb time.Duration
	for {
		k, err := res.Body.Read(buf)
		if k > 0 && ttfb == 0 {
			ttfb = time.Since(t0)
		}
		text.Write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			return true, reused, 0, err
		}
	}
	if res.StatusCode != http.StatusOK {
		return true, reused, 0, fmt.Errorf("HTTP %d: %s", res.StatusCode, truncate(text.String(), 160))
	}
	if !bytes.Contains(text.Bytes(), []byte("data: [DONE]")) {
		return true, reused, 0, fmt.Errorf("stream ended without data: [DONE]")
	}
	return true, reused, ttfb, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
