package train

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// bar is a per-epoch progress bar showing the running loss and images/s, or nothing when quiet or
// when its writer is not a terminal.
type bar struct {
	pb    *progressbar.ProgressBar
	desc  string
	start time.Time
}

func newBar(cfg Config, total int, desc string) *bar {
	w := cfg.Progress
	if w == nil {
		w = os.Stderr
	}
	f, ok := w.(*os.File)
	if cfg.Quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return &bar{}
	}
	return &bar{desc: desc, start: time.Now(), pb: progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc), progressbar.OptionShowCount(), progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())}
}

func (b *bar) step(loss float64, images int) {
	if b.pb == nil {
		return
	}
	rate := float64(images) / time.Since(b.start).Seconds()
	if math.IsNaN(loss) { // the fast path reads its losses once per epoch
		b.pb.Describe(fmt.Sprintf("%s: %.0f img/s", b.desc, rate))
	} else {
		b.pb.Describe(fmt.Sprintf("%s: loss %.4f, %.0f img/s", b.desc, loss, rate))
	}
	b.pb.Add(1)
}

func (b *bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
