package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// stamp is what watchFile compares: a file's modification time and size
// (-1 while it does not exist).
type stamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{size: -1}
	}
	return stamp{fi.ModTime(), fi.Size()}
}

// watchFile calls changed when path's modification time or size differs
// from last, the stamp taken when its content was last read. Polling the
// file keeps this free of platform-specific notification APIs and works on
// network file systems and with editors that replace files.
func watchFile(ctx context.Context, path string, every time.Duration, last stamp, changed func()) {
	if path == "" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := stampOf(path)
		if now.size >= 0 && (!now.mod.Equal(last.mod) || now.size != last.size) {
			last = now
			changed()
		}
	}
}

// lockDatabase takes an exclusive lock beside the database so that a
// second daemon on the same file refuses to start; the lock is let go by
// the function returned (and by the process ending). Commands do not take
// it. The lock belongs to the open file, so a second daemon in the same
// process is refused too.
func lockDatabase(dbPath string) (func(), error) {
	path := dbPath + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		pid, _ := os.ReadFile(path)
		return nil, fmt.Errorf("another feedwatch daemon is running on %s (pid %s, lock %s); stop it first", dbPath, string(pid), path)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d", os.Getpid())
	return func() { f.Close() }, nil
}
