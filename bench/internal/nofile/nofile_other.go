//go:build !unix

package nofile

import "errors"

var errUnsupported = errors.New("open-file limits are not supported on this system")

func limits() (soft, hard uint64, err error) { return 0, 0, errUnsupported }

func setSoft(soft, hard uint64) error { return errUnsupported }
