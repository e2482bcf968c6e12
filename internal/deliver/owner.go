package deliver

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processOwner names this process for the outbox lease: host, process id
// and start time, so that a reused process id is not mistaken for us.
func processOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
}

// ownerGone reports whether the lease holder was a process on this host
// that no longer exists (killed, crashed), so that a restart need not wait
// for its lease to run out. Holders on other hosts are never presumed dead.
func ownerGone(owner string) bool {
	parts := strings.Split(owner, ":")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		// Another Outbox of this very process: alive. (A dead earlier
		// process that had our id waits for its lease to expire.)
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
