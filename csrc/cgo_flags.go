// This file is a placeholder: the build replaces it, through `go build -overlay`, with the #cgo flags
// for the libtorch it found (build/libtorch/<key>/_go/cgo_flags.go; see package csrc/libtorch). It
// exists on disk so that tools which read package files without the overlay, such as go vet's cgo
// parser, find it.

package csrc
