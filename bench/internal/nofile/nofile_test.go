//go:build unix

package nofile

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRaise(t *testing.T) {
	_, hard, err := limits()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Raise(0)
	if err != nil || got != hard {
		t.Fatalf("Raise(0) = %d, %v; want the hard limit %d", got, err, hard)
	}
	if got, err := Raise(hard / 2); err != nil || got != hard {
		t.Errorf("Raise(%d) = %d, %v; want the soft limit left at %d", hard/2, got, err, hard)
	}
	if hard == ^uint64(0) {
		t.Skip("no hard limit to exceed")
	}
	if _, err := Raise(hard + 1); err == nil {
		t.Errorf("Raise(%d) above the hard limit: no error", hard+1)
	}
	if soft, _, _ := limits(); soft != hard {
		t.Errorf("after a failed Raise the soft limit is %d, want %d", soft, hard)
	}
}
