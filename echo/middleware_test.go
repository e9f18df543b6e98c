package sselimitecho_test

import (
	"testing"

	"github.com/sselimit/sselimit/core/sselimittest"
	"github.com/sselimit/sselimit/echo/sselimitechotest"
)

func TestMiddlewareBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimitechotest.Harness())
}
