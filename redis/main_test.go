package sselimitredis_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// exampleRedisAddr is the address of the redis-server the examples use.
var exampleRedisAddr string

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		runReplica()
	}
	// Tests stop Redis on purpose: the client's dial failures are expected.
	redis.SetLogger(quietLogger{})
	stop, err := startExampleRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting redis-server for the examples:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	if code == 0 {
		// A client closed while its pool redials a killed server ends the
		// redialing goroutine only after that goroutine's one-second pause:
		// a leak is one still there after a few such pauses.
		err := goleak.Find()
		for deadline := time.Now().Add(3 * time.Second); err != nil && time.Now().Before(deadline); {
			err = goleak.Find()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// startExampleRedis starts a redis-server on a free port for the examples
// and returns once it answers.
func startExampleRedis() (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	exampleRedisAddr = "127.0.0.1:" + strconv.Itoa(port)
	rc := redis.NewClient(&redis.Options{Addr: exampleRedisAddr})
	defer rc.Close()
	for deadline := time.Now().Add(30 * time.Second); rc.Ping(context.Background()).Err() != nil; {
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("redis-server on port %d does not answer", port)
		}
		time.Sleep(20 * time.Millisecond) // polls until the server answers
	}
	return stop, nil
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
