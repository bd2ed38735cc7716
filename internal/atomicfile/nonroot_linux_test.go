package atomicfile

import (
	"runtime"
	"syscall"
	"unsafe"
)

// Linux's capability interface (linux/capability.h).
const (
	capabilityVersion3 = 0x20080522
	capDACOverride     = 1 // bypass file read, write and execute permission checks
	capDACReadSearch   = 2 // bypass file read and directory search permission checks
)

type capHeader struct {
	version uint32
	pid     int32 // 0: the calling thread
}

type capData struct {
	effective, permitted, inheritable uint32
}

// asNonRoot runs f with the file permission checks any user gets: on an OS thread whose effective
// capabilities lack CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, which is what lets root write into a
// read-only directory. Capabilities belong to a thread, so f runs on its own goroutine locked to
// its thread; it exits without unlocking it, and the runtime then ends the thread instead of
// handing it, unprivileged, to other goroutines. For a process that is not root it just runs f.
func asNonRoot(f func()) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		hdr := capHeader{version: capabilityVersion3}
		var data [2]capData
		if _, _, e := syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
			done <- e
			return
		}
		data[0].effective &^= 1<<capDACOverride | 1<<capDACReadSearch
		if _, _, e := syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
			done <- e
			return
		}
		f()
		done <- nil
	}()
	return <-done
}
