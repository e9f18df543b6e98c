package sselimit

import (
	"testing"
	"time"
)

func TestEventAppendTo(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   Event
		want string
	}{
		{"data only", Event{Data: "hi"}, "data: hi\n\n"},
		{"empty data dispatches", Event{}, "data: \n\n"},
		{"all fields", Event{ID: "7", Name: "tick", Data: "x", Retry: 1500 * time.Millisecond}, "event: tick\nid: 7\ndata: x\nretry: 1500\n\n"},
		{"LF lines", Event{Data: "a\nb\n"}, "data: a\ndata: b\ndata: \n\n"},
		{"CRLF lines", Event{Data: "a\r\nb"}, "data: a\ndata: b\n\n"},
		{"CR lines", Event{Data: "a\rb"}, "data: a\ndata: b\n\n"},
		{"blank line inside", Event{Data: "a\n\nb"}, "data: a\ndata: \ndata: b\n\n"},
		{"colon in data", Event{Data: ": not a comment"}, "data: : not a comment\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ev.AppendTo([]byte("prefix|"))
			if err != nil || string(got) != "prefix|"+tc.want {
				t.Errorf("AppendTo: got %q, %v; want %q", got, err, "prefix|"+tc.want)
			}
		})
	}
}

func TestEventAppendToRefusesBrokenFields(t *testing.T) {
	for _, ev := range []Event{
		{Name: "a\nb"}, {Name: "a\rb"}, {ID: "1\n2"}, {ID: "1\r"}, {ID: "a\x00"},
	} {
		got, err := ev.AppendTo([]byte("kept"))
		if err != ErrInvalidField || string(got) != "kept" {
			t.Errorf("AppendTo(%+v): got %q, %v; want %q, ErrInvalidField", ev, got, err, "kept")
		}
	}
}

func TestCloseFrame(t *testing.T) {
	got := string(CloseFrame(ReasonShutdown, 2345*time.Millisecond))
	want := "event: close\ndata: {\"reason\":\"shutdown\",\"retry_ms\":2345}\nretry: 2345\n\n"
	if got != want {
		t.Errorf("CloseFrame: got %q, want %q", got, want)
	}
	if got := string(CloseFrame(ReasonLimit, 0)); got != "event: close\ndata: {\"reason\":\"limit\",\"retry_ms\":1}\nretry: 1\n\n" {
		t.Errorf("CloseFrame with no delay: got %q, want retry 1", got)
	}
}

func TestAppendComment(t *testing.T) {
	if got, want := string(appendComment(nil, "a\nb")), ": a\n: b\n"; got != want {
		t.Errorf("appendComment: got %q, want %q", got, want)
	}
}

func TestTailAfter(t *testing.T) {
	for _, tc := range []struct {
		from tail
		p    string
		want tail
	}{
		{atEvent, "", atEvent},
		{atEvent, "data: x", inLine},
		{atEvent, "data: x\n", atLine},
		{atEvent, "data: x\n\n", atEvent},
		{inLine, "\n", atLine},
		{atLine, "\n", atEvent},
		{atEvent, "\n", atEvent},
		{atLine, "data: y\n", atLine},
	} {
		if got := tc.from.after([]byte(tc.p)); got != tc.want {
			t.Errorf("tail %d after %q: got %d, want %d", tc.from, tc.p, got, tc.want)
		}
	}
}
