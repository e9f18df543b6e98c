package sselimit_test

import (
	"net/http"
	"testing"

	"github.com/sselimit/sselimit/core/sselimittest"
)

func TestMiddlewareBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimittest.NetHTTP())
}

// serveServer serves h on 127.0.0.1 until t ends.
func serveServer(t *testing.T, h http.Handler) (string, *http.Server) {
	srv := &http.Server{Handler: h}
	return sselimittest.Serve(t, srv), srv
}
