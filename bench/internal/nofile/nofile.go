// Package nofile raises the open-file limit of the load tool and the bench
// server: each held stream costs one descriptor on each side.
package nofile

import "fmt"

// Raise sets the soft open-file limit to at least want (0: as high as the
// hard limit allows), up to the hard limit, and returns the soft limit now
// in force. It fails when the hard limit is below want: only a privileged
// user can raise that (ulimit -Hn).
func Raise(want uint64) (uint64, error) {
	soft, hard, err := limits()
	if err != nil {
		return 0, err
	}
	target := hard
	if want > 0 {
		target = min(want, hard)
	}
	if soft < target {
		if err := setSoft(target, hard); err != nil {
			return soft, fmt.Errorf("raising the open-file limit to %d: %w", target, err)
		}
		soft = target
	}
	if soft < want {
		return soft, fmt.Errorf("need %d open files, the hard limit is %d (raise it with ulimit -Hn)", want, hard)
	}
	return soft, nil
}
