package sselimitredistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has cmd killed if the test process dies first (a test
// timeout panics without running cleanups), so no server outlives it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
