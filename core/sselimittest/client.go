package sselimittest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clientTimeout bounds every request of the suite, so a broken adapter
// fails a test instead of hanging it.
const clientTimeout = 60 * time.Second

// Event is one event as a client parsed it.
type Event struct {
	Name, ID, Data string
	Retry          int // ms; -1 when absent
}

// Conn is an open event stream as a client sees it.
type Conn struct {
	Resp     *http.Response
	r        *bufio.Reader
	cancel   context.CancelFunc
	Comments int // comment lines read so far
}

// Client talks to one server of the suite over real HTTP/1.1, one TCP
// connection per stream.
type Client struct {
	t    testing.TB
	Base string
	HC   *http.Client
}

// NewClient returns a client for base whose connections close with t.
func NewClient(t testing.TB, base string) *Client {
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1, ForceAttemptHTTP2: false}
	t.Cleanup(tr.CloseIdleConnections)
	return &Client{t: t, Base: base, HC: &http.Client{Transport: tr}}
}

// Open sends GET path with user (when not "") in the X-User header. A 200
// event stream is returned as a Conn ready to read; any other response is
// returned with its body read into body.
func (c *Client) Open(path, user string) (conn *Conn, resp *http.Response, body string, err error) {
	h := make(http.Header)
	if user != "" {
		h.Set("X-User", user)
	}
	return c.OpenHeader(path, h)
}

// OpenHeader is Open with the request headers h.
func (c *Client) OpenHeader(path string, h http.Header) (conn *Conn, resp *http.Response, body string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		cancel()
		return nil, nil, "", err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err = c.HC.Do(req)
	if err != nil {
		cancel()
		return nil, nil, "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp, string(b), nil
	}
	conn = &Conn{Resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
	c.t.Cleanup(conn.Close)
	return conn, resp, "", nil
}

// MustStream opens path and reads the hello event, failing the test if the
// stream is not admitted.
func (c *Client) MustStream(path, user string) *Conn {
	c.t.Helper()
	conn, resp, body, err := c.Open(path, user)
	if err != nil || conn == nil {
		c.t.Fatalf("GET %s as %q: got %v body %q err %v, want an admitted stream", path, user, status(resp), body, err)
	}
	ev, err := conn.Next()
	if err != nil || ev.Name != "hello" {
		c.t.Fatalf("GET %s as %q: first event %+v err %v, want hello", path, user, ev, err)
	}
	return conn
}

// Next reads the next event, skipping comments.
func (c *Conn) Next() (Event, error) {
	ev := Event{Retry: -1}
	var data []string
	seen := false
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if seen {
				ev.Data = strings.Join(data, "\n")
				return ev, nil
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			c.Comments++
			continue
		}
		seen = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Name = value
		case "id":
			ev.ID = value
		case "data":
			data = append(data, value)
		case "retry":
			ev.Retry, _ = strconv.Atoi(value)
		default:
			return ev, fmt.Errorf("unknown field in line %q", line)
		}
	}
}

// Close abandons the stream, closing its connection.
func (c *Conn) Close() {
	c.cancel()
	c.Resp.Body.Close()
}

func status(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	return resp.Status
}

// ReadLine reads one raw line of the stream, without its line feed.
func (c *Conn) ReadLine() (string, error) {
	line, err := c.r.ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}
