//go:build aecifar_noc10d

package csrc

// The build tag aecifar_noc10d leaves csrc's c10d shim out (distributed.cpp compiles its stubs), for a
// libtorch whose headers declare c10d but whose libraries lack its symbols: package torch/distributed
// then reports that this binary has no c10d.

// #cgo CPPFLAGS: -DAECIFAR_NO_C10D
import "C"
