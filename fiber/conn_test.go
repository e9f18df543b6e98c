package sselimitfiber_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/log"
	"github.com/gofiber/fiber/v2/middleware/compress"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

func TestClientGoneBeforeTheResponseIsReleased(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	entered, proceed := make(chan struct{}), make(chan struct{})
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		close(entered)
		<-proceed
		return sselimitfiber.Stream(c, hold)
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: test\r\n\r\n")
	<-entered
	sselimittest.Vanish(conn.(*net.TCPConn))
	close(proceed)
	// Whether fasthttp's header write or the stream's first write finds
	// the client gone, the slot is released, once.
	f.Active(0)
	// The release hook runs as the slot is given back: wait for it too.
	f.Await("the release hook", func() bool { return f.released.Load() >= 1 })
	if n := f.released.Load(); n != 1 {
		t.Errorf("releases: got %d, want 1", n)
	}
}

func TestClientGoneIsSeenOverTLS(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Hour))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	serverConfig, roots := selfSignedTLS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := serveOn(t, app, tls.NewListener(ln, serverConfig))
	conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "http://"), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: test\r\n\r\n")
	sselimittest.ReadHello(t, bufio.NewReader(conn))
	f.Active(1)
	conn.Close()
	f.Active(0)
}

// selfSignedTLS returns a server config for 127.0.0.1 and the pool that
// trusts it.
func selfSignedTLS(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, roots
}

// lockedBuffer collects log output written from any goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// captureFiberLog sends Fiber's log to a buffer until the test ends.
func captureFiberLog(t *testing.T) *lockedBuffer {
	buf := &lockedBuffer{}
	log.SetOutput(buf)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	return buf
}

func TestStreamOutlivesWriteTimeoutOnTCP(t *testing.T) {
	const beat = 100 * time.Millisecond
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(beat))
	app := fiber.New(fiber.Config{DisableStartupMessage: true, WriteTimeout: 3 * beat})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	conn := sselimittest.NewClient(t, serve(t, app)).MustStream("/stream", "")
	// Each heartbeat follows a silent interval, so six of them span more
	// than the WriteTimeout fasthttp armed when the response started.
	for i := range 6 {
		if line, err := conn.ReadLine(); err != nil || !strings.HasPrefix(line, ":") {
			t.Fatalf("heartbeat %d: got %q, %v", i, line, err)
		}
	}
}

func TestCompressMiddlewareStillStreams(t *testing.T) {
	// fasthttp compresses a body stream on the fly, flushing the
	// compressor after every write: events are not held back.
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Hour))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(compress.New())
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	base := serve(t, app)
	req, err := http.NewRequest(http.MethodGet, base+"/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	client := sselimittest.NewClient(t, base)
	resp, err := client.HC.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if enc := resp.Header.Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", enc)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	events := bufio.NewReader(zr)
	sselimittest.ReadHello(t, events) // while the stream is open
	f.Active(1)
	if n, err := f.Gate.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	rest, err := io.ReadAll(events)
	if err != nil || !strings.Contains(string(rest), "event: close\n") {
		t.Errorf("after Drain: got %q, %v; want the close frame, then the end", rest, err)
	}
}

func TestHijackedResponseReleasesWhenFasthttpResetsIt(t *testing.T) {
	// A response fasthttp never writes is reset when its request context
	// is released, which closes the body stream.
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	var ran atomic.Bool
	hijacked := make(chan struct{})
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		if err := sselimitfiber.Stream(c, func(*sselimit.Stream) { ran.Store(true) }); err != nil {
			return err
		}
		c.Context().HijackSetNoResponse(true)
		c.Context().Hijack(func(net.Conn) { close(hijacked) })
		return nil
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: test\r\n\r\n")
	<-hijacked
	f.Active(0)
	if ran.Load() {
		t.Error("the stream function ran for a response fasthttp never wrote")
	}
}
