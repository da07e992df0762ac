// The bench's upstream provider: OpenAI's chat completions wire format (a JSON answer, or an SSE
// stream paced frame by frame), with the headers OpenAI sends, and nothing else. It answers the
// bench's calls the way testkit's mock upstream does (testkit/src/openai-wire.ts; the bench's
// go-mock test compares the two), at a fraction of its CPU: the mock shares its core with the
// load generator and a gateway's background processes, so its own cost counts against every
// system's latency. testkit's mock stays the one the test suite uses (scenarios, other APIs).
//
//	mock-upstream -chunks 10 -interval-ms 20
//
// Listens on 127.0.0.1 (a free port) and prints "listening http://127.0.0.1:PORT" on stdout.
// It exits when its stdin closes, so it never outlives the bench that started it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const fingerprint = "fp_mock7c4e2a"

// keepAlive: how long an idle connection stays open, Node's HTTP server default (as testkit's
// mock): a gateway's upstream pool sees the same connection lifetimes as before.
const keepAlive = 5 * time.Second

// Filler words after the opening sentence, as testkit's generator uses them.
var words = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}

// The model names OpenAI answers with: the dated snapshot a bare name resolves to.
var servedModel = map[string]string{
	"gpt-4o-mini": "gpt-4o-mini-2024-07-18",
	"gpt-4o":      "gpt-4o-2024-08-06",
}

// Content decoded as any: a string content is then decoded once, in the request's own pass.
type message struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

type request struct {
	Model         string    `json:"model"`
	Messages      []message `json:"messages"`
	Stream        bool      `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// The answer's JSON, its fields in OpenAI's order.
type usage struct {
	PromptTokens            int               `json:"prompt_tokens"`
	CompletionTokens        int               `json:"completion_tokens"`
	TotalTokens             int               `json:"total_tokens"`
	PromptTokensDetails     promptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails completionDetails `json:"completion_tokens_details"`
}

type promptDetails struct {
	CachedTokens int `json:"cached_tokens"`
	AudioTokens  int `json:"audio_tokens"`
}

type completionDetails struct {
	ReasoningTokens          int `json:"reasoning_tokens"`
	AudioTokens              int `json:"audio_tokens"`
	AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
	RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
}

type assistantMessage struct {
	Role        string  `json:"role"`
	Content     string  `json:"content"`
	Refusal     *string `json:"refusal"`
	Annotations []any   `json:"annotations"`
}

// delta: a stream chunk's delta; the role frame alone carries role and a null refusal.
type delta struct {
	Role    string
	Content *string
	Refusal bool
}

func (d delta) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if d.Role != "" {
		b.WriteString(`"role":` + string(mustJSON(d.Role)) + `,`)
	}
	if d.Content != nil {
		b.WriteString(`"content":` + string(mustJSON(*d.Content)) + `,`)
	}
	if d.Refusal {
		b.WriteString(`"refusal":null,`)
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte(","))
	return append(out, '}'), nil
}

type choice struct {
	Index        int               `json:"index"`
	Message      *assistantMessage `json:"message,omitempty"`
	Delta        *delta            `json:"delta,omitempty"`
	Logprobs     *struct{}         `json:"logprobs"`
	FinishReason any               `json:"finish_reason"`
}

type completion struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []choice `json:"choices"`
	Usage             *usage   `json:"usage"`
	ServiceTier       string   `json:"service_tier"`
	SystemFingerprint string   `json:"system_fingerprint"`
}

type streamChunk struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	ServiceTier       string   `json:"service_tier"`
	SystemFingerprint string   `json:"system_fingerprint"`
	Choices           []choice `json:"choices"`
}

// chunkWithUsage: a chunk of a stream that asked for usage (null until the last chunk).
type chunkWithUsage struct {
	streamChunk
	Usage *usage `json:"usage"`
}

type server struct {
	chunks   int
	interval time.Duration
	started  time.Time
	next     atomic.Uint64
	memory   promptMemory
}

// promptMemory: the prompts served before, so a repeat reports half its prompt as cached, the
// way testkit's mock (testkit/src/prompt-memory.ts) models a provider's prompt cache.
type promptMemory struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

// Forgetting everything now and then bounds the memory, as testkit's mock does.
const maxRemembered = 10_000

// recall: whether the prompt was served before; remembers it either way.
func (m *promptMemory) recall(units int, hash uint32) bool {
	key := fmt.Sprintf("chat:%d:%d", units, hash)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[key]; ok {
		return true
	}
	if m.seen == nil || len(m.seen) >= maxRemembered {
		m.seen = map[string]struct{}{}
	}
	m.seen[key] = struct{}{}
	return false
}

// newID: unique per process and call, as testkit's mock makes them (prefix, 12 hex digits of
// the run, 10 of a sequence).
func (s *server) newID(prefix string) string {
	return fmt.Sprintf("%s%012x%010x", prefix, uint64(s.started.UnixMicro())&0xffffffffffff, s.next.Add(1))
}

func main() {
	chunks := flag.Int("chunks", 10, "content pieces per answer")
	intervalMs := flag.Int("interval-ms", 20, "pause between a stream's frames")
	flag.Parse()
	s := &server{chunks: *chunks, interval: time.Duration(*intervalMs) * time.Millisecond, started: time.Now()}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mock-upstream:", err)
		os.Exit(1)
	}
	go func() {
		// The parent holds our stdin: when it goes away, so do we.
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("listening http://%s\n", ln.Addr())
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: keepAlive}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "mock-upstream:", err)
		os.Exit(1)
	}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	requestID := s.newID("req_")
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		s.fail(w, requestID, http.StatusNotFound, "invalid_request_error", "unknown_url",
			fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	raw, err := io.ReadAll(r.Body)
	var req request
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil || req.Model == "" || len(req.Messages) == 0 {
		s.fail(w, requestID, http.StatusBadRequest, "invalid_request_error", nil,
			"We could not parse the JSON body of your request: it needs a model and messages.")
		return
	}
	prompt := promptText(req.Messages)
	promptUnits, hash := utf16Stats(prompt)
	promptTokens := countTokens(promptUnits)
	pieces := s.answer(hash)
	answerUnits, _ := utf16Stats(strings.Join(pieces, ""))
	completionTokens := countTokens(answerUnits)
	cached := 0
	if s.memory.recall(promptUnits, hash) {
		cached = promptTokens / 2
	}
	model := req.Model
	if served, ok := servedModel[model]; ok {
		model = served
	}
	u := usage{
		PromptTokens: promptTokens, CompletionTokens: completionTokens, TotalTokens: promptTokens + completionTokens,
		PromptTokensDetails: promptDetails{CachedTokens: cached},
	}
	id, created := s.newID("chatcmpl-"), time.Now().Unix()
	h := w.Header()
	openaiHeaders(h, requestID, time.Since(t0), promptTokens)

	if !req.Stream {
		content := strings.Join(pieces, "")
		body := mustJSON(completion{
			ID: id, Object: "chat.completion", Created: created, Model: model,
			Choices: []choice{{Message: &assistantMessage{Role: "assistant", Content: content, Annotations: []any{}}, FinishReason: "stop"}},
			Usage:   &u, ServiceTier: "default", SystemFingerprint: fingerprint,
		})
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	frames := streamFrames(id, created, model, pieces, includeUsage, &u)
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	for i, frame := range frames {
		if i > 0 && s.interval > 0 {
			select {
			case <-time.After(s.interval):
			case <-r.Context().Done():
				return
			}
		}
		if _, err := io.WriteString(w, frame); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// streamFrames: the role frame, one frame per piece, the finish frame, the usage frame when asked
// for, and [DONE]. With include_usage every chunk carries "usage": null until the last.
func streamFrames(id string, created int64, model string, pieces []string, includeUsage bool, u *usage) []string {
	head := func() streamChunk {
		return streamChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: model, ServiceTier: "default", SystemFingerprint: fingerprint}
	}
	chunk := func(d delta, finish *string) string {
		c := head()
		c.Choices = []choice{{Delta: &d, FinishReason: finish}}
		if includeUsage {
			return sse(chunkWithUsage{c, nil})
		}
		return sse(c)
	}
	empty := ""
	frames := []string{chunk(delta{Role: "assistant", Content: &empty, Refusal: true}, nil)}
	for _, p := range pieces {
		frames = append(frames, chunk(delta{Content: &p}, nil))
	}
	stop := "stop"
	frames = append(frames, chunk(delta{}, &stop))
	if includeUsage {
		c := head()
		c.Choices = []choice{}
		frames = append(frames, sse(chunkWithUsage{c, u}))
	}
	return append(frames, "data: [DONE]\n\n")
}

// answer: "Mock reply <8 hex digits of the prompt's hash>." and filler words, s.chunks pieces.
func (s *server) answer(hash uint32) []string {
	pieces := []string{fmt.Sprintf("Mock reply %08x.", hash)}
	for i := 0; len(pieces) < s.chunks; i++ {
		pieces = append(pieces, " "+words[i%len(words)])
	}
	return pieces[:max(s.chunks, 1)]
}

// promptText: the messages' text joined by newlines (string contents, and the text of text
// parts, as testkit's mock reads them).
func promptText(messages []message) string {
	var texts []string
	for _, m := range messages {
		switch content := m.Content.(type) {
		case string:
			texts = append(texts, content)
		case []any:
			for _, p := range content {
				// A part without text (an image) is an empty line, as testkit joins it.
				if part, ok := p.(map[string]any); ok {
					text, _ := part["text"].(string)
					texts = append(texts, text)
				}
			}
		}
	}
	return strings.Join(texts, "\n")
}

// countTokens: testkit's crude tokenizer, one token per 4 UTF-16 units, rounded up.
func countTokens(units int) int {
	return (units + 3) / 4
}

// utf16Stats: the length JavaScript gives the text, and testkit's hash of a prompt (32-bit
// FNV-1a over its UTF-16 units), in one pass without converting the text: agents' prompts of
// 100 KB and more would otherwise make the mock, not the gateway, the bench's slowest part.
func utf16Stats(text string) (units int, hash uint32) {
	const prime = 0x01000193
	hash = 0x811c9dc5
	for _, r := range text {
		if r >= 0x10000 {
			r -= 0x10000
			hash = (hash ^ uint32(0xd800+(r>>10)&0x3ff)) * prime
			hash = (hash ^ uint32(0xdc00+r&0x3ff)) * prime
			units += 2
			continue
		}
		hash = (hash ^ uint32(r)) * prime
		units++
	}
	return units, hash
}

func openaiHeaders(h http.Header, requestID string, took time.Duration, promptTokens int) {
	// As Node's HTTP server announces its 5 s keep-alive (clients such as undici read it).
	h.Set("Connection", "keep-alive")
	h.Set("Keep-Alive", fmt.Sprintf("timeout=%d", int(keepAlive.Seconds())))
	h.Set("Openai-Organization", "org-mock")
	h.Set("Openai-Processing-Ms", strconv.FormatInt(took.Milliseconds(), 10))
	h.Set("Openai-Version", "2020-10-01")
	h.Set("X-Ratelimit-Limit-Requests", "10000")
	h.Set("X-Ratelimit-Limit-Tokens", "10000000")
	h.Set("X-Ratelimit-Remaining-Requests", "9999")
	h.Set("X-Ratelimit-Remaining-Tokens", strconv.Itoa(10000000-promptTokens))
	h.Set("X-Ratelimit-Reset-Requests", "6ms")
	h.Set("X-Ratelimit-Reset-Tokens", "0s")
	h.Set("X-Request-Id", requestID)
}

// apiError: OpenAI's error object, its fields in OpenAI's order.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    any     `json:"code"`
}

// fail: OpenAI's error shape.
func (s *server) fail(w http.ResponseWriter, requestID string, status int, kind string, code any, msg string) {
	body := mustJSON(struct {
		Error apiError `json:"error"`
	}{apiError{Message: msg, Type: kind, Code: code}})
	openaiHeaders(w.Header(), requestID, 0, 0)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func sse(payload any) string {
	return "data: " + string(mustJSON(payload)) + "\n\n"
}

// mustJSON: json.Marshal without HTML escaping (as JSON.stringify writes it).
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
