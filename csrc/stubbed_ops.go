// This file is a placeholder: the build replaces it, through `go build -overlay`, with the list of
// gotch's functions stubbed for the libtorch it found (build/libtorch/<key>/_go/stubbed_ops.go; see
// package csrc/libtorch).

package csrc

// stubbed are gotch's functions (atg_ names without the prefix) that do not compile against the
// libtorch of this build.
var stubbed = map[string]bool{}
