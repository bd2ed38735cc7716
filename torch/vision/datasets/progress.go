package datasets

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// byteBar is an io.Writer that advances a progress bar of a transfer by the bytes written to it,
// as torchvision's tqdm bar does; it does nothing unless its output is a terminal.
type byteBar struct {
	pb *progressbar.ProgressBar
}

// newByteBar makes a bar of total bytes (-1: unknown) on w, described by desc.
func newByteBar(w io.Writer, total int64, desc string) *byteBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &byteBar{}
	}
	return &byteBar{pb: progressbar.NewOptions64(total, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc), progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())}
}

func (b *byteBar) Write(p []byte) (int, error) {
	if b.pb != nil {
		b.pb.Add(len(p))
	}
	return len(p), nil
}

func (b *byteBar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
