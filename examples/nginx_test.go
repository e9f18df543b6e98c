package examples_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nginx is an nginx process started from nginx.conf, in front of one app.
type nginx struct {
	url string
	*daemon
}

// startNginx starts nginx with the recipe in nginx.conf, changed only
// where a test must: its listening address, the app it proxies to
// (upstream, "host:port") and its read timeout. Its files live in a
// temporary directory, its prefix. nginx is stopped at the end of the test.
//
// The test makes the listening socket and hands it to nginx the way nginx
// hands sockets to a new binary on upgrade (the NGINX environment
// variable), so the port is known and accepts connections at once.
func startNginx(t *testing.T, upstream, readTimeout string) *nginx {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			t.Fatalf("nginx is needed and missing (%v): install Debian's nginx package, as `make test` does", err)
		}
		bin = "/usr/sbin/nginx"
	}
	recipe, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sock, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()

	dir := t.TempDir()
	conf := string(recipe)
	for _, r := range []struct{ old, new string }{
		{"listen 8000;", "listen " + ln.Addr().String() + ";"},
		{"server 127.0.0.1:8080;", "server " + upstream + ";"},
		{"proxy_read_timeout 60s;", "proxy_read_timeout " + readTimeout + ";"},
	} {
		if strings.Count(conf, r.old) != 1 {
			t.Fatalf("nginx.conf must hold %q exactly once for the test to adapt it", r.old)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	if os.Geteuid() == 0 {
		// Workers would run as nobody, who cannot enter the test's directory.
		conf = "user root;\n" + conf
	}
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "-p", dir, "-c", confFile,
		"-g", "daemon off; master_process on; pid "+filepath.Join(dir, "nginx.pid")+"; error_log stderr notice;")
	cmd.ExtraFiles = []*os.File{sock} // fd 3
	cmd.Env = append(os.Environ(), "NGINX=3;")
	n := &nginx{url: "http://" + ln.Addr().String(),
		daemon: startDaemon(t, "nginx", cmd, "start worker process", "\nconfiguration:\n"+conf)}
	if !n.ready(t) {
		t.Fatalf("nginx exited at start: %v\n%s", n.waitErr, n.out.String())
	}
	return n
}

// hostPort is the "host:port" of an http:// URL.
func hostPort(url string) string { return strings.TrimPrefix(url, "http://") }

// seconds formats d for nginx.
func seconds(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + "s" }
